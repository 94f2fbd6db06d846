"""Configuration read from the environment, with safe defaults for a single small server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def resolve_database_url(url: str) -> str:
    """Make a relative SQLite path absolute against the project root.

    Flask-SQLAlchemy would otherwise resolve it against the instance folder, turning the
    documented ``sqlite:///instance/formsvc.db`` into ``instance/instance/formsvc.db``.
    """
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(PROJECT_ROOT / url[len(prefix) :])
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_secret_key(instance_dir: Path) -> str:
    """Use SECRET_KEY from the environment, else one generated once into the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class ConfigError(RuntimeError):
    """A setting the service cannot run with; the message names the variable and what it takes."""


def _integer(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.strip().isdigit():
        raise ConfigError(f"{name}={value!r}: a whole number, e.g. {default}")
    return int(value)


def from_environment(instance_dir: Path = INSTANCE_DIR) -> dict:
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    secure = base_url.startswith("https://")
    timezone = os.environ.get("TIMEZONE", "Asia/Shanghai")
    return {
        "SECRET_KEY": load_secret_key(instance_dir),
        "SQLALCHEMY_DATABASE_URI": resolve_database_url(
            os.environ.get("DATABASE_URL", "sqlite:///instance/formsvc.db")
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": base_url,
        "TIMEZONE": timezone,
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": timezone,
        # The daily opening of a Children's Home: its sign-in window in local time.
        "DAILY_OPENS": os.environ.get("DAILY_OPENS", "07:00"),
        "DAILY_CLOSES": os.environ.get("DAILY_CLOSES", "21:00"),
        # A grandparent may leave a form open for a long time; an expired token is handled
        # anyway (the form comes back filled in), this only makes it rarer.
        "WTF_CSRF_TIME_LIMIT": 6 * 3600,
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # The phone forms (sign-in, survey) send a few hundred bytes; more is refused with 413.
        "PUBLIC_MAX_CONTENT_LENGTH": 64 * 1024,
        # Failed logins allowed in 15 minutes, per username typed and per client address.
        "LOGIN_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_FAILURES_PER_IP": 50,
        # How long personal fields are kept before `flask purge` anonymises them.
        "RETENTION": os.environ.get("RETENTION", "3y"),
        # Named on the children's-information rules page and in the consent box (PIPL Art. 31);
        # empty values fall back to "the district Women's Federation (office)".
        "PRIVACY_ORGANISATION": os.environ.get("PRIVACY_ORGANISATION", ""),
        "PRIVACY_OFFICER": os.environ.get("PRIVACY_OFFICER", ""),
        "PRIVACY_CONTACT": os.environ.get("PRIVACY_CONTACT", ""),
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
        # How many reverse proxies (nginx, a load balancer) stand in front and set X-Forwarded-*.
        "PROXY_COUNT": _integer("PROXY_COUNT", 0),
        # Lecture mode: the QR on the screen changes every ROTATING_QR_SECONDS; a code stays
        # good for its own and the next period plus the grace (a slow scan on a weak phone).
        "ROTATING_QR_SECONDS": _integer("ROTATING_QR_SECONDS", 30),
        "ROTATING_QR_GRACE_SECONDS": _integer("ROTATING_QR_GRACE_SECONDS", 15),
        # A good scan lets that phone send the activity's forms for this long.
        "SCAN_PASS_MINUTES": _integer("SCAN_PASS_MINUTES", 10),
        # Lectures: a sign-in this long after sign-in opens is marked late.
        "LATE_AFTER_MINUTES": _integer("LATE_AFTER_MINUTES", 15),
        # Rate limits (Flask-Limiter): Redis when set (shared by every worker), else memory.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or "memory://",
        # Redis down must not stop a lecture: count in memory meanwhile, and never fail a request.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1}
        if os.environ.get("RATELIMIT_STORAGE_URI", "").startswith(("redis", "rediss"))
        else {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_SIGNIN_PER_DEVICE": os.environ.get("RATELIMIT_SIGNIN_PER_DEVICE", "20/minute"),
        "RATELIMIT_SIGNIN_PER_IP": os.environ.get("RATELIMIT_SIGNIN_PER_IP", "600/minute"),
        "RATELIMIT_SCAN_PER_IP": os.environ.get("RATELIMIT_SCAN_PER_IP", "600/minute"),
    }


_RATE_SETTINGS = ("RATELIMIT_SIGNIN_PER_DEVICE", "RATELIMIT_SIGNIN_PER_IP", "RATELIMIT_SCAN_PER_IP")
_RATE_STORAGES = ("memory://", "redis://", "rediss://", "redis+unix://", "redis+sentinel://", "redis+cluster://")


def check(config) -> None:
    """Refuse to start on a setting that would only fail later, at a grandparent's scan.

    A typo in RETENTION, TIMEZONE or the daily opening hours used to start without a word,
    then answer 500 on the sign-in pages; a BASE_URL without http(s):// printed QR codes a
    phone reads as text. Raises ConfigError naming every bad setting.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from limits import parse as parse_rate

    from formsvc.errors import DomainError
    from formsvc.privacy.retention import parse_period
    from formsvc.timeutil import parse_clock

    problems = []

    def refuse(name: str, expected: str) -> None:
        problems.append(f"{name}={config[name]!r}: {expected}")

    try:
        ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        refuse("TIMEZONE", "a time zone name such as Asia/Shanghai")
    clocks = {}
    for name in ("DAILY_OPENS", "DAILY_CLOSES"):
        try:
            clocks[name] = parse_clock(config[name])
        except (ValueError, TypeError, AttributeError):
            refuse(name, "a time of day as HH:MM, e.g. 07:00")
    if len(clocks) == 2 and clocks["DAILY_OPENS"] >= clocks["DAILY_CLOSES"]:
        refuse("DAILY_CLOSES", "a time later than DAILY_OPENS")
    try:
        parse_period(config["RETENTION"])
    except DomainError:
        refuse("RETENTION", "a number and y, m or d, e.g. 3y")
    base_url = urlsplit(config["BASE_URL"])
    if base_url.scheme not in ("http", "https") or not base_url.netloc or any(c.isspace() for c in config["BASE_URL"]):
        refuse("BASE_URL", "the public address the QR codes lead to, e.g. https://etzj.example.gov.cn")
    for name in _RATE_SETTINGS:
        try:
            parse_rate(config[name])
        except ValueError:
            refuse(name, "a rate such as 20/minute")
    if not config["RATELIMIT_STORAGE_URI"].startswith(_RATE_STORAGES):
        refuse("RATELIMIT_STORAGE_URI", "empty (memory) or a Redis address, e.g. redis://127.0.0.1:6379/0")
    if problems:
        raise ConfigError("; ".join(problems))
