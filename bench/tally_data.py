"""A realistic year of records, generated in Python and bulk-loaded (executemany / COPY).

Not the HTTP path: rows are made here with explicit ids and written straight into the tables
the migrations built, so a million attendance rows load in seconds. The shape follows what a
district reports: each home has a roster of 60–100 children, opens on about 300 days of the
year with 12–36 children a day (a few from a neighbouring home of the township), holds two
parent trainings a month (15–35 guardians), a volunteer day a month, visits and festivals;
about 1% of records are voided, 15% come from paper or import; a third of the children have a
category (some for part of the year only); 40% of the guardians at a training answer the
training's satisfaction survey (four 1–5 ratings). Every home also runs a repeating homework
club on weekdays, and one in three a Saturday volunteer morning: two in five of their days
have a row (someone opened them), the tally counts the rest from the series.

    district: 125 sites, ~1.0 M attendance rows      city: 1,250 sites, ~10 M rows
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

SCALES = {"district": (125, 12), "city": (1250, 100)}  # sites, townships
BATCH = 50_000
CATEGORIES = ("left_behind", "difficult", "disabled", "registered_poor", "military_family", "other")
SOURCES = ("qr",) * 70 + ("roll_call",) * 15 + ("paper",) * 12 + ("import",) * 3
ORDER = ("children", "child_categories", "activity_series", "activities", "survey_links", "attendances",
         "adult_signins", "survey_responses", "survey_answers")  # fmt: skip
OTHER_KINDS = (
    # kind, how many a year, children (min, max), guardians, volunteers
    ("parent_training", 24, (5, 20), (15, 35), (0, 0)),
    ("volunteer", 12, (15, 30), (0, 0), (3, 10)),
    ("visit", 4, (10, 25), (0, 0), (2, 5)),
    ("festival", 6, (20, 40), (0, 10), (0, 4)),
    ("other", 6, (10, 25), (0, 0), (0, 0)),
)


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, number: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + number


class Writer:
    """Writes batches of rows to one engine: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, dbapi_connection, engine: str):
        self.connection = dbapi_connection
        self.engine = engine
        self.counts = Counts()

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.engine == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        else:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(value) for value in row))
                buffer.write("\n")
            with self.connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
        self.counts.add(table, len(rows))

    def next_id(self, table: str) -> int:
        """The first free id of a table the migrations may already have put rows in."""
        if self.engine == "sqlite":
            return self.connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]
        with self.connection.cursor() as cursor:
            return cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=offset) for offset in range((date(year + 1, 1, 1) - first).days)]


def _stamp(day: date, hour: int = 8) -> str:
    return f"{day.isoformat()} {hour:02d}:00:00"


ACTIVITY_COLUMNS = (
    "id", "site_id", "kind", "title", "on_date", "opens_at", "closes_at", "for_children", "for_guardians",
    "for_volunteers", "public_token", "cancelled", "rotating_code", "created_at", "updated_at", "series_id",
)  # fmt: skip
SERIES_COLUMNS = (
    "id", "site_id", "kind", "title", "weekdays", "opens", "closes", "starts_on", "ends_on", "for_children",
    "for_guardians", "for_volunteers", "rotating_code", "stopped", "created_at", "updated_at",
)  # fmt: skip
SERIES = (
    # kind, title, weekdays, local opening and closing hour, which homes (every n-th)
    ("other", "作业辅导", "12345", 16, 18, 1),
    ("volunteer", "周六志愿服务", "6", 9, 11, 3),
)
MADE_SHARE = 0.4  # of a series' days, the ones a page made a row for
RECORD_COLUMNS = ("activity_id", "source", "signed_in_at", "late", "receipt_code", "voided_at", "void_reason")
ATTENDANCE_COLUMNS = ("id", "child_id", *RECORD_COLUMNS, "created_at", "updated_at")
ADULT_COLUMNS = ("id", "role", "name", "name_key", "phone", "village", "child_name", *RECORD_COLUMNS)
ADULT_COLUMNS += ("created_at", "updated_at")


