"""The first weeks of a new Children's Home, as QA acted them out.

A misspelt name typed from a paper sheet must not quietly become a second child; a home is not
"quiet" on the day it is created; entries without a clock time of their own (paper, a roll-call
ticked after the activity) do not show the activity's closing time on the day view.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildStatus, Source
from formsvc.attendance.paper import enter_paper
from formsvc.attendance.review import likely_slip, merge_child, review_queue
from formsvc.attendance.rollcall_services import mark
from formsvc.attendance.voiding import void_attendance
from formsvc.extensions import db
from formsvc.forms import new_nonce
from formsvc.sites.models import Site
from tests.conftest import clock_stopped_at, form_fields, local, page_text
from tests.test_sheet_upload import confirm, fill, template, upload
from tests.workspace_helpers import DAY, EN, NOW, count, guardian_sign_in, qr_sign_in, signed_in_client

frozen = clock_stopped_at(NOW)

TYPO_HINT = "Similar name on the roster: 农丽萍 — if it is the same child, change the line to the name on the roster."
TO_REVIEW = "New — will wait in the review queue, where it can be merged"


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    nong = make.child(site, "农丽萍")
    return {"site": site, "manager": make.user("amy", sites=[site]), "lecture": lecture, "nong": nong}


def paper_url(home) -> str:
    return f"/admin/activities/{home['lecture']['id']}/paper"


def check(client, home, lines, audience="children"):
    fields = form_fields(client.get(paper_url(home)).data)
    data = {**fields, "audience": audience, "lines": lines, "check": "y"}
    data.pop("save", None)
    return client.post(paper_url(home), data=data, headers=EN)


def save(client, checked_page, lines, audience="children"):
    fields = form_fields(checked_page.data)
    fields.pop("check", None)
    data = {**fields, "audience": audience, "lines": lines, "save": "y"}
    return client.post(checked_page.request.path, data=data, headers=EN)


def child_named(name: str) -> Child:
    return db.session.execute(select(Child).where(Child.name == name)).scalar_one()


# --- 1. a misspelt name from a paper sheet ------------------------------------------------


def test_the_check_page_names_the_roster_child_a_new_name_looks_like(app, home):
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "农丽平\n黄子轩\n农小军")
    text = page_text(checked.data)
    assert checked.status_code == 200
    assert TYPO_HINT in text
    assert TO_REVIEW in text and "For review: 1" in text
    # Names like nobody's (the same surname is not enough) are plain new children, with no hint.
    assert text.count("Similar name on the roster") == 1
    assert text.count("New — will be added to the roster") == 2
    # Corrected before saving, the line signs in the roster's child.
    checked = check(client, home, "农丽萍")
    assert "On the roster — will be signed in" in page_text(checked.data)
    assert save(client, checked, "农丽萍").status_code == 302
    with app.app_context():
        assert db.session.execute(select(Attendance.child_id)).scalars().all() == [home["nong"]]
    assert count(app, Child) == 1


def test_an_uploaded_sheet_gets_the_same_hint_and_review(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    preview = upload(client, lecture, fill(template(client, lecture), [("农丽平", "儿童", None, None)]))
    text = page_text(preview.data)
    assert "Similar name on the roster: 农丽萍" in text and TO_REVIEW in text
    assert confirm(client, lecture, preview).status_code == 302
    with app.app_context():
        assert child_named("农丽平").status == ChildStatus.TO_REVIEW


def test_saved_as_typed_the_look_alike_waits_for_review_and_can_be_merged(app, home):
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "农丽平\n黄子轩")
    assert save(client, checked, "农丽平\n黄子轩").status_code == 302
    with app.app_context():
        typo, other = child_named("农丽平"), child_named("黄子轩")
        # Not onto the roster for good, where it could never be merged …
        assert typo.status == ChildStatus.TO_REVIEW
        # … while a name like nobody's is trusted as before: the manager's own sheet.
        assert other.status == ChildStatus.ACTIVE
        # The visit counts while it waits.
        attendance = db.session.execute(select(Attendance).where(Attendance.child_id == typo.id)).scalar_one()
        assert attendance.source == Source.PAPER and attendance.voided_at is None
        site = db.session.get(Site, home["site"]["id"])
        (entry,) = review_queue(site)[0]
        assert entry.child.id == typo.id and [child.name for child in entry.suggestions] == ["农丽萍"]
        manager = db.session.get(User, home["manager"]["id"])
        merge_child(typo, db.session.get(Child, home["nong"]), user=manager)
        db.session.commit()
        assert db.session.get(Attendance, attendance.id).child_id == home["nong"]
    queue = page_text(client.get(f"/admin/sites/{home['site']['id']}/review", headers=EN).data)
    assert "农丽平" not in queue


def test_the_same_slip_typed_again_finds_the_child_waiting_for_review(app, ctx, home, make):
    second = make.activity(home["site"], day=DAY, title="周末活动", children=True, guardians=False)
    manager = db.session.get(User, home["manager"]["id"])
    for activity_id in (home["lecture"]["id"], second["id"]):
        activity = db.session.get(Activity, activity_id)
        enter_paper(activity, Audience.CHILDREN, "农丽平", nonce=new_nonce(), user=manager, now=NOW)
        db.session.commit()
    (typo,) = db.session.execute(select(Child).where(Child.name == "农丽平")).scalars()
    assert typo.status == ChildStatus.TO_REVIEW
    assert db.session.execute(select(Attendance.child_id)).scalars().all() == [typo.id, typo.id]


# --- 2. a brand-new home is not "quiet" --------------------------------------------------

QUIET = "no sign-ins for 30 days"


def dashboard_rows(app, make) -> dict[str, str]:
    client = signed_in_client(app, make.user("boss", role="admin"))
    html = client.get("/admin/", headers=EN).data.decode()
    rows = [line for line in html.split("<tr") if "儿童之家" in line]
    return {name: page_text(row) for row in rows for name in [page_text(row.split("</td>")[0])]}


def opened(app, site: dict, day: date | None) -> None:
    with app.app_context():
        db.session.get(Site, site["id"]).opened_on = day
        db.session.commit()


def row_of(rows: dict[str, str], name: str) -> str:
    return next(text for key, text in rows.items() if name in key)


def test_a_home_created_today_is_not_quiet(app, make):
    make.site("新建儿童之家")
    rows = dashboard_rows(app, make)
    assert QUIET not in row_of(rows, "新建儿童之家")


def test_a_home_without_sign_ins_is_quiet_30_days_after_it_was_created_or_opened(app, make, frozen):
    frozen.move_to(NOW - timedelta(days=45))
    make.site("甲儿童之家")
    just_opened = make.site("乙儿童之家")  # entered 45 days ago, opened only 10 days ago
    long_open = make.site("丙儿童之家")
    frozen.move_to(NOW - timedelta(days=20))
    recent = make.site("丁儿童之家")  # opened years before formsvc: counts from its creation
    frozen.move_to(NOW)
    opened(app, just_opened, DAY - timedelta(days=10))
    opened(app, long_open, DAY - timedelta(days=40))
    opened(app, recent, date(2019, 6, 1))
    rows = dashboard_rows(app, make)
    assert QUIET in row_of(rows, "甲儿童之家")
    assert QUIET not in row_of(rows, "乙儿童之家")
    assert QUIET in row_of(rows, "丙儿童之家")
    assert QUIET not in row_of(rows, "丁儿童之家")
    assert row_of(rows, "甲儿童之家").endswith("—")  # no last sign-in to show


# --- 3. no made-up clock time on the day view --------------------------------------------


def day_rows(client, site: dict, name: str) -> list[str]:
    html = client.get(f"/admin/sites/{site['id']}?day={DAY.isoformat()}", headers=EN).data.decode()
    return [page_text(row) for row in re.findall(r"<tr\b.*?</tr>", html, flags=re.S) if name in row]


def test_paper_entries_typed_the_next_morning_show_no_time(app, home, frozen):
    client = signed_in_client(app, home["manager"])
    qr_sign_in(app, home["lecture"]["id"], "农丽萍")
    frozen.move_to(local(2026, 11, 28, 9, 0))
    checked = check(client, home, "黄子轩")
    assert save(client, checked, "黄子轩").status_code == 302
    checked = check(client, home, "李秀英 奶奶", audience="guardians")
    assert save(client, checked, "李秀英 奶奶", audience="guardians").status_code == 302
    with app.app_context():
        # What is stored does not change: the closing time, as before.
        stored = db.session.execute(select(Attendance).where(Attendance.source == Source.PAPER)).scalar_one()
        assert stored.signed_in_at == stored.activity.closes_at
    (child_row,) = day_rows(client, home["site"], "黄子轩")
    (adult_row,) = day_rows(client, home["site"], "李秀英")
    assert "21:00" not in child_row and "—" in child_row and "Paper sheet" in child_row
    assert "21:00" not in adult_row and "Paper sheet" in adult_row
    (phone_row,) = day_rows(client, home["site"], "农丽萍")
    assert "16:30" in phone_row  # a phone sign-in keeps its time


def test_a_paper_entry_typed_during_the_activity_shows_no_time_either(app, home):
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "黄子轩")
    assert save(client, checked, "黄子轩").status_code == 302
    (row,) = day_rows(client, home["site"], "黄子轩")
    assert "16:30" not in row and "—" in row


def test_roll_call_keeps_its_time_unless_ticked_after_the_activity(app, make, home, frozen):
    late = make.child(home["site"], "黄子轩")
    with app.app_context():
        activity = db.session.get(Activity, home["lecture"]["id"])
        manager = db.session.get(User, home["manager"]["id"])
        mark(activity, db.session.get(Child, home["nong"]), present=True, nonce=new_nonce(), user=manager, now=NOW)
        next_day = local(2026, 11, 28, 9, 0)
        mark(activity, db.session.get(Child, late), present=True, nonce=new_nonce(), user=manager, now=next_day)
        db.session.commit()
    client = signed_in_client(app, home["manager"])
    (during,) = day_rows(client, home["site"], "农丽萍")
    (after,) = day_rows(client, home["site"], "黄子轩")
    assert "16:30" in during and "Roll-call" in during
    assert "21:00" not in after and "—" in after and "Roll-call" in after


def test_a_voided_paper_entry_shows_no_time(app, home, frozen):
    guardian_sign_in(app, home["lecture"]["id"])  # keeps the day's tables apart from the voided list
    client = signed_in_client(app, home["manager"])
    frozen.move_to(local(2026, 11, 28, 9, 0))
    checked = check(client, home, "农丽萍")
    assert save(client, checked, "农丽萍").status_code == 302
    with app.app_context():
        attendance = db.session.execute(select(Attendance)).scalar_one()
        void_attendance(attendance, user=db.session.get(User, home["manager"]["id"]), reason="写错了")
        db.session.commit()
    (voided,) = day_rows(client, home["site"], "农丽萍")
    assert "写错了" in voided and "21:00" not in voided and "—" in voided
    assert count(app, AdultSignIn) == 1


# --- no made-up clock time elsewhere: the receipt, the void page, the printed sheet --------------


def test_a_child_entered_on_paper_who_scans_later_is_not_told_21_00(app, home, frozen):
    client = signed_in_client(app, home["manager"])
    frozen.move_to(local(2026, 11, 28, 9, 0))
    checked = check(client, home, "农丽萍")
    assert save(client, checked, "农丽萍").status_code == 302
    frozen.move_to(NOW)  # back to the lecture's afternoon: the grandmother scans the poster
    phone = app.test_client()
    url = f"/a/{home['lecture']['token']}/child"
    data = {**form_fields(phone.get(url).data), "child_name": "农丽萍", "consent": "y"}
    receipt = phone.get(phone.post(url, data=data).headers["Location"])
    text = page_text(receipt.data)
    assert "农*萍 已经签过到了。" in text and "21:00" not in text
    with app.app_context():
        attendance = db.session.execute(select(Attendance)).scalar_one()
    manager = signed_in_client(app, home["manager"])  # logged in again at the afternoon's clock
    void_page = page_text(manager.get(f"/admin/attendances/{attendance.id}/void", headers=EN).data)
    assert "21:00" not in void_page and "Paper" in void_page


def test_the_printed_sheet_says_roll_call_without_a_made_up_time(app, make, home, frozen):
    late = make.child(home["site"], "黄子轩")
    with app.app_context():
        activity = db.session.get(Activity, home["lecture"]["id"])
        manager = db.session.get(User, home["manager"]["id"])
        mark(activity, db.session.get(Child, home["nong"]), present=True, nonce=new_nonce(), user=manager, now=NOW)
        later = local(2026, 11, 28, 9, 0)
        mark(activity, db.session.get(Child, late), present=True, nonce=new_nonce(), user=manager, now=later)
        db.session.commit()
    client = signed_in_client(app, home["manager"])
    workbook = load_workbook(BytesIO(client.get(f"/admin/activities/{home['lecture']['id']}/sheet.xlsx").data))
    rows = {row[1]: row[5] for row in workbook.active.iter_rows(values_only=True) if row[1] in ("农丽萍", "黄子轩")}
    assert rows == {"农丽萍": "点名 16:30", "黄子轩": "点名"}


def test_stopping_a_series_asks_first_and_every_table_can_be_scrolled_by_keyboard(app, make, home, frozen):
    from datetime import time

    from formsvc.activities.services import ActivityPlan, schedule

    with app.app_context():
        plan = ActivityPlan(
            kind=Activity.kind.type.enum_class("parent_training"),
            title="周六家长课堂",
            day=DAY,
            opens=time(9),
            closes=time(11),
            for_guardians=True,
            weekdays="6",
        )
        schedule(plan, [db.session.get(Site, home["site"]["id"])])
        db.session.commit()
    qr_sign_in(app, home["lecture"]["id"], "农丽萍")
    guardian_sign_in(app, home["lecture"]["id"])
    html = signed_in_client(app, home["manager"]).get(f"/admin/sites/{home['site']['id']}").get_data(as_text=True)
    stop = re.search(r'<details class="confirm">\s*<summary class="button">([^<]+)</summary>\s*<form[^>]*/stop"', html)
    assert stop and stop.group(1) == "停止重复"
    boxes = re.findall(r'<div class="table-scroll"([^>]*)>', html)
    assert len(boxes) == 2
    assert all('tabindex="0"' in box and 'role="region"' in box and "aria-label=" in box for box in boxes)


def test_the_saved_message_counts_the_names_for_review_apart(app, home, frozen):
    """QA: "new on the roster: 5" when four of the five were waiting in the review queue."""
    client = signed_in_client(app, home["manager"])
    lines = "农丽平\n黄子轩"  # a look-alike of 农丽萍, and a child new to the home
    checked = check(client, home, lines)
    assert "New on the roster: 1" in page_text(checked.data) and "For review: 1" in page_text(checked.data)
    saved = save(client, checked, lines)
    message = page_text(client.get(saved.headers["Location"], headers=EN).data)
    assert "New on the roster: 1." in message and "Waiting in the review queue: 1." in message


@pytest.mark.parametrize(
    ("typed", "listed", "slip"),
    [
        ("农丽平", "农丽萍", True),  # the same sound
        ("王晓明", "王小明", True),  # the same surname and length, one character changed
        ("吴晓梅", "王小明", False),  # QA: only the initials alike
        ("方燕华", "范银航", False),
        ("李小明", "王小明", False),  # another family's 小明
        ("小明", "王小明", False),
    ],
)
def test_a_slip_is_told_from_a_new_child_with_a_similar_name(typed, listed, slip):
    """QA: matching on initials or a shared given name flagged one new child in five at a larger home."""
    assert likely_slip(typed, listed) is slip
