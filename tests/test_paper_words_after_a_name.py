"""A paper line is a roster name and more ("吉𠮷 9岁", "蓝天天 外星人"): flagged, never a new child.

QA (a village site manager): such a line previewed as "new, will join the roster" and saving it
put an active child called "吉𠮷 9岁" on the roster, with no look-alike hint either. And who
signed, written after a comma as the help text teaches ("王小明,妈妈"), was refused as a line
without a name.
"""

from __future__ import annotations

import pytest

from formsvc.accounts.models import User
from formsvc.activities.models import Activity, Audience
from formsvc.attendance.models import Attendance, Child, Relation, Source
from formsvc.attendance.paper import LineStatus, PaperError, enter_paper, preview_paper
from formsvc.attendance.paper_syntax import parse_sheet
from formsvc.extensions import db
from formsvc.forms import new_nonce
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.test_paper_entries import check, save
from tests.test_sheet_upload import fill, template, upload
from tests.workspace_helpers import DAY, EN, NOW, count, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    ji = make.child(site, "吉𠮷")
    lan = make.child(site, "蓝天天")
    wang = make.child(site, "王小明")
    manager = make.user("amy", sites=[site])
    return {"site": site, "manager": manager, "lecture": lecture, "ji": ji, "lan": lan, "wang": wang}


def not_understood(words: str, name: str) -> str:
    return (
        f"Not understood: “{words}” after the name. If this is {name} on the roster, write only the name;"
        " a new child whose name starts the same way is added on the roster page first."
    )


def children_named(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.execute(db.select(Child.name)).scalars())


def test_a_roster_name_and_more_is_flagged_with_the_roster_child(app, home):
    activity_id = home["lecture"]["id"]
    lines = "吉𠮷 9岁\n蓝天天 外星人\n吉𠮷（9岁）\n吉𠮷 九岁 奶奶\n王 小明\n张小花"
    with app.test_request_context(headers=EN):
        preview = preview_paper(db.session.get(Activity, activity_id), Audience.CHILDREN, lines, NOW)
        found = [(line.parsed.name, line.status, line.parsed.problem) for line in preview.lines]
    assert found == [
        ("吉𠮷 9岁", LineStatus.INVALID, not_understood("9岁", "吉𠮷")),
        ("蓝天天 外星人", LineStatus.INVALID, not_understood("外星人", "蓝天天")),
        ("吉𠮷（9岁）", LineStatus.INVALID, not_understood("9岁", "吉𠮷")),
        ("吉𠮷 九岁", LineStatus.INVALID, not_understood("九岁", "吉𠮷")),  # 奶奶 is who signed: not the problem
        ("王 小明", LineStatus.ON_ROSTER, ""),  # a space inside a roster name is still that child
        ("张小花", LineStatus.NEW, ""),  # a new name of its own is a new child, as before
    ]
    assert preview.invalid == 4 and preview.new_children == 1


def test_a_digit_stuck_to_a_roster_name_may_still_be_a_second_child(app, make, home):
    """韦丽丽2 tells two children apart (paper_syntax): only words set apart are "more"."""
    make.child(home["site"], "韦丽丽")
    with app.test_request_context(headers=EN):
        activity = db.session.get(Activity, home["lecture"]["id"])
        (line,) = preview_paper(activity, Audience.CHILDREN, "韦丽丽2", NOW).lines
    assert (line.status, line.parsed.problem) == (LineStatus.NEW, "")


def test_saving_such_a_line_is_refused_and_adds_no_child(app, home):
    with app.app_context():
        activity = db.session.get(Activity, home["lecture"]["id"])
        manager = db.session.get(User, home["manager"]["id"])
        with pytest.raises(PaperError) as refused:
            enter_paper(activity, Audience.CHILDREN, "吉𠮷 9岁", nonce=new_nonce(), user=manager, now=NOW)
        db.session.rollback()
    assert refused.value.code == "invalid_lines"
    assert children_named(app) == ["吉𠮷", "王小明", "蓝天天"]
    assert count(app, Attendance) == 0