class Generator:
    """Makes the rows site by site and hands them to a Writer in batches."""

    def __init__(self, writer: Writer, scale: str, year: int, seed: int = 8):
        self.w = writer
        self.sites, self.townships = SCALES[scale]
        self.year = year
        self.rng = random.Random(seed)
        # Its own generator: the other records stay the same as before series were added.
        self.series_rng = random.Random(seed + 1)
        self.next_id = {name: 1 for name in ("activity", "attendance", "adult", "link", "response", "answer", "series")}
        self.pending: dict[str, tuple[tuple, list]] = {}

    def _id(self, name: str) -> int:
        value = self.next_id[name]
        self.next_id[name] = value + 1
        return value

    def _add(self, table: str, columns: tuple, row: tuple) -> None:
        _columns, rows = self.pending.setdefault(table, (columns, []))
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write every pending batch, parents before the rows that point at them."""
        for name in sorted(self.pending, key=lambda name: ORDER.index(name)):
            columns, rows = self.pending.pop(name)
            self.w.write(name, columns, rows)

    def run(self) -> dict[str, int]:
        now = _stamp(date(self.year, 1, 1))
        townships = [(number, f"第{number:03d}镇", now, now) for number in range(1, self.townships + 1)]
        self.w.write("townships", ("id", "name", "created_at", "updated_at"), townships)
        sites, children_of = [], {}
        child_id = 0
        for site_id in range(1, self.sites + 1):
            township = (site_id - 1) % self.townships + 1
            sites.append(
                (site_id, township, f"第{township:03d}镇{site_id:04d}村儿童之家", "", "standard", "", True,
                 f"s{site_id:011d}", now, now)
            )  # fmt: skip
            roster = []
            for _ in range(self.rng.randint(60, 100)):
                child_id += 1
                roster.append(child_id)
            children_of[site_id] = roster
        self.w.write(
            "sites",
            ("id", "township_id", "name", "village", "level", "address", "active", "public_token", "created_at",
             "updated_at"),
            sites,
        )  # fmt: skip
        self._children(children_of, now)
        survey = self._survey_template(now)
        for site_id, roster in children_of.items():
            neighbour = children_of.get(site_id + self.townships, children_of.get(site_id - self.townships, []))
            self._site_year(site_id, roster + neighbour[:5], survey)
            self._series(site_id)
        self.flush()
        return dict(self.w.counts.rows)

    def _children(self, children_of: dict[int, list[int]], now: str) -> None:
        child_columns = (
            "id", "site_id", "name", "name_key", "status", "gender", "grade", "guardian_name", "guardian_phone",
            "created_at", "updated_at",
        )  # fmt: skip
        period_id = 0
        middle = date(self.year, 7, 1).isoformat()
        for site_id, roster in children_of.items():
            for child_id in roster:
                name = f"儿童{child_id:07d}"
                row = (child_id, site_id, name, name, "active", "", "", "", "", now, now)
                self._add("children", child_columns, row)
                draw = self.rng.random()
                for _ in range(2 if draw < 0.1 else 1 if draw < 0.35 else 0):
                    period_id += 1
                    shape = self.rng.random()
                    since, until = (None, None) if shape < 0.6 else (middle, None) if shape < 0.8 else (None, middle)
                    category = self.rng.choice(CATEGORIES)
                    self._add(
                        "child_categories",
                        ("id", "child_id", "category", "since", "until", "created_at", "updated_at"),
                        (period_id, child_id, category, since, until, now, now),
                    )
        self.flush()

    def _survey_template(self, now: str) -> dict:
        template_id, version_id = self.w.next_id("survey_templates"), self.w.next_id("survey_versions")
        first_question = self.w.next_id("survey_questions")
        self.w.write("survey_templates", ("id", "builtin", "created_at", "updated_at"), [(template_id, "", now, now)])
        self.w.write(
            "survey_versions",
            ("id", "template_id", "number", "title_zh", "title_en", "intro_zh", "intro_en", "frozen", "created_at"),
            [(version_id, template_id, 1, "家长满意度", "", "", "", True, now)],
        )
        questions = [
            (first_question + n, version_id, f"q{n}", n, "rating", f"评分{n}", "", True, "[]", "", "") for n in range(4)
        ]
        self.w.write(
            "survey_questions",
            ("id", "version_id", "key", "position", "kind", "title_zh", "title_en", "required", "options",
             "condition_key", "condition_value"),
            questions,
        )  # fmt: skip
        return {"template_id": template_id, "version_id": version_id, "question_ids": [q[0] for q in questions]}

    def _activity(self, site_id: int, kind: str, day: date, audiences: tuple[bool, bool, bool], cancelled: bool) -> int:
        activity_id = self._id("activity")
        row = (
            activity_id, site_id, kind, "", day.isoformat(), _stamp(day, 8), _stamp(day, 12), *audiences,
            f"a{activity_id:011d}", cancelled, False, _stamp(day), _stamp(day), None,
        )  # fmt: skip
        self._add("activities", ACTIVITY_COLUMNS, row)
        return activity_id

    def _series(self, site_id: int) -> None:
        """The home's repeating activities, and the rows of the days someone opened."""
        first = date(self.year, 1, 1)
        for kind, title, weekdays, opens, closes, every in SERIES:
            if (site_id - 1) % every:
                continue
            series_id = self._id("series")
            row = (
                series_id, site_id, kind, title, weekdays, f"{opens:02d}:00:00.000000", f"{closes:02d}:00:00.000000",
                first.isoformat(), None, True, False, kind == "volunteer", False, False, _stamp(first), _stamp(first),
            )  # fmt: skip
            self._add("activity_series", SERIES_COLUMNS, row)
            for day in _days(self.year):
                if str(day.isoweekday()) not in weekdays or self.series_rng.random() >= MADE_SHARE:
                    continue
                activity_id = self._id("activity")
                # Shanghai is UTC+8: the local opening hour less eight is the stored UTC one.
                row = (
                    activity_id, site_id, kind, title, day.isoformat(), _stamp(day, opens - 8),
                    _stamp(day, closes - 8), True, False, kind == "volunteer", f"a{activity_id:011d}", False, False,
                    _stamp(day), _stamp(day), series_id,
                )  # fmt: skip
                self._add("activities", ACTIVITY_COLUMNS, row)

    def _record(self, activity_id: int, day: date) -> tuple:
        voided = self.rng.random() < 0.01
        stamp = _stamp(day, 9)
        source = self.rng.choice(SOURCES)
        return (activity_id, source, stamp, False, "AB23", stamp if voided else None, "录错" if voided else "")

    def _children_at(self, activity_id: int, day: date, pool: list[int], low: int, high: int) -> None:
        for child_id in self.rng.sample(pool, min(len(pool), self.rng.randint(low, high))):
            record = self._record(activity_id, day)
            self._add(
                "attendances", ATTENDANCE_COLUMNS, (self._id("attendance"), child_id, *record, record[2], record[2])
            )

    def _adults_at(self, activity_id: int, day: date, role: str, number: int) -> list[int]:
        ids = []
        for index in range(number):
            name = f"{'家长' if role == 'guardian' else '志愿者'}{activity_id}-{index}"
            record = self._record(activity_id, day)
            adult_id = self._id("adult")
            self._add(
                "adult_signins", ADULT_COLUMNS, (adult_id, role, name, name, "", "", "", *record, record[2], record[2])
            )
            ids.append(adult_id)
        return ids

    def _site_year(self, site_id: int, pool: list[int], survey: dict) -> None:
        rng = self.rng
        for day in _days(self.year):
            if rng.random() < 0.82:  # closed on ~65 days a year
                activity_id = self._activity(site_id, "daily", day, (True, False, False), False)
                self._children_at(activity_id, day, pool, 12, 36)
        for kind, per_year, kids, guardians, volunteers in OTHER_KINDS:
            for _ in range(per_year):
                day = date(self.year, 1, 1) + timedelta(days=rng.randrange(365))
                cancelled = rng.random() < 0.05
                audiences = (True, guardians[1] > 0, volunteers[1] > 0)
                activity_id = self._activity(site_id, kind, day, audiences, cancelled)
                if cancelled:
                    continue
                self._children_at(activity_id, day, pool, *kids)
                came = self._adults_at(activity_id, day, "guardian", rng.randint(*guardians))
                self._adults_at(activity_id, day, "volunteer", rng.randint(*volunteers))
                if kind == "parent_training":
                    self._survey_answers(site_id, activity_id, day, len(came), survey)

    def _survey_answers(self, site_id: int, activity_id: int, day: date, guardians: int, survey: dict) -> None:
        link_id = self._id("link")
        self._add(
            "survey_links",
            ("id", "template_id", "site_id", "activity_id", "public_token", "created_at"),
            (link_id, survey["template_id"], site_id, activity_id, f"l{link_id:011d}", _stamp(day)),
        )
        for _ in range(sum(self.rng.random() < 0.4 for _ in range(guardians))):
            response_id = self._id("response")
            self._add(
                "survey_responses",
                ("id", "link_id", "template_id", "version_id", "site_id", "activity_id", "on_date", "nonce",
                 "device_key", "locale", "created_at"),
                (response_id, link_id, survey["template_id"], survey["version_id"], site_id, activity_id,
                 day.isoformat(), f"n{response_id:015d}", f"d{response_id:015d}", "zh_Hans", _stamp(day, 11)),
            )  # fmt: skip
            for question_id in survey["question_ids"]:
                rating = self.rng.choice((3, 4, 4, 5, 5, 5))
                self._add(
                    "survey_answers",
                    ("id", "response_id", "question_id", "number", "choice", "text"),
                    (self._id("answer"), response_id, question_id, rating, "", ""),
                )


def generate(dbapi_connection, engine: str, scale: str, year: int) -> dict[str, int]:
    """Fill an empty, migrated database; returns the rows written per table."""
    writer = Writer(dbapi_connection, engine)
    counts = Generator(writer, scale, year).run()
    if engine == "postgresql":
        with dbapi_connection.cursor() as cursor:
            for table in counts:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return counts
