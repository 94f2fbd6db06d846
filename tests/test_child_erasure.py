"""Erase on request: after a child is erased, no audit entry still names them."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from formsvc.accounts.models import User
from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Child, ChildStatus
from formsvc.attendance.rollcall_services import mark
from formsvc.attendance.services import sign_in_adult
from formsvc.attendance.voiding import void_adult_signin, void_attendance
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.forms import new_nonce
from formsvc.privacy.retention import ERASED, erase_child
from tests.conftest import clock_stopped_at, form_fields, login, page_text
from tests.pdftools import pdf_text
from tests.workspace_helpers import DAY, EN, NOW, qr_sign_in, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)

# The child's names over time, the name a grandmother typed wrong, and the guardian's details.
FIRST_NAME, NAME, TYPO = "王小民", "王小明", "王晓明"
GUARDIAN, PHONE = "王奶奶", "13812345678"
PERSONAL = (FIRST_NAME, NAME, TYPO, GUARDIAN, PHONE)


@pytest.fixture
def home(app, make):
    site = make.site()
    return {
        "site": site,
        "daily": make.daily(site, DAY),
        "lecture": make.activity(site, day=DAY, title="周末活动", children=True, guardians=True),
        "manager": make.user("amy", sites=[site]),
        "admin": make.user("boss", role="admin"),
    }


def child_url(home, child_id, suffix="") -> str:
    return f"/admin/sites/{home['site']['id']}/children/{child_id}{suffix}"


def roll_call(app, home, child_id) -> None:
    with app.app_context():
        activity = db.session.get(Activity, home["daily"]["id"])
        user = db.session.get(User, home["manager"]["id"])
        mark(activity, db.session.get(Child, child_id), present=True, nonce=new_nonce(), user=user, now=NOW)
        db.session.commit()


def edit_on_the_page(client, home, child_id, **values) -> None:
    html = client.get(child_url(home, child_id)).data.decode()
    fields = form_fields(html[: html.index('id="erase-title"')])
    response = client.post(child_url(home, child_id), data={**fields, **values})
    assert response.status_code == 302, page_text(response.data)


def merge_on_the_page(client, home, typo_id, target_id) -> None:
    review = f"/admin/sites/{home['site']['id']}/review"
    fields = form_fields(client.get(review).data)
    data = {f"m{typo_id}-csrf_token": fields[f"m{typo_id}-csrf_token"], f"m{typo_id}-target": str(target_id)}
    assert client.post(f"{review}/{typo_id}/merge", data=data).status_code == 302


def erase_on_the_page(client, home, child_id) -> None:
    html = client.get(child_url(home, child_id)).data.decode()
    fields = form_fields(html[html.index('id="erase-title"') :])
    response = client.post(child_url(home, child_id, "/erase"), data={**fields, "confirmed": "y"})
    assert response.status_code == 302


def all_audit_details(app) -> str:
    """Every audit entry's details, serialised both ways a database may hold them."""
    with app.app_context():
        entries = db.session.execute(db.select(AuditEntry.details)).scalars().all()
    return "\n".join(json.dumps(details, ensure_ascii=flag) for details in entries for flag in (False, True))


def escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