def test_the_check_page_flags_it_keeps_the_text_and_saves_once_corrected(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "吉𠮷 9岁\n蓝天天"
    checked = check(client, home, lines)
    text = page_text(checked.data)
    assert f"Line 1 吉𠮷 9岁 {not_understood('9岁', '吉𠮷')} To correct" in text
    assert "New — will be added to the roster" not in text and "To correct: 1" in text
    assert f"\n{lines}</textarea>" in checked.data.decode()  # everything typed is still there
    assert "save" not in form_fields(checked.data)
    refused = save(client, checked, lines)  # a save sent anyway (an old page) is refused too
    assert "Some lines could not be read" in page_text(refused.data)
    assert children_named(app) == ["吉𠮷", "王小明", "蓝天天"] and count(app, Attendance) == 0

    corrected = "吉𠮷\n蓝天天"
    checked = check(client, home, corrected, fields=form_fields(refused.data))
    assert save(client, checked, corrected).status_code == 302
    assert save(client, checked, corrected).status_code == 302  # sent twice: written once
    assert children_named(app) == ["吉𠮷", "王小明", "蓝天天"]
    with app.app_context():
        paper = db.session.execute(db.select(Attendance.child_id).where(Attendance.source == Source.PAPER))
        assert sorted(paper.scalars()) == sorted([home["ji"], home["lan"]])


def test_an_uploaded_sheet_flags_it_in_the_name_column(app, home):
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    preview = upload(client, lecture, fill(template(client, lecture), [("吉𠮷 9岁", "儿童", None, None)]))
    text = page_text(preview.data)
    assert "The file has errors; nothing was imported." in text
    assert f"B 姓名 {not_understood('9岁', '吉𠮷')}" in text
    assert "upload" not in form_fields(preview.data)
    assert children_named(app) == ["吉𠮷", "王小明", "蓝天天"] and count(app, Attendance) == 0


# --- who signed, after a comma: "王小明,妈妈" as the help text teaches ----------------------


def test_who_signed_after_a_comma_belongs_to_the_name_before_it(app):
    with app.test_request_context(headers=EN):
        lines = parse_sheet("王小明,妈妈\n王小明，妈妈，李思琪、由奶奶代签\n黄子轩，家长", Audience.CHILDREN)
    assert [(line.number, line.name, line.signed_by, line.problem) for line in lines] == [
        (1, "王小明", Relation.MOTHER, ""),
        (2, "王小明", Relation.MOTHER, ""),
        (2, "李思琪", Relation.GRANDMOTHER, ""),
        (3, "黄子轩", None, ""),  # 家长 names no relation, as in "黄子轩 家长"
    ]


def test_who_signed_after_a_comma_that_could_belong_to_several_names_is_asked(app):
    with app.test_request_context(headers=EN):
        written = "王小明、李思琪，奶奶\n王小明 奶奶，妈妈\n王小明，妈妈 李华\n奶奶，王小明"
        lines = parse_sheet(written, Audience.CHILDREN)
    problems = [(line.number, line.name, line.problem) for line in lines if line.problem]
    assert problems == [
        (
            1,
            "奶奶",
            "“奶奶” comes after several names (王小明、李思琪): write who signed right after each child's name,"
            " as in “王小明 奶奶”.",
        ),
        (2, "妈妈", "Cannot tell what “妈妈” is."),  # the grandmother, or the mother?
        (3, "妈妈 李华", "Cannot tell what “妈妈 李华” is."),
        (4, "奶奶", "Please start the line with the person's name."),
    ]


def test_a_child_and_who_signed_after_a_comma_is_saved(app, home):
    """QA: "王小明,妈妈" was refused with "每行请以姓名开头"."""
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "王小明,妈妈")
    assert "王小明 Signed in by Mother On the roster — will be signed in" in page_text(checked.data)
    assert save(client, checked, "王小明,妈妈").status_code == 302
    with app.app_context():
        paper = db.session.execute(db.select(Attendance)).scalar_one()
        assert (paper.child_id, paper.signed_by, paper.source) == (home["wang"], Relation.MOTHER, Source.PAPER)
    assert count(app, Child) == 3
