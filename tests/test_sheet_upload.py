"""The paper round trip: the sheet's XLSX, filled in by a clerk, uploaded, checked, saved exactly once."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from formsvc.activities.models import Activity
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildStatus, Relation, Source
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.imports.models import SheetImport
from formsvc.printables.sheets import XLSX_HEADER_ROW
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import (
    DAY,
    EN,
    NOW,
    audits,
    count,
    csrf_only,
    qr_sign_in,
    race,
    signed_in_client,
    township_viewer,
)

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    wang = make.child(site, "王小明")
    make.child(site, "李思琪")
    qr_sign_in(app, lecture["id"], "王小明")
    return {"site": site, "manager": make.user("amy", sites=[site]), "lecture": lecture, "wang": wang}


def upload_url(activity_id: int) -> str:
    return f"/admin/activities/{activity_id}/sheet-upload"


def template(client, activity_id: int) -> bytes:
    response = client.get(f"/admin/activities/{activity_id}/sheet.xlsx")
    assert response.status_code == 200
    return response.data


def fill(xlsx: bytes, rows, *, b2=None) -> bytes:
    """The template with ``rows`` (name, relation / child, village, phone) typed below the listed ones."""
    workbook = load_workbook(io.BytesIO(xlsx))
    sheet = workbook.active
    if b2 is not None:
        sheet["B2"] = b2
    row = XLSX_HEADER_ROW + 1
    # A listed row has a name, or at least its "signed" cell (an erased child's has no name).
    while sheet.cell(row=row, column=2).value or sheet.cell(row=row, column=6).value:
        row += 1
    for values in rows:
        for column, value in enumerate(values, start=2):
            sheet.cell(row=row, column=column, value=value)
        row += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, activity_id: int, content: bytes, filename: str = "签到表.xlsx"):
    fields = form_fields(client.get(upload_url(activity_id)).data)
    return client.post(
        upload_url(activity_id),
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=EN,
    )


def confirm(client, activity_id: int, preview):
    fields = form_fields(preview.data)
    assert "upload" in fields, page_text(preview.data)
    return client.post(f"{upload_url(activity_id)}/confirm", data=fields, headers=EN)


SHEET_ROWS = [
    ("李思琪", "儿童", None, None),
    ("黄子轩", "孩子", None, None),
    ("李秀英", "奶奶 王小明", "新华村", 13812345678),
    ("李思琪", "儿童", None, None),
    ("韦大姐", "妈妈", None, "139 1234 5678"),
]


def test_upload_checks_then_saves_paper_records_once(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    content = fill(template(client, lecture), SHEET_ROWS)
    preview = upload(client, lecture, content)
    text = page_text(preview.data)
    assert preview.status_code == 200
    assert "To save: 4" in text and "Child: 2" in text and "Guardian: 2" in text
    assert "Already signed in — skipped" in text  # 王小明, listed on the template from his QR sign-in
    assert "Written twice — counted once" in text and "New — will be added to the roster" in text
    assert "Grandmother (father's side) · 13812345678 · 新华村 · 王小明" in text
    assert count(app, Attendance) == 1 and count(app, AdultSignIn) == 0  # checking writes nothing

    saved = confirm(client, lecture, preview)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#activity-{lecture}")
    with app.app_context():
        paper = db.session.execute(select(Attendance).where(Attendance.source == Source.PAPER)).scalars().all()
        assert sorted(a.child.name for a in paper) == ["李思琪", "黄子轩"]
        assert {a.recorded_by_id for a in paper} == {home["manager"]["id"]}
        adults = db.session.execute(select(AdultSignIn).order_by(AdultSignIn.name)).scalars().all()
        assert [(s.name, s.relation, s.phone, s.source) for s in adults] == [
            ("李秀英", Relation.GRANDMOTHER, "13812345678", Source.PAPER),
            ("韦大姐", Relation.MOTHER, "13912345678", Source.PAPER),
        ]
        assert adults[0].child_id == home["wang"] and adults[0].recorded_by_id == home["manager"]["id"]
        new = db.session.execute(select(Child).where(Child.name == "黄子轩")).scalar_one()
        assert new.status == ChildStatus.ACTIVE
        (entry,) = db.session.execute(select(SheetImport)).scalars().all()
        assert (entry.activity_id, entry.records, entry.filename) == (lecture, 4, "签到表.xlsx")
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "sheet.upload")).scalar_one()
        assert audit.user_id == home["manager"]["id"] and audit.details["skipped"] == 2
        assert len(audit.details["records"]) == 4 and audit.details["sha256"] == entry.sha256
    day = client.get(saved.headers["Location"], headers=EN)
    assert "Imported from the sheet: 4. New on the roster: 1. Skipped: 2." in page_text(day.data)

    # The same file again: the preview says so, offers nothing to save; the old confirm writes nothing.
    again = upload(client, lecture, content, filename="copy.xlsx")
    text = page_text(again.data)
    assert "This file was already imported on" in text and "by amy" in text
    assert "upload" not in form_fields(again.data)
    assert client.post(f"{upload_url(lecture)}/confirm", data=form_fields(preview.data)).status_code == 302
    assert count(app, Attendance) == 3 and count(app, AdultSignIn) == 2 and count(app, Child) == 3
    assert audits(app, "sheet.upload") == 1


def test_the_sheet_still_uploads_after_a_listed_child_was_erased(app, home):
    """Erasing a child leaves the visit without a name: the sheet lists it marked as erased,
    and the upload skips that row like every other phone sign-in, adding no child by the mark."""
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    child_page = f"/admin/sites/{home['site']['id']}/children/{home['wang']}"
    erased = client.post(f"{child_page}/erase", data={**csrf_only(client, child_page), "confirmed": "y"})
    assert erased.status_code == 302
    listed = XLSX_HEADER_ROW + 1
    sheet = load_workbook(io.BytesIO(template(client, lecture))).active
    assert [sheet.cell(row=listed, column=column).value for column in (2, 3)] == ["（姓名已删除）", "儿童"]

    preview = upload(client, lecture, fill(template(client, lecture), [("黄子轩", "儿童", None, None)]))
    text = page_text(preview.data)
    assert "The name is missing." not in text and "The file has errors" not in text
    assert f"Row {listed} （姓名已删除） Child Already signed in — skipped" in text
    assert "To save: 1" in text and "Skipped: 1" in text
    assert confirm(client, lecture, preview).status_code == 302
    assert count(app, Attendance, Attendance.source == Source.PAPER) == 1 and count(app, Attendance) == 2
    assert count(app, Child, Child.name == "黄子轩") == 1 and count(app, Child) == 3
    with app.app_context():
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "sheet.upload")).scalar_one()
        assert audit.details["skipped"] == 1 and len(audit.details["records"]) == 1


def test_an_overlapping_file_adds_only_the_new_rows(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    blank = template(client, lecture)
    first = upload(client, lecture, fill(blank, [("李思琪", "儿童", None, None)]))
    assert confirm(client, lecture, first).status_code == 302
    second = upload(client, lecture, fill(blank, [("李 思琪", "儿童", None, None), ("韦丽丽", "儿童", None, None)]))
    text = page_text(second.data)
    assert "To save: 1" in text and "This file was already imported" not in text
    confirm(client, lecture, second)
    assert count(app, Attendance, Attendance.source == Source.PAPER) == 2
    assert count(app, SheetImport) == 2 and audits(app, "sheet.upload") == 2


def test_row_errors_name_row_and_column_and_nothing_is_written(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    rows = [
        ("李秀英", "奶奶", None, "12345"),
        ("黄" * 31, "儿童", None, None),
        ("韦丽丽", None, None, None),
        ("张华", "志愿者", None, None),
        (None, "奶奶", "新华村", None),
        ("黄子轩", "儿童", None, None),
    ]
    preview = upload(client, lecture, fill(template(client, lecture), rows))
    text = page_text(preview.data)
    first = XLSX_HEADER_ROW + 2  # row 7 holds 王小明's QR sign-in
    assert "The file has errors; nothing was imported." in text
    assert f"{first} E 手机号 “12345” is not an 11-digit mobile number." in text
    assert f"{first + 1} B 姓名 A name has at most 30 characters." in text
    assert f"{first + 2} C 关系/孩子 Write 儿童 (child)" in text
    assert f"{first + 3} C 关系/孩子 This activity does not take this kind of sign-in." in text
    assert f"{first + 4} B 姓名 The name is missing." in text
    assert "upload" not in form_fields(preview.data)
    assert count(app, Attendance) == 1 and count(app, AdultSignIn) == 0 and count(app, Child) == 2


def test_a_number_in_the_name_or_relation_column_is_never_a_name(app, home):
    """A phone typed into the wrong cell must not become a child's name, or part of one."""
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    rows = [("李秀英", "奶奶 1234", "新华村", None), ("王小明 13812345678", "儿童", None, None)]
    preview = upload(client, lecture, fill(template(client, lecture), rows))
    text = page_text(preview.data)
    first = XLSX_HEADER_ROW + 2
    assert f"{first} C 关系/孩子 Cannot tell what “1234” is." in text
    assert f"{first + 1} B 姓名 “王小明 13812345678” does not look like a name." in text
    assert "upload" not in form_fields(preview.data)
    assert count(app, AdultSignIn) == 0 and count(app, Child) == 2


