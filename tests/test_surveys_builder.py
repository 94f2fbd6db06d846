"""Building surveys: each kind of question, required, reorder, conditions, versions, scoping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.surveys.builder import build_survey_form, shown_keys
from formsvc.surveys.models import QuestionKind, SurveyTemplate, SurveyVersion
from formsvc.surveys.services import (
    SurveyError,
    add_question,
    delete_question,
    editable_version,
    move_question,
    update_question,
    update_settings,
)
from tests.conftest import form_fields, login, page_text
from tests.survey_helpers import make_template, spec

ALL_KINDS = [
    spec("rating", "内容满意吗", required=True),
    spec("single", "从哪里知道", options=["村广播", "微信群", "其他"], options_en=["Radio", "WeChat group", "Other"]),
    spec("multiple", "喜欢哪些环节", options=["讲座", "游戏", "问答"]),
    spec("yes_no", "会推荐吗", required=True),
    spec("short_text", "您的村"),
    spec("long_text", "意见建议"),
]


def template_of(template_id) -> SurveyTemplate:
    return db.session.get(SurveyTemplate, template_id)


def test_every_kind_of_question_becomes_a_field(app, ctx):
    template_id = make_template(app, ALL_KINDS)
    version = template_of(template_id).current
    assert [q.kind for q in version.questions] == [
        QuestionKind(k) for k in ("rating", "single", "multiple", "yes_no", "short_text", "long_text")
    ]
    assert [q.key for q in version.questions] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert version.questions[1].options == [
        {"key": "1", "zh": "村广播", "en": "Radio"},
        {"key": "2", "zh": "微信群", "en": "WeChat group"},
        {"key": "3", "zh": "其他", "en": "Other"},
    ]
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        form = build_survey_form(version.questions, "en")()
        kinds = {key: type(form[key]).__name__ for key in ("q1", "q2", "q3", "q4", "q5", "q6")}
        assert kinds == {
            "q1": "RadioField",
            "q2": "RadioField",
            "q3": "CheckboxListField",
            "q4": "RadioField",
            "q5": "StringField",
            "q6": "TextAreaField",
        }
        # Faces from "very satisfied" down; English option labels where given.
        assert [label for _value, label in form.questions[0].choices][0] == "Very satisfied"
        assert [value for value, _label in form.questions[0].choices] == ["5", "4", "3", "2", "1"]
        assert [label for _value, label in form.questions[1].choices] == ["Radio", "WeChat group", "Other"]
        assert [label for _value, label in build_survey_form(version.questions, "zh_Hans")().questions[1].choices] == [
            "村广播",
            "微信群",
            "其他",
        ]


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (spec("single", "只有一个选项", options=["是"]), "too_few_options"),
        (spec("multiple", "重复", options=["甲", "甲"]), "duplicate_option"),
        (spec("single", "英文不齐", options=["甲", "乙"], options_en=["A"]), "options_mismatch"),
        (spec("short_text", "依赖文字题", when=("q2", "x")), "condition_kind"),
        (spec("rating", "依赖不存在的答案", when=("q1", "7")), "condition_value"),
        (spec("rating", "依赖不存在的题", when=("q9", "1")), "condition_order"),
    ],
)
def test_bad_questions_are_refused_with_a_code(app, ctx, bad, code):
    template_id = make_template(app, [spec("rating", "内容"), spec("short_text", "村")])
    with pytest.raises(SurveyError) as caught:
        add_question(template_of(template_id), bad)
    assert caught.value.code == code


def test_required_counts_only_when_the_question_is_shown(app):
    template_id = make_template(
        app,
        [
            spec("yes_no", "孩子参加了吗", required=True),
            spec("rating", "孩子喜欢吗", required=True, when=("q1", "yes")),
        ],
    )
    with app.app_context():
        version = template_of(template_id).current
        for data, ok in [
            ({"q1": "no"}, True),
            ({"q1": "yes"}, False),
            ({"q1": "yes", "q2": "4"}, True),
            ({}, False),
        ]:
            with app.test_request_context("/", method="POST", data={"nonce": "n" * 20, "version": "1", **data}):
                form_class = build_survey_form(version.questions, "en")
                form = form_class(meta={"csrf": False})
                assert form.validate() is ok, (data, form.errors)


def test_conditions_chain_and_multiple_choice_conditions(app, ctx):
    template_id = make_template(
        app,
        [
            spec("multiple", "需要哪些帮助", options=["学习", "心理", "营养"]),
            spec("yes_no", "愿意接受家访吗", when=("q1", "2")),
            spec("short_text", "方便的时间", when=("q2", "yes")),
        ],
    )
    questions = template_of(template_id).current.questions
    assert shown_keys(questions, {"q1": ["1"]}) == {"q1"}
    assert shown_keys(questions, {"q1": ["1", "2"], "q2": "no", "q3": "周六"}) == {"q1", "q2"}
    assert shown_keys(questions, {"q1": ["2"], "q2": "yes"}) == {"q1", "q2", "q3"}
    # q3's source is hidden when q1 has no "2", even if q2 says yes.
    assert shown_keys(questions, {"q1": ["3"], "q2": "yes"}) == {"q1"}


def test_reorder_moves_one_place_and_keeps_conditions_after_their_source(app, ctx):
    template_id = make_template(
        app, [spec("rating", "甲"), spec("yes_no", "乙"), spec("short_text", "丙", when=("q2", "no"))]
    )
    template = template_of(template_id)
    move_question(template, "q1", 1)
    assert [q.key for q in template.current.questions] == ["q2", "q1", "q3"]
    move_question(template, "q2", -1)  # already first: nothing happens
    with pytest.raises(SurveyError) as caught:
        move_question(template, "q3", -1)  # q3 above q1 is fine …
        move_question(template, "q3", -1)  # … but not above its source q2
    assert caught.value.code == "condition_order"
    db.session.rollback()
    with pytest.raises(SurveyError) as caught:
        delete_question(template_of(template_id), "q2")
    assert caught.value.code == "has_dependents"


def test_editing_options_keeps_keys_and_protects_conditions(app, ctx):
    template_id = make_template(
        app,
        [spec("single", "渠道", options=["广播", "微信"]), spec("short_text", "哪个群", when=("q1", "2"))],
    )
    template = template_of(template_id)
    question = update_question(template, "q1", spec("single", "渠道", options=["微信", "广播", "海报"]))
    assert question.options == [
        {"key": "2", "zh": "微信", "en": ""},
        {"key": "1", "zh": "广播", "en": ""},
        {"key": "3", "zh": "海报", "en": ""},
    ]
    with pytest.raises(SurveyError) as caught:
        update_question(template, "q1", spec("single", "渠道", options=["广播", "海报"]))
    assert caught.value.code == "has_dependents"


def test_an_answered_version_is_frozen_and_the_next_edit_makes_version_two(app, ctx):
    template_id = make_template(app, [spec("rating", "内容"), spec("yes_no", "推荐")])
    template = template_of(template_id)
    assert editable_version(template).number == 1  # not answered: edited in place
    template.current.frozen = True
    db.session.flush()
    update_settings(template, title_zh="家长满意度", title_en="", intro_zh="请花一分钟。", intro_en="")
    assert len(template.versions) == 1  # nothing changed: no new version
    add_question(template, spec("long_text", "意见"))
    version_two = template.current
    assert version_two.number == 2 and not version_two.frozen
    assert [q.key for q in version_two.questions] == ["q1", "q2", "q3"]
    assert [q.key for q in template.versions[0].questions] == ["q1", "q2"]
    add_question(template, spec("short_text", "村"))  # v2 is not answered yet: same version
    assert [v.number for v in template.versions] == [1, 2]
    versions = db.session.execute(select(SurveyVersion).where(SurveyVersion.template_id == template_id)).scalars()
    assert len(list(versions)) == 2


# --- the builder pages, CSRF on --------------------------------------------------------


def post_form(client, url, data):
    fields = form_fields(client.get(url).data)
    return client.post(url, data={**fields, **data}, headers={"Accept-Language": "en"})


def test_a_manager_builds_a_site_survey_through_the_pages(app, client, make):
    site = make.site()
    manager = make.user(sites=[site])
    login(client, manager)
    response = post_form(client, "/admin/surveys/new", {"owner": str(site["id"]), "title_zh": "活动反馈"})
    assert response.status_code == 302, page_text(response.data)
    builder_url = response.headers["Location"]
    template_id = int(builder_url.rstrip("/").split("/")[-1])
    new_question = f"/admin/surveys/{template_id}/questions/new"
    assert post_form(client, new_question, {"kind": "rating", "title_zh": "内容", "required": "y"}).status_code == 302
    response = post_form(
        client, new_question, {"kind": "single", "title_zh": "渠道", "options_zh": "广播\n微信\n\n  海报  "}
    )
    assert response.status_code == 302
    response = post_form(client, new_question, {"kind": "single", "title_zh": "只有一个", "options_zh": "甲"})
    assert response.status_code == 200
    assert "at least two options" in page_text(response.data)
    response = post_form(client, new_question, {"kind": "short_text", "title_zh": "为什么", "condition": "q1=1"})
    assert response.status_code == 302
    page = client.get(builder_url)
    fields = form_fields(page.data)
    moved = client.post(f"/admin/surveys/{template_id}/questions/q2/up", data={"csrf_token": fields["csrf_token"]})
    assert moved.status_code == 302
    with app.app_context():
        template = template_of(template_id)
        assert template.site_id == site["id"]
        assert [(q.key, q.kind.value) for q in template.current.questions] == [
            ("q2", "single"),
            ("q1", "rating"),
            ("q3", "short_text"),
        ]
        assert [o["zh"] for o in template.current.questions[0].options] == ["广播", "微信", "海报"]
        assert template.current.questions[2].condition_key == "q1"
        actions = set(db.session.execute(select(AuditEntry.action)).scalars())
        assert {"survey.create", "survey.question_add", "survey.question_up"} <= actions
    text = page_text(client.get(builder_url, headers={"Accept-Language": "en"}).data)
    assert "Only if you answered" in text


def test_a_post_without_csrf_changes_nothing(app, client, make):
    site = make.site()
    login(client, make.user(sites=[site]))
    template_id = make_template(app, [spec("rating", "内容")], site_id=site["id"])
    response = client.post(f"/admin/surveys/{template_id}/questions/q1/delete")
    assert response.status_code == 302
    with app.app_context():
        assert len(template_of(template_id).current.questions) == 1


def test_a_manager_of_another_site_gets_404_on_a_site_survey_not_theirs(app, client, make):
    mine, theirs = make.site(name="甲村儿童之家"), make.site(name="乙村儿童之家")
    template_id = make_template(app, [spec("rating", "内容")], site_id=theirs["id"])
    login(client, make.user(username="other", sites=[mine]))
    for url in (
        f"/admin/surveys/{template_id}",
        f"/admin/surveys/{template_id}/results",
        f"/admin/surveys/{template_id}/results.xlsx",
        f"/admin/surveys/{template_id}/questions/new",
        f"/admin/surveys/{template_id}/questions/q1",
        f"/admin/surveys/{template_id}/use",
    ):
        assert client.get(url).status_code == 404, url
    assert "内容" not in page_text(client.get("/admin/surveys/").data)


def test_a_manager_reads_but_cannot_change_the_district_template(app, client, make):
    site = make.site()
    template_id = make_template(app, [spec("rating", "内容")])
    login(client, make.user(sites=[site]))
    assert client.get(f"/admin/surveys/{template_id}").status_code == 200
    assert client.get(f"/admin/surveys/{template_id}/questions/new").status_code == 403
    assert client.get(f"/admin/surveys/{template_id}/use").status_code == 200


def test_a_manager_asks_the_district_survey_after_a_lecture_and_at_the_site(app, client, make):
    from datetime import date

    from formsvc.surveys.models import SurveyLink

    site, other = make.site(name="甲村儿童之家"), make.site(name="乙村儿童之家")
    today = date.today()
    lecture = make.activity(site, day=today, opens="00:00", closes="23:59")
    make.activity(other, day=today, title="别人的讲座")
    template_id = make_template(app, [spec("rating", "内容")])
    login(client, make.user(sites=[site]))
    page = client.get(f"/admin/surveys/{template_id}/use", headers={"Accept-Language": "en"})
    assert "别人的讲座" not in page_text(page.data) and "乙村儿童之家" not in page_text(page.data)
    token = form_fields(page.data)["a-csrf_token"]
    response = client.post(
        f"/admin/surveys/{template_id}/use/activities",
        data={"a-csrf_token": token, "a-activities": str(lecture["id"]), "a-window": "15"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/admin/surveys/{template_id}/use/sites", data={"s-csrf_token": token, "s-sites": str(site["id"])}
    )
    assert response.status_code == 302
    with app.app_context():
        links = db.session.execute(select(SurveyLink).order_by(SurveyLink.id)).scalars().all()
        assert [(link.activity_id, link.site_id, link.opens_before_close) for link in links] == [
            (lecture["id"], site["id"], 15),
            (None, site["id"], None),
        ]
        first = links[0].id
    page = client.get(f"/admin/surveys/{template_id}/use")
    assert "/q/" in page.data.decode() and "<svg" in page.data.decode()
    stop = client.post(f"/admin/surveys/links/{first}/stop", data={"csrf_token": form_fields(page.data)["csrf_token"]})
    assert stop.status_code == 302
    with app.app_context():
        assert db.session.get(SurveyLink, first).stopped_at is not None


def test_the_delete_question_asks_which_question_by_its_number(app, client, make):
    template_id = make_template(app, [spec("rating", "内容"), spec("yes_no", "推荐")])
    login(client, make.user(username="boss", role="admin"))
    text = page_text(client.get(f"/admin/surveys/{template_id}", headers={"Accept-Language": "en"}).data)
    assert "Delete question 1?" in text and "Delete question 2?" in text
    assert "Delete question ?" not in text
