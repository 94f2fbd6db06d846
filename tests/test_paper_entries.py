"""Paper sheets: typed in, checked, saved exactly once, with the roster matched and duplicates skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from formsvc.activities.models import Activity, Audience
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildStatus, Relation, Source
from formsvc.attendance.paper import LineStatus, PaperError, enter_paper, preview_paper
from formsvc.attendance.paper_syntax import name_problem, parse_sheet
from formsvc.extensions import db
from tests.conftest import clock_stopped_at, form_fields, page_text
from tests.workspace_helpers import DAY, EN, NOW, audits, count, qr_sign_in, race, signed_in_client, township_viewer

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, title="家长课堂", children=True, guardians=True)
    wang = make.child(site, "王小明")
    li = make.child(site, "李思琪")
    qr_sign_in(app, lecture["id"], "王小明")
    return {"site": site, "manager": make.user("amy", sites=[site]), "lecture": lecture, "wang": wang, "li": li}


def paper_url(home) -> str:
    return f"/admin/activities/{home['lecture']['id']}/paper"


def check(client, home, lines, audience="children", fields=None):
    fields = fields or form_fields(client.get(paper_url(home)).data)
    data = {**fields, "audience": audience, "lines": lines, "check": "y"}
    data.pop("save", None)
    return client.post(paper_url(home), data=data, headers=EN)


def save(client, checked_page, lines, audience="children"):
    fields = form_fields(checked_page.data)
    fields.pop("check", None)
    data = {**fields, "audience": audience, "lines": lines, "save": "y"}
    return client.post(checked_page.request.path, data=data, headers=EN)


def test_child_lines():
    lines = parse_sheet("王小明\n\n 李思琪、黄子轩 ,韦丽丽\n１２３", Audience.CHILDREN)
    assert [(line.number, line.name) for line in lines] == [
        (1, "王小明"),
        (3, "李思琪"),
        (3, "黄子轩"),
        (3, "韦丽丽"),
        (4, "１２３"),
    ]
    assert [bool(line.problem) for line in lines] == [False] * 4 + [True]


def test_guardian_lines_in_any_order(app):
    with app.test_request_context():
        first, second, third, fourth = parse_sheet(
            "李秀英 奶奶 138-1234-5678 新华村 王小明\n"
            "韦大姐，13912345678，妈妈\n"
            "黄伯 外公 王小明 李思琪\n"
            "张三 12345678",
            Audience.GUARDIANS,
        )
    assert (first.name, first.relation, first.phone, first.village, first.child_name) == (
        "李秀英",
        Relation.GRANDMOTHER,
        "13812345678",
        "新华村",
        "王小明",
    )
    assert (second.name, second.relation, second.phone, second.problem) == (
        "韦大姐",
        Relation.MOTHER,
        "13912345678",
        "",
    )
    assert third.problem  # two names left over: which one is the child?
    assert fourth.problem  # not a mobile number


def test_volunteer_lines_keep_the_organisation():
    (line,) = parse_sheet("张华 13912345678 县团委 青年志愿者", Audience.VOLUNTEERS)
    assert (line.name, line.phone, line.village, line.problem) == ("张华", "13912345678", "县团委 青年志愿者", "")


def test_preview_sorts_lines_into_matched_new_duplicate(app, ctx, home):
    activity = db.session.get(Activity, home["lecture"]["id"])
    preview = preview_paper(activity, Audience.CHILDREN, "王小明\n李 思琪\n黄子轩\n李思琪\n!!!", NOW)
    assert [line.status for line in preview.lines] == [
        LineStatus.ALREADY_SIGNED_IN,
        LineStatus.ON_ROSTER,
        LineStatus.NEW,
        LineStatus.REPEATED,
        LineStatus.INVALID,
    ]
    assert (preview.to_write, preview.new_children, preview.skipped, preview.invalid) == (2, 1, 2, 1)


def test_check_then_save_writes_once(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "王小明\n李思琪\n黄子轩\n李思琪"
    checked = check(client, home, lines)
    text = page_text(checked.data)
    assert checked.status_code == 200
    assert "Already signed in — skipped" in text and "New — will be added to the roster" in text
    assert "Written twice — counted once" in text and "To save: 2" in text
    assert count(app, Attendance) == 1  # checking writes nothing
    saved = save(client, checked, lines)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"#activity-{home['lecture']['id']}")
    with app.app_context():
        paper = db.session.execute(db.select(Attendance).where(Attendance.source == Source.PAPER)).scalars().all()
        assert len(paper) == 2
        assert {a.recorded_by_id for a in paper} == {home["manager"]["id"]}
        new = db.session.execute(db.select(Child).where(Child.name == "黄子轩")).scalar_one()
        assert new.status == ChildStatus.ACTIVE  # the manager's own sheet is trusted
    assert audits(app, "paper.enter") == 1
    # The confirm posted again (back button, resend): nothing new.
    again = save(client, checked, lines)
    assert again.status_code == 302
    assert count(app, Attendance) == 3 and count(app, Child) == 3
    assert audits(app, "paper.enter") == 1
    day = client.get(again.headers["Location"], headers=EN)
    assert "This sheet had already been saved" in page_text(day.data)
    assert "Paper sheet" in page_text(day.data)


def test_a_list_changed_after_checking_must_be_checked_again(app, home):
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "李思琪")
    response = save(client, checked, "李思琪\n黄子轩")
    assert response.status_code == 200
    assert "The list changed after it was checked" in page_text(response.data)
    assert count(app, Attendance) == 1
    saved = save(client, response, "李思琪\n黄子轩")
    assert saved.status_code == 302
    assert count(app, Attendance) == 3


def test_a_second_sheet_after_a_save_gets_a_new_nonce(app, home):
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "李思琪")
    save(client, checked, "李思琪")
    # Back to the old page (same nonce), then a different sheet is typed and checked.
    second = check(client, home, "黄子轩", fields=form_fields(checked.data))
    assert form_fields(second.data)["nonce"] != form_fields(checked.data)["nonce"]
    assert save(client, second, "黄子轩").status_code == 302
    assert count(app, Child, Child.name == "黄子轩") == 1


def test_guardians_from_paper(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "李秀英 奶奶 13812345678 新华村 王小明\n韦大姐 妈妈"
    checked = check(client, home, lines, audience="guardians")
    assert "Grandmother (father's side) · 13812345678 · 新华村 · 王小明" in page_text(checked.data)
    assert save(client, checked, lines, audience="guardians").status_code == 302
    with app.app_context():
        signins = db.session.execute(db.select(AdultSignIn).order_by(AdultSignIn.id)).scalars().all()
        assert [(s.name, s.source, s.recorded_by_id) for s in signins] == [
            ("李秀英", Source.PAPER, home["manager"]["id"]),
            ("韦大姐", Source.PAPER, home["manager"]["id"]),
        ]
        assert signins[0].child_id == home["wang"] and signins[0].relation == Relation.GRANDMOTHER


def test_lines_that_cannot_be_read_block_the_save(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "李秀英 奶奶 12345678"
    checked = check(client, home, lines, audience="guardians")
    assert "is not an 11-digit mobile number" in page_text(checked.data)
    assert "save" not in form_fields(checked.data)
    fields = {**form_fields(checked.data), "audience": "guardians", "lines": lines, "save": "y"}
    response = client.post(paper_url(home), data=fields, headers=EN)
    assert "Some lines could not be read" in page_text(response.data)
    assert count(app, AdultSignIn) == 0


def test_only_the_activitys_audiences_and_days(app, ctx, make, home):
    activity = db.session.get(Activity, home["lecture"]["id"])
    with pytest.raises(PaperError) as error:
        preview_paper(activity, Audience.VOLUNTEERS, "张华", NOW)
    assert error.value.code == "wrong_audience"
    with pytest.raises(PaperError) as error:
        preview_paper(activity, Audience.CHILDREN, "王小明", NOW + timedelta(days=63))
    assert error.value.code == "too_late"
    preview_paper(activity, Audience.CHILDREN, "王小明", NOW + timedelta(days=62))


def test_a_township_viewer_cannot_enter_paper(app, home):
    client = signed_in_client(app, township_viewer(app, home["site"]))
    assert client.get(paper_url(home)).status_code == 403
    assert client.post(paper_url(home), data={"lines": "黄子轩"}).status_code == 403


def test_another_sites_manager_gets_404(app, make, home):
    client = signed_in_client(app, make.user("bob", sites=[make.site("河西村儿童之家")]))
    assert client.get(paper_url(home)).status_code == 404
    assert client.post(paper_url(home), data={"lines": "黄子轩", "save": "y"}).status_code == 404
    assert count(app, Child) == 2


def test_one_sheet_saved_from_two_tabs_at_once_counts_once(app, home):
    from formsvc.accounts.models import User
    from formsvc.forms import new_nonce

    nonce = new_nonce()

    def confirm(_index):
        activity = db.session.get(Activity, home["lecture"]["id"])
        user = db.session.get(User, home["manager"]["id"])
        enter_paper(activity, Audience.CHILDREN, "李思琪\n黄子轩\n韦丽丽", nonce=nonce, user=user, now=NOW)

    assert race(app, 4, confirm) == []
    assert count(app, Attendance, Attendance.source == Source.PAPER) == 3
    assert count(app, Child) == 4 and audits(app, "paper.enter") == 1


def test_a_number_is_a_phone_number_never_a_childs_name_or_village(app):
    with app.test_request_context(headers=EN):
        short, spaced, two, masked, wide = parse_sheet(
            "钱阿姨 妈妈 1234 新华村\n"
            "钱阿姨 妈妈 +86 138 1234 5678 新华村 王小明\n"
            "钱阿姨 13812345678，13912345678\n"
            "钱阿姨 妈妈 138****5678 新华村\n"
            "钱阿姨 １２３４ 新华村",
            Audience.GUARDIANS,
        )
        (volunteer,) = parse_sheet("张华 1234 县团委", Audience.VOLUNTEERS)
        (volunteer_spaced,) = parse_sheet("张华 139 1234 5678 县团委", Audience.VOLUNTEERS)
    not_mobile = "“{}” is not an 11-digit mobile number."
    assert (short.problem, short.village, short.child_name) == (not_mobile.format("1234"), "新华村", "")
    assert (wide.problem, wide.village, wide.child_name) == (not_mobile.format("１２３４"), "新华村", "")
    assert (spaced.phone, spaced.village, spaced.child_name, spaced.problem) == ("13812345678", "新华村", "王小明", "")
    # A second number is not the child's name either.
    assert (two.phone, two.child_name, two.problem) == ("13812345678", "", "Cannot tell what “13912345678” is.")
    # A masked number copied from a printed sheet is ignored, as in the uploaded sheet.
    assert (masked.phone, masked.child_name, masked.problem) == ("", "", "")
    assert (volunteer.village, volunteer.problem) == ("县团委", not_mobile.format("1234"))
    assert (volunteer_spaced.phone, volunteer_spaced.village, volunteer_spaced.problem) == ("13912345678", "县团委", "")


def test_a_number_on_a_childs_line_is_not_part_of_the_name(app):
    with app.test_request_context(headers=EN):
        lines = parse_sheet("王小明 1234\n李 思琪、黄子轩 13812345678\n韦丽丽2", Audience.CHILDREN)
    assert [(line.name, line.problem) for line in lines] == [
        ("王小明 1234", "“王小明 1234” does not look like a name."),
        ("李 思琪", ""),
        ("黄子轩 13812345678", "“黄子轩 13812345678” does not look like a name."),
        ("韦丽丽2", ""),  # a number stuck to the name tells two children apart
    ]


def test_a_guardians_short_number_is_flagged_and_kept_until_corrected(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "钱阿姨 妈妈 1234 新华村"
    checked = check(client, home, lines, audience="guardians")
    text = page_text(checked.data)
    assert "“1234” is not an 11-digit mobile number." in text and "To correct: 1" in text
    assert "Will be signed in" not in text
    assert f"\n{lines}</textarea>" in checked.data.decode()  # the typed text stays for correcting
    assert "save" not in form_fields(checked.data)
    response = save(client, checked, lines, audience="guardians")
    assert "Some lines could not be read" in page_text(response.data)
    assert count(app, AdultSignIn) == 0
    corrected = "钱阿姨 妈妈 138 1234 5678 新华村"
    checked = check(client, home, corrected, audience="guardians", fields=form_fields(response.data))
    assert "钱阿姨 Mother · 13812345678 · 新华村 Will be signed in" in page_text(checked.data)
    assert save(client, checked, corrected, audience="guardians").status_code == 302
    with app.app_context():
        signin = db.session.execute(db.select(AdultSignIn)).scalar_one()
        assert (signin.name, signin.phone, signin.village, signin.child_name) == ("钱阿姨", "13812345678", "新华村", "")


def test_a_number_on_the_childrens_sheet_blocks_the_save(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "黄子轩\n韦丽丽 1234"
    checked = check(client, home, lines)
    assert "“韦丽丽 1234” does not look like a name." in page_text(checked.data)
    assert "save" not in form_fields(checked.data)
    response = save(client, checked, lines)
    assert "Some lines could not be read" in page_text(response.data)
    assert count(app, Child) == 2 and count(app, Attendance) == 1


# --- relation words: who someone is to the child is never their name (QA on a phone) ------


def test_a_childs_line_that_starts_with_a_relation_has_no_name(app):
    with app.test_request_context(headers=EN):
        lines = parse_sheet(
            "奶奶\n奶奶 王小明\n家长\n王小明 奶奶\n李思琪（外婆）\n黄子轩 妈妈代签\n王小明（大）", Audience.CHILDREN
        )
    start_with_name = "Please start the line with the person's name."
    assert [(line.name, line.signed_by, line.problem) for line in lines] == [
        ("奶奶", None, start_with_name),
        ("奶奶 王小明", None, start_with_name),
        ("家长", None, start_with_name),
        ("王小明", Relation.GRANDMOTHER, ""),  # 王小明, signed in by his grandmother
        ("李思琪", Relation.MATERNAL_GRANDMOTHER, ""),
        ("黄子轩", Relation.MOTHER, ""),
        ("王小明（大）", None, ""),  # brackets that tell two children apart stay in the name
    ]


@pytest.mark.parametrize(
    "written",
    [
        "王小明奶奶",
        "王小明-奶奶",
        "王小明/奶奶",
        "王小明：奶奶",
        "王小明【奶奶】",
        "王小明 由奶奶代签",
        "王小明 奶奶签",
        "王小明奶奶代签",
    ],
)
def test_a_relation_written_straight_after_a_childs_name_is_who_signed(app, written):
    """QA: each of these made a new child "王小明奶奶" on the roster (paper names skip review)."""
    with app.test_request_context(headers=EN):
        (line,) = parse_sheet(written, Audience.CHILDREN)
    assert (line.name, line.signed_by, line.problem) == ("王小明", Relation.GRANDMOTHER, "")


def test_names_that_only_look_like_they_end_in_a_relation_stay_whole(app):
    with app.test_request_context(headers=EN):
        lines = parse_sheet("王阿姨\n欧阳-娜娜\n王小明（大）", Audience.CHILDREN)
    found = [(line.name, line.signed_by) for line in lines]
    assert found == [("王阿姨", None), ("欧阳-娜娜", None), ("王小明（大）", None)]


def test_a_guardians_relation_glued_to_her_name_is_her_relation(app):
    with app.test_request_context(headers=EN):
        (line,) = parse_sheet("李秀英奶奶 13800001111 新华村 王小明", Audience.GUARDIANS)
    assert (line.name, line.relation, line.child_name, line.problem) == ("李秀英", Relation.GRANDMOTHER, "王小明", "")


def test_a_guardians_line_that_starts_with_a_relation_has_no_name(app):
    with app.test_request_context(headers=EN):
        grandmother, parent, named, two = parse_sheet(
            "奶奶 13800001111\n家长 13800001111 王小明\n李秀英 家长 王小明\n李秀英 奶奶 妈妈", Audience.GUARDIANS
        )
    assert grandmother.problem == parent.problem == "Please start the line with the person's name."
    assert (named.name, named.relation, named.child_name, named.problem) == ("李秀英", None, "王小明", "")
    assert two.problem == "Cannot tell what “妈妈” is."  # grandmother or mother?


def test_the_shared_name_check_refuses_relation_words(app):
    with app.test_request_context(headers=EN):
        assert name_problem("奶奶") == "“奶奶” is a relation, not a name."
        assert name_problem("王小明 奶奶") == "“奶奶” is a relation, not a name."
        assert name_problem("家长") == "“家长” is a relation, not a name."
        assert name_problem("王小明（大）") == name_problem("Li Lei") == name_problem("王奶奶") == ""


def test_relation_words_on_the_childrens_sheet_add_nobody_to_the_roster(app, home):
    client = signed_in_client(app, home["manager"])
    lines = "奶奶\n李思琪 奶奶"
    checked = check(client, home, lines)
    text = page_text(checked.data)
    assert "1 奶奶 Please start the line with the person's name. To correct" in text
    assert "李思琪 Signed in by Grandmother (father's side) On the roster — will be signed in" in text
    assert "save" not in form_fields(checked.data)
    checked = check(client, home, "李思琪 奶奶", fields=form_fields(checked.data))
    assert save(client, checked, "李思琪 奶奶").status_code == 302
    assert count(app, Child) == 2  # no child called 奶奶 or 李思琪 奶奶
    with app.app_context():
        paper = db.session.execute(db.select(Attendance).where(Attendance.source == Source.PAPER)).scalar_one()
        assert (paper.child_id, paper.signed_by) == (home["li"], Relation.GRANDMOTHER)


def test_a_guardian_without_a_name_is_not_saved_as_奶奶(app, home):
    client = signed_in_client(app, home["manager"])
    checked = check(client, home, "奶奶 13800001111", audience="guardians")
    assert "Please start the line with the person's name." in page_text(checked.data)
    assert "save" not in form_fields(checked.data)
    assert count(app, AdultSignIn) == 0


def test_the_roster_hint_is_shown_for_childrens_sheets_only(app, make, home):
    parents = make.activity(home["site"], day=DAY, title="家长课堂", children=False, guardians=True)
    client = signed_in_client(app, home["manager"])
    hint = "A child who is not on the roster yet is added to it"
    assert hint in page_text(client.get(paper_url(home), headers=EN).data)  # children and guardians
    guardians_only = page_text(client.get(f"/admin/activities/{parents['id']}/paper", headers=EN).data)
    assert hint not in guardians_only and "People already signed in are skipped" in guardians_only
