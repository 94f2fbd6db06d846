"""Configuration read from the environment, with safe defaults for a single small server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

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
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        "PREFERRED_URL_SCHEME": "https" if secure else "http",
    }