def test_erasing_a_child_removes_their_names_from_every_audit_entry(app, make, home):
    wang = make.child(home["site"], FIRST_NAME)
    other = make.child(home["site"], "李思琪")
    roll_call(app, home, wang)  # rollcall.present, under the first spelling of the name
    roll_call(app, home, other)
    manager = signed_in_client(app, home["manager"])
    edit_on_the_page(
        manager, home, wang, name=NAME, gender="m", grade="三年级", guardian_name=GUARDIAN, guardian_phone=PHONE
    )  # child.update: before and after name the child
    qr_sign_in(app, home["lecture"]["id"], TYPO)  # a new child to review …
    with app.app_context():
        typo = db.session.execute(db.select(Child).where(Child.name == TYPO)).scalar_one().id
    merge_on_the_page(manager, home, typo, wang)  # … merged into Wang: child.merge on the other child
    with app.app_context():
        attendance = db.session.execute(
            db.select(Attendance).where(Attendance.child_id == wang, Attendance.activity_id == home["daily"]["id"])
        ).scalar_one()
        # A reason in the manager's own words, naming the child and the guardian who phoned.
        reason = f"{NAME}今天请假，{GUARDIAN}来电 {PHONE}"
        void_attendance(attendance, user=db.session.get(User, home["manager"]["id"]), reason=reason)
        db.session.commit()
        # An aunt's sign-in voided with a reason that names the child: about her, not the child.
        sign_in_adult(
            db.session.get(Activity, home["daily"]["id"]), role=AdultRole.GUARDIAN, name="张阿姨", relation=None,
            phone="", village="", child_name="", nonce=new_nonce(), now=NOW,
        )  # fmt: skip
        aunt = db.session.execute(db.select(AdultSignIn).where(AdultSignIn.name == "张阿姨")).scalar_one()
        void_adult_signin(aunt, user=db.session.get(User, home["manager"]["id"]), reason=f"替{NAME}签错了")
        db.session.commit()
    before = all_audit_details(app)
    assert all(value in before for value in PERSONAL)

    erase_on_the_page(manager, home, wang)

    after = all_audit_details(app)
    for value in PERSONAL:
        assert value not in after and escaped(value) not in after, value
    assert ERASED in after
    assert "李思琪" in after  # another child's entries keep her name
    with app.app_context():
        merged = db.session.get(Child, typo)
        assert merged.status == ChildStatus.MERGED and merged.name == "" and merged.purged_at is not None
        actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
        aunts = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "adult_signin.void")).scalar_one()
        assert aunts.details["reason"] == f"替{ERASED}签错了" and aunts.details["name"] == "张阿姨"
    assert {"rollcall.present", "child.update", "child.merge", "attendance.void", "child.erase"} <= actions

    admin = app.test_client()
    login(admin, home["admin"])
    audit_page = admin.get("/admin/audit/", headers=EN).data.decode()
    for value in PERSONAL:
        assert value not in audit_page and escaped(value) not in audit_page, value
    assert "李思琪" in page_text(audit_page) or escaped("李思琪") in audit_page


def test_the_scrub_is_part_of_the_erase_and_undone_with_it(app, ctx, make, home):
    wang = make.child(home["site"], NAME)
    roll_call(app, home, wang)
    child = db.session.get(Child, wang)
    erase_child(child, user=db.session.get(User, home["manager"]["id"]))
    db.session.rollback()  # the caller's transaction failed: nothing is erased, nothing scrubbed
    details = db.session.execute(db.select(AuditEntry.details)).scalars().all()
    assert [entry["name"] for entry in details] == [NAME]
    assert db.session.get(Child, wang).name == NAME


def voided_reason(app, model, record_id: int) -> str:
    with app.app_context():
        return db.session.get(model, record_id).void_reason