def test_a_sheet_of_another_activity_is_refused(app, make, home):
    other = make.activity(home["site"], day=DAY, title="志愿服务", children=True, volunteers=True, guardians=False)
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    content = fill(template(client, other["id"]), [("黄子轩", "儿童", None, None)])
    text = page_text(upload(client, lecture, content).data)
    day = DAY.strftime("%B %-d, %Y")  # the activities' titles and day, never their internal ids
    assert f"2 B This sheet belongs to “志愿服务” on {day}, not to “家长课堂” on {day}." in text
    tampered = fill(template(client, lecture), [("黄子轩", "儿童", None, None)], b2="abc")
    assert "cell B2 must hold the activity id" in page_text(upload(client, lecture, tampered).data)
    assert count(app, Attendance) == 1


def test_bad_files_are_explained(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    assert "Please upload the sheet's XLSX file." in page_text(upload(client, lecture, b"%PDF", "sheet.pdf").data)
    assert "could not be read" in page_text(upload(client, lecture, b"PK\x03\x04broken", "sheet.xlsx").data)
    assert "neither UTF-8 nor GB18030" in page_text(upload(client, lecture, b"\x80\x80\n", "sheet.csv").data)
    csv = f"签到表\n活动编号（请勿修改）,{lecture}\n\n\n\n序号,名单\n1,黄子轩\n".encode()
    assert "Missing columns: Name." in page_text(upload(client, lecture, csv, "sheet.csv").data)
    empty = page_text(upload(client, lecture, fill(template(client, lecture), [])).data)
    assert "Already signed in — skipped" in empty and "Nothing new to import." in empty
    assert count(app, Attendance) == 1


def test_a_csv_copy_of_the_sheet_in_gb18030_works(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    csv = (
        f"签到表\n活动编号（请勿修改）,{lecture}\n儿童之家,x\n\n\n"
        "序号,姓名,关系/孩子,村/社区,手机号,签名\n1,黄子轩,儿童,,,\n2,,,,,\n"
    )
    preview = upload(client, lecture, csv.encode("gb18030"), "sheet.csv")
    assert "To save: 1" in page_text(preview.data)
    assert confirm(client, lecture, preview).status_code == 302
    assert count(app, Child, Child.name == "黄子轩") == 1


def test_one_audience_needs_no_relation_word(app, make, home):
    day = make.activity(home["site"], day=DAY, title="志愿服务", guardians=False, volunteers=True)
    client = signed_in_client(app, home["manager"])
    content = fill(
        template(client, day["id"]), [("张华", None, "县团委", "13912345678"), ("李明", "青年志愿者协会", None, None)]
    )
    preview = upload(client, day["id"], content)
    assert "To save: 2" in page_text(preview.data)
    confirm(client, day["id"], preview)
    with app.app_context():
        rows = db.session.execute(select(AdultSignIn.name, AdultSignIn.village).order_by(AdultSignIn.id)).all()
        assert [tuple(row) for row in rows] == [("张华", "县团委"), ("李明", "青年志愿者协会")]


def test_on_a_childrens_sheet_a_relation_says_who_signed_the_child_in(app, make, home):
    """QA: 黄子轩 | 奶奶 was refused as "this activity does not take this kind of sign-in"."""
    daily = make.daily(home["site"], DAY)
    client = signed_in_client(app, home["manager"])
    rows = [("黄子轩", "奶奶", None, None), ("农浩然", "外婆代签", None, None)]
    preview = upload(client, daily["id"], fill(template(client, daily["id"]), rows))
    assert "To save: 2" in page_text(preview.data)
    confirm(client, daily["id"], preview)
    with app.app_context():
        found = db.session.execute(
            select(Child.name, Attendance.signed_by)
            .join(Child, Child.id == Attendance.child_id)
            .where(Attendance.activity_id == daily["id"])
            .order_by(Child.name)
        ).all()
    assert sorted(tuple(row) for row in found) == [
        ("农浩然", Relation.MATERNAL_GRANDMOTHER),
        ("黄子轩", Relation.GRANDMOTHER),
    ]


def test_words_beside_a_child_are_not_dropped_without_a_word(app, make, home):
    daily = make.daily(home["site"], DAY)
    client = signed_in_client(app, home["manager"])
    preview = upload(client, daily["id"], fill(template(client, daily["id"]), [("黄子轩", "奶奶 李思琪", None, None)]))
    assert "Cannot tell what “李思琪” is." in page_text(preview.data)


def test_scoping_another_sites_manager_and_a_viewer(app, make, home):
    lecture = home["lecture"]["id"]
    bob = signed_in_client(app, make.user("bob", sites=[make.site("河西村儿童之家")]))
    token = form_fields(bob.get("/admin/password").data)["csrf_token"]
    assert bob.get(upload_url(lecture)).status_code == 404
    assert bob.post(upload_url(lecture), data={"csrf_token": token}).status_code == 404
    assert bob.post(f"{upload_url(lecture)}/confirm", data={"csrf_token": token, "upload": "a" * 24}).status_code == 404
    viewer = signed_in_client(app, township_viewer(app, home["site"]))
    assert viewer.get(upload_url(lecture)).status_code == 403
    assert viewer.post(f"{upload_url(lecture)}/confirm", data={"upload": "a" * 24}).status_code == 403
    assert count(app, Attendance) == 1


def test_the_command_line_imports_the_same_way(app, runner, home, tmp_path):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(fill(template(client, lecture), SHEET_ROWS))
    dry = runner.invoke(args=["attendance", "import", str(path), "--activity", str(lecture), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "to write: 4 (children 2, guardians 2)" in dry.output and "Dry run" in dry.output
    assert count(app, Attendance) == 1
    done = runner.invoke(args=["attendance", "import", str(path), "--activity", str(lecture)])
    assert done.exit_code == 0, done.output
    assert "Written 4, new on the roster 1, skipped 2." in done.output
    with app.app_context():
        paper = db.session.execute(select(Attendance).where(Attendance.source == Source.PAPER)).scalars().all()
        assert len(paper) == 2 and {a.recorded_by_id for a in paper} == {None}
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "sheet.upload")).scalar_one()
        assert audit.user_id is None and audit.details["via"] == "cli"
    again = runner.invoke(args=["attendance", "import", str(path), "--activity", str(lecture)])
    assert again.exit_code == 0 and "already imported" in again.output and "by the command line" in again.output
    assert count(app, Attendance) == 3 and audits(app, "sheet.upload") == 1
    wrong = runner.invoke(args=["attendance", "import", str(path), "--activity", "999999"])
    assert wrong.exit_code != 0 and "No activity 999999" in wrong.output


def test_the_same_file_confirmed_twice_at_once_counts_once(app, home):
    from formsvc.accounts.models import User
    from formsvc.imports.sheet_upload import apply_sheet_upload, plan_sheet_upload

    client = signed_in_client(app, home["manager"])
    content = fill(template(client, home["lecture"]["id"]), SHEET_ROWS)

    def save(_index):
        activity = db.session.get(Activity, home["lecture"]["id"])
        plan = plan_sheet_upload(activity, content, "sheet.xlsx")
        apply_sheet_upload(activity, plan, user=db.session.get(User, home["manager"]["id"]))

    assert race(app, 3, save) == []
    assert count(app, Attendance) == 3 and count(app, AdultSignIn) == 2 and count(app, Child) == 3
    assert count(app, SheetImport) == 1 and audits(app, "sheet.upload") == 1


def test_a_sheet_of_another_homes_activity_names_only_this_one(app, make, home):
    """The uploader may not see the other home's activity: its title stays unsaid."""
    elsewhere = make.site(name="河西社区儿童之家", village="河西社区")
    theirs = make.activity(elsewhere, day=DAY, title="河西读书会", children=True)
    admin = make.user("dora", role="admin")
    sheet = template(signed_in_client(app, admin), theirs["id"])
    text = page_text(upload(signed_in_client(app, home["manager"]), home["lecture"]["id"], sheet).data)
    day = DAY.strftime("%B %-d, %Y")
    assert f"This sheet belongs to an activity of another Children's Home, not to “家长课堂” on {day}." in text
    assert "河西读书会" not in text


# --- the app's own rows go back in unchanged (QA: the downloaded sheet could not be uploaded) --

# Names as phones typed them: spaces, brackets, and what a spreadsheet would run as a formula.
GUARDED_CHILDREN = ['=HYPERLINK("http://example.com","点我")', "+cmd|' /C calc'!A0"]
LISTED_GUARDIANS = [("李秀英", "王小明（大）"), ("Han Meimei", "Li Lei")]


def sign_in_from_phones(app, activity_id: int) -> None:
    from formsvc.attendance.models import AdultRole
    from formsvc.attendance.services import sign_in_adult, sign_in_child
    from formsvc.forms import new_nonce

    for name in GUARDED_CHILDREN:
        qr_sign_in(app, activity_id, name)
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        sign_in_child(activity, child_name="Li Lei", signed_by=Relation.GRANDMOTHER, nonce=new_nonce(), now=NOW)
        for name, child in LISTED_GUARDIANS:
            sign_in_adult(
                activity,
                role=AdultRole.GUARDIAN,
                name=name,
                relation=Relation.GRANDMOTHER,
                phone="13812345678",
                village="新华村",
                child_name=child,
                nonce=new_nonce(),
                now=NOW,
            )
        db.session.commit()


def test_the_downloaded_sheet_uploads_back_unchanged(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    sign_in_from_phones(app, lecture)
    sheet = template(client, lecture)
    relations = [cell.value for (cell,) in load_workbook(io.BytesIO(sheet)).active.iter_rows(min_col=3, max_col=3)]
    assert "奶奶 · 王小明（大）" in relations and "奶奶 · Li Lei" in relations  # as QA saw them

    preview = upload(client, lecture, sheet)
    text = page_text(preview.data)
    assert "The file has errors" not in text and "Cannot tell what" not in text
    assert "To save: 0" in text and "Skipped: 6" in text and "Nothing new to import." in text
    for name in [*GUARDED_CHILDREN, "Li Lei", "李秀英", "Han Meimei"]:
        assert f"{name} " in text  # shown as signed in, without the quote the export put before it
    assert "'=HYPERLINK" not in text and "'+cmd" not in text
    assert "upload" not in form_fields(preview.data)
    assert count(app, Attendance) == 4 and count(app, AdultSignIn) == 2 and count(app, Child) == 5


def test_a_listed_row_voided_since_the_download_is_not_written_again(app, home):
    from formsvc.accounts.models import User
    from formsvc.attendance.voiding import void_attendance

    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    sheet = fill(template(client, lecture), [("黄子轩", "儿童", None, None)])
    with app.app_context():
        wrong = db.session.execute(select(Attendance).where(Attendance.source == Source.QR)).scalar_one()
        void_attendance(wrong, user=db.session.get(User, home["manager"]["id"]), reason="扫错了")
        db.session.commit()
    preview = upload(client, lecture, sheet)
    assert "To save: 1" in page_text(preview.data)
    assert confirm(client, lecture, preview).status_code == 302
    assert count(app, Attendance, Attendance.source == Source.PAPER) == 1  # 黄子轩 only, not 王小明


def test_a_guarded_name_typed_again_is_the_same_person(app, home):
    """A clerk copying a listed name copies the export's quote too: it is the same child."""
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    sign_in_from_phones(app, lecture)
    copied = [(f"'{GUARDED_CHILDREN[1]}", "儿童", None, None), ("李思琪", "儿童", None, None)]
    preview = upload(client, lecture, fill(template(client, lecture), copied))
    text = page_text(preview.data)
    assert "To save: 1" in text and "New — will be added to the roster" not in text
    assert confirm(client, lecture, preview).status_code == 302
    assert count(app, Child) == 5 and count(app, Attendance, Attendance.source == Source.PAPER) == 1


def test_relation_words_in_the_name_column_are_refused(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    rows = [
        ("奶奶", None, None, "13800001111"),
        ("李思琪 奶奶", "儿童", None, None),
        ("黄子轩", "儿童 奶奶", None, None),
    ]
    preview = upload(client, lecture, fill(template(client, lecture), rows))
    text = page_text(preview.data)
    first = XLSX_HEADER_ROW + 2
    assert f"{first} B 姓名 “奶奶” is a relation, not a name." in text
    assert f"{first + 1} B 姓名 “奶奶” is a relation, not a name." in text
    assert "upload" not in form_fields(preview.data)
    fixed = fill(template(client, lecture), rows[2:])
    assert "Signed in by Grandmother (father's side)" in page_text((preview := upload(client, lecture, fixed)).data)
    assert confirm(client, lecture, preview).status_code == 302
    with app.app_context():
        paper = db.session.execute(select(Attendance).where(Attendance.source == Source.PAPER)).scalar_one()
        assert (paper.child.name, paper.signed_by) == ("黄子轩", Relation.GRANDMOTHER)
    assert count(app, Child) == 3