def test_erasing_a_child_takes_their_names_out_of_void_reasons_and_survey_answers(app, make, home, frozen_afternoon):
    from formsvc.surveys.models import SurveyAnswer
    from tests.survey_helpers import answer, make_template, spec, use_at_site

    wang = make.child(home["site"], NAME)
    make.child(home["site"], "李思琪")
    manager = signed_in_client(app, home["manager"])
    edit_on_the_page(manager, home, wang, name=NAME, gender="m", guardian_name="陆秀英", guardian_phone=PHONE)
    visit = qr_sign_in(app, home["daily"]["id"], NAME)
    others_visit = qr_sign_in(app, home["daily"]["id"], "李思琪")
    with app.app_context():
        user = db.session.get(User, home["manager"]["id"])
        lecture = db.session.get(Activity, home["lecture"]["id"])

        def guardian(name, child_name):
            sign_in_adult(
                lecture, role=AdultRole.GUARDIAN, name=name, relation=None, phone="",
                village="", child_name=child_name, nonce=new_nonce(), now=NOW,
            )  # fmt: skip
            return db.session.execute(db.select(AdultSignIn).where(AdultSignIn.name == name)).scalar_one()

        grandma, aunt = guardian("陆秀英", NAME), guardian("张阿姨", "")
        assert grandma.child_id == wang  # she named the child
        # Reasons in the manager's own words: the child, the guardian, her phone, the father's.
        reason = f"{NAME}那天生病没来，奶奶陆秀英打电话{PHONE}说的，他爸 139 7777 8888 也来过电话"
        void_attendance(db.session.get(Attendance, visit), user=user, reason=reason)
        void_attendance(db.session.get(Attendance, others_visit), user=user, reason="李思琪那天没来")
        void_adult_signin(grandma, user=user, reason=f"陆秀英替{NAME}签了两次，电话+86 13977778888")
        void_adult_signin(aunt, user=user, reason=f"替{NAME}签错了")
        db.session.commit()
        grandma, aunt = grandma.id, aunt.id
    survey = use_at_site(app, make_template(app, [spec("long_text", "意见建议")]), home["site"]["id"])
    assert answer(app.test_client(), survey, {"q1": f"{NAME}很喜欢这里，谢谢老师"}).status_code == 302

    erase_on_the_page(manager, home, wang)

    assert voided_reason(app, Attendance, visit) == (
        f"{ERASED}那天生病没来，奶奶{ERASED}打电话{ERASED}说的，他爸 {ERASED} 也来过电话"
    )
    assert voided_reason(app, AdultSignIn, grandma) == f"{ERASED}替{ERASED}签了两次，电话{ERASED}"
    assert voided_reason(app, AdultSignIn, aunt) == f"替{ERASED}签错了"  # about the aunt: only the name goes
    assert voided_reason(app, Attendance, others_visit) == "李思琪那天没来"  # another child's stays
    with app.app_context():
        assert db.session.execute(db.select(SurveyAnswer.text)).scalar_one() == f"{ERASED}很喜欢这里，谢谢老师"
    day_view = page_text(manager.get(f"/admin/sites/{home['site']['id']}?day={DAY.isoformat()}").data)
    assert "李思琪那天没来" in day_view  # the voided list is on the page …
    # … without the erased child (the grandmother's own sign-in keeps her name, as before).
    for value in (NAME, PHONE, "13977778888", "139 7777 8888"):
        assert value not in day_view, value
    assert "（已删除）那天生病没来" in day_view and ERASED not in day_view  # the mark in the reader's language


def test_erasing_without_the_tick_says_so_at_the_top_and_comes_back_to_the_box(app, make, home):
    wang = make.child(home["site"], NAME)
    manager = signed_in_client(app, home["manager"])
    html = manager.get(child_url(home, wang), headers=EN).data.decode()
    erase_section = html[html.index('id="erase-title"') :]
    action = re.search(r'<form method="post" action="([^"]+)"', erase_section).group(1)
    assert action.endswith("/erase#erase-title")  # the browser scrolls back to the box

    response = manager.post(child_url(home, wang, "/erase"), data=form_fields(erase_section), headers=EN)

    assert response.status_code == 200
    page = response.data.decode()
    top = page_text(page[: page.index('class="admin-form"')])
    assert "Nothing was erased. Please tick the box to confirm the family asked." in top
    assert 'href="#erase-title"' in page
    with app.app_context():
        assert db.session.get(Child, wang).name == NAME


def test_the_printed_sheet_marks_an_erased_childs_row(app, make, home, frozen_afternoon):
    """QA: the PDF and XLSX sheets kept the erased child's row with an empty name box, under
    "the first 2 people signed in on a phone", inviting someone to write a name in by hand."""
    qr_sign_in(app, home["lecture"]["id"], NAME)
    qr_sign_in(app, home["lecture"]["id"], "李思琪")
    with app.app_context():
        wang = db.session.execute(db.select(Child.id).where(Child.name == NAME)).scalar_one()
    manager = signed_in_client(app, home["manager"])
    erase_on_the_page(manager, home, wang)

    sheet = f"/admin/activities/{home['lecture']['id']}/sheet"
    text = pdf_text(manager.get(f"{sheet}.pdf").data)
    workbook = load_workbook(BytesIO(manager.get(f"{sheet}.xlsx").data))
    cells = [str(cell.value) for row in workbook.active.iter_rows() for cell in row if cell.value is not None]

    for shown in (text, " ".join(cells)):
        assert "（姓名已删除）" in shown and "李思琪" in shown
        assert NAME not in shown
