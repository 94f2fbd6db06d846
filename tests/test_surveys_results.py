"""Survey results: figures against numbers computed here, versions, PDF, XLSX, hiding, scores, scope."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from sqlalchemy import select

from formsvc.accounts.scoping import visible_site_ids
from formsvc.activities.models import Activity
from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site
from formsvc.surveys.answering import submit_response
from formsvc.surveys.models import RATING_WORDS, SurveyAnswer, SurveyLink, SurveyTemplate
from formsvc.surveys.results import ResultFilter, survey_results, survey_scores
from formsvc.surveys.services import add_question
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text, skip_or_fail
from tests.pdftools import assert_a4, assert_only_named_fonts, pdf_text, pdf_words
from tests.survey_helpers import answer, make_template, open_survey, spec, use_at_activity, use_at_site

DAY = date(2026, 11, 27)
EN = {"Accept-Language": "en"}
QUESTIONS = [
    spec("rating", "内容满意度"),
    spec("single", "从哪里知道", options=["广播", "微信群", "海报"]),
    spec("multiple", "喜欢哪些环节", options=["讲座", "游戏", "问答"]),
    spec("yes_no", "会推荐吗"),
    spec("long_text", "意见建议"),
]


frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


def store(app, token: str, answers: dict, n: int) -> None:
    with app.app_context():
        link = db.session.execute(select(SurveyLink).where(SurveyLink.public_token == token)).scalar_one()
        submit_response(link, link.template.current, answers, nonce=f"nonce-{token}-{n:06d}", device=f"d{n}")
        db.session.commit()


def random_answers(rng: random.Random) -> dict:
    answers = {}
    if rng.random() < 0.9:
        answers["q1"] = str(rng.randint(1, 5))
    if rng.random() < 0.8:
        answers["q2"] = rng.choice(["1", "2", "3"])
    answers["q3"] = sorted(rng.sample(["1", "2", "3"], rng.randint(0, 3)))
    if rng.random() < 0.7:
        answers["q4"] = rng.choice(["yes", "no"])
    if rng.random() < 0.3:
        answers["q5"] = rng.choice(["很好", "时间太短", "希望多办"])
    return answers


@pytest.fixture
def two_sites(app, make):
    east = make.site(name="东门社区儿童之家", township="城关镇")
    west = make.site(name="那坡村儿童之家", township="那坡乡")
    template_id = make_template(app, QUESTIONS)
    tokens = {site["id"]: use_at_site(app, template_id, site["id"]) for site in (east, west)}
    rng = random.Random(20261127)
    sent = {east["id"]: [], west["id"]: []}
    n = 0
    for site_id, token in tokens.items():
        for _ in range(40 if site_id == east["id"] else 25):
            answers = random_answers(rng)
            n += 1
            store(app, token, answers, n)
            sent[site_id].append(answers)
    return {"east": east, "west": west, "template_id": template_id, "sent": sent, "tokens": tokens}


def expected(answer_sets: list[dict]) -> dict:
    """The figures, computed here without the app's code."""
    ratings = [int(a["q1"]) for a in answer_sets if "q1" in a]
    return {
        "responses": len(answer_sets),
        "rating_counts": [ratings.count(value) for value in range(1, 6)],
        "mean": sum(ratings) / len(ratings),
        "top_share": sum(1 for r in ratings if r >= 4) / len(ratings),
        "single": [sum(1 for a in answer_sets if a.get("q2") == key) for key in "123"],
        "multiple": [sum(1 for a in answer_sets if key in a["q3"]) for key in "123"],
        "multiple_answered": sum(1 for a in answer_sets if a["q3"]),
        "yes_no": [sum(1 for a in answer_sets if a.get("q4") == key) for key in ("yes", "no")],
        "comments": sorted(a["q5"] for a in answer_sets if "q5" in a),
    }


def test_results_match_numbers_computed_independently(app, two_sites):
    everything = two_sites["sent"][two_sites["east"]["id"]] + two_sites["sent"][two_sites["west"]["id"]]
    for site_ids, answer_sets in [
        (select(Site.id), everything),
        ([two_sites["west"]["id"]], two_sites["sent"][two_sites["west"]["id"]]),
    ]:
        want = expected(answer_sets)
        with app.app_context():
            template = db.session.get(SurveyTemplate, two_sites["template_id"])
            results = survey_results(template, ResultFilter(site_ids=site_ids), "zh_Hans")
        assert results.responses == want["responses"]
        (version,) = results.versions
        rating, single, multiple, yes_no, comments = version.questions
        assert [o.count for o in rating.options] == want["rating_counts"]
        assert rating.answered == sum(want["rating_counts"])
        assert rating.mean == pytest.approx(want["mean"])
        assert rating.top_share == pytest.approx(want["top_share"])
        with app.app_context():
            assert [o.label for o in rating.options] == [str(word) for word in RATING_WORDS.values()]
        assert [o.count for o in single.options] == want["single"]
        assert [o.label for o in single.options] == ["广播", "微信群", "海报"]
        assert [o.count for o in multiple.options] == want["multiple"]
        assert multiple.answered == want["multiple_answered"]
        assert multiple.options[0].share == pytest.approx(want["multiple"][0] / want["multiple_answered"])
        assert [o.count for o in yes_no.options] == want["yes_no"]
        assert sorted(c.text for c in comments.comments) == want["comments"]
        assert results.response_rate is None and not results.has_activity_links


def test_the_results_page_shows_the_figures_and_filters_by_township_and_search(app, client, make, two_sites):
    login(client, make.user(username="boss", role="admin"))
    url = f"/admin/surveys/{two_sites['template_id']}/results"
    text = page_text(client.get(url, headers=EN).data)
    want = expected(two_sites["sent"][two_sites["east"]["id"]] + two_sites["sent"][two_sites["west"]["id"]])
    assert f"Responses {want['responses']}" in text
    assert f"{want['mean']:.2f}" in text
    assert "<svg" in client.get(url).data.decode()
    west_township = two_sites["west"]["township_id"]
    text = page_text(client.get(f"{url}?scope=t{west_township}&q=希望", headers=EN).data)
    west = expected(two_sites["sent"][two_sites["west"]["id"]])
    assert f"Responses {west['responses']}" in text
    assert text.count("希望多办") == west["comments"].count("希望多办")
    assert "时间太短" not in text


def test_a_manager_sees_results_of_the_district_survey_for_their_site_only(app, client, make, two_sites):
    login(client, make.user(username="west", sites=[two_sites["west"]]))
    url = f"/admin/surveys/{two_sites['template_id']}/results"
    text = page_text(client.get(url, headers=EN).data)
    assert f"Responses {len(two_sites['sent'][two_sites['west']['id']])}" in text
    east_scope = client.get(f"{url}?scope=s{two_sites['east']['id']}", headers=EN)  # not theirs: ignored
    assert f"Responses {len(two_sites['sent'][two_sites['west']['id']])}" in page_text(east_scope.data)


def test_a_response_to_version_one_after_version_two_exists(app, client, make):
    site = make.site()
    template_id = make_template(app, [spec("rating", "内容"), spec("yes_no", "推荐")])
    token = use_at_site(app, template_id, site["id"])
    first_phone, second_phone, third_phone = app.test_client(), app.test_client(), app.test_client()
    assert answer(first_phone, token, {"q1": "5", "q2": "yes"}).status_code == 302  # freezes version 1
    _page, old_form = open_survey(second_phone, token)  # version 1, still on the screen …
    with app.app_context():
        template = db.session.get(SurveyTemplate, template_id)
        add_question(template, spec("single", "交通方式", options=["步行", "骑车"]))  # … while version 2 is made
        db.session.commit()
    sent = second_phone.post(f"/q/{token}", data={**old_form, "q1": "2", "q2": "no"})  # a version-1 form has no q3
    assert sent.status_code == 302
    page = third_phone.get(f"/q/{token}")
    assert "交通方式" in page_text(page.data)
    assert third_phone.post(f"/q/{token}", data={**form_fields(page.data), "q1": "4", "q3": "2"}).status_code == 302
    with app.app_context():
        template = db.session.get(SurveyTemplate, template_id)
        results = survey_results(template, ResultFilter(site_ids=select(Site.id)), "zh_Hans")
    assert results.responses == 3
    v2, v1 = results.versions
    assert (v2.number, v2.responses, v2.is_current) == (2, 1, True)
    assert (v1.number, v1.responses) == (1, 2)
    assert [q.title for q in v1.questions] == ["内容", "推荐"]  # version 1 never had the new question
    assert [o.count for o in v1.questions[0].options] == [0, 1, 0, 0, 1]
    assert [o.count for o in v1.questions[1].options] == [1, 1]
    assert [q.title for q in v2.questions] == ["内容", "推荐", "交通方式"]
    assert [o.count for o in v2.questions[0].options] == [0, 0, 0, 1, 0]
    assert [o.count for o in v2.questions[2].options] == [0, 1]
    login(client, make.user(username="boss", role="admin"))
    text = page_text(client.get(f"/admin/surveys/{template_id}/results", headers=EN).data)
    assert "Version 2 (current) · 1 responses" in text and "Version 1 · 2 responses" in text


def hide(client, app, answer_text: str, template_id: int):
    with app.app_context():
        answer_id = db.session.execute(select(SurveyAnswer.id).where(SurveyAnswer.text == answer_text)).scalar()
    page = client.get(f"/admin/surveys/{template_id}/results")
    token = form_fields(page.data)["csrf_token"]
    return client.post(f"/admin/surveys/answers/{answer_id}/hide", data={"csrf_token": token})


@pytest.fixture
def lecture_survey(app, make):
    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="17:00")
    template_id = make_template(app, [spec("rating", "讲座内容"), spec("long_text", "意见建议")], title="讲座满意度")
    token = use_at_activity(app, template_id, lecture["id"])
    for n, name in enumerate(["韦丽娟", "陆建国", "覃海燕", "农浩然"]):
        phone = app.test_client()
        url = f"/a/{lecture['token']}/guardian"
        phone.post(url, data={**form_fields(phone.get(url).data), "name": name, "relation": "mother"})
        if n < 3:
            comment = ["讲得很好", '=HYPERLINK("http://evil")', "这个讲师是骗子滚"][n]
            assert answer(phone, token, {"q1": str(5 - n), "q2": comment}).status_code == 302
    admin = make.user(username="boss", role="admin")
    return {"site": site, "template_id": template_id, "admin": admin}


def test_response_rate_and_hiding_an_abusive_comment(app, client, lecture_survey):
    login(client, lecture_survey["admin"])
    template_id = lecture_survey["template_id"]
    text = page_text(client.get(f"/admin/surveys/{template_id}/results", headers=EN).data)
    assert "Guardians signed in 4" in text and "Response rate 75%" in text
    assert hide(client, app, "这个讲师是骗子滚", template_id).status_code == 302
    text = page_text(client.get(f"/admin/surveys/{template_id}/results", headers=EN).data)
    assert "这个讲师是骗子滚" in text and "hidden from printouts" in text  # still there on screen, marked
    with app.app_context():
        hidden = db.session.execute(select(SurveyAnswer).where(SurveyAnswer.hidden_at.is_not(None))).scalar_one()
        assert hidden.text == "这个讲师是骗子滚" and hidden.hidden_by_id == lecture_survey["admin"]["id"]
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "survey.answer_hide")).scalar_one()
        assert entry.target == f"survey_answers:{hidden.id}"


def test_the_xlsx_reads_back_without_hidden_comments_and_without_formulas(app, client, lecture_survey):
    from openpyxl import load_workbook

    login(client, lecture_survey["admin"])
    template_id = lecture_survey["template_id"]
    hide(client, app, "这个讲师是骗子滚", template_id)
    response = client.get(f"/admin/surveys/{template_id}/results.xlsx", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Summary", "Version 1", "Comments"]
    summary = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Survey"] == "讲座满意度"
    assert summary["Responses"] == 3 and summary["Guardians signed in at those activities"] == 4
    assert summary["Response rate"] == pytest.approx(0.75)
    rows = list(workbook["Version 1"].iter_rows(values_only=True))
    question_row = next(row for row in rows if row[1] == "讲座内容")
    assert question_row[3] == 3 and question_row[7] == pytest.approx(4.0)  # ratings 5, 4, 3
    counts = [
        row[5]
        for row in rows
        if row[4] in ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied")
    ]
    assert counts == [0, 0, 1, 1, 1]
    comments = [row[5] for row in workbook["Comments"].iter_rows(min_row=2, values_only=True)]
    assert sorted(comments) == sorted(["讲得很好", '=HYPERLINK("http://evil")'])  # as typed, no stray quote
    assert all(cell.data_type != "f" for row in workbook["Comments"].iter_rows() for cell in row)
    cells = [cell for row in workbook["Comments"].iter_rows() for cell in row]
    (guarded,) = [cell for cell in cells if cell.value == '=HYPERLINK("http://evil")']
    assert guarded.data_type == "s" and guarded.quotePrefix  # text, never a formula, also after an edit
    with app.app_context():
        assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "survey.export")).scalar_one()


def test_the_pdf_has_the_questions_and_the_counts(app, client, lecture_survey):
    try:
        import weasyprint  # noqa: F401
    except Exception as error:  # any import failure means no PDFs on this machine
        skip_or_fail(f"WeasyPrint cannot be imported: {error}")
    login(client, lecture_survey["admin"])
    template_id = lecture_survey["template_id"]
    hide(client, app, "这个讲师是骗子滚", template_id)
    response = client.get(f"/admin/surveys/{template_id}/results.pdf", headers=EN)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "讲座满意度" in text and "讲座内容" in text and "意见建议" in text
    assert "Responses" in text and "75%" in text
    assert "4.00" in text  # the mean of 5, 4 and 3
    assert "讲得很好" in text and "这个讲师是骗子滚" not in text
    assert_only_named_fonts(response.data)  # the charts' labels too: no glyph fell back to another font
    assert_a4(response.data)


def test_survey_scores_per_site_for_the_tallies(app, two_sites, make):
    with app.app_context():
        admin_sites = select(Site.id)
        scores = survey_scores(admin_sites, DAY, DAY)
        assert scores == survey_scores(admin_sites, None, None)
        assert survey_scores(admin_sites, date(2026, 11, 28), None) == {}
        for site in (two_sites["east"], two_sites["west"]):
            ratings = [int(a["q1"]) for a in two_sites["sent"][site["id"]] if "q1" in a]
            score = scores[site["id"]]
            assert score.responses == len(two_sites["sent"][site["id"]])
            assert score.rating_answers == len(ratings) and score.rating_total == sum(ratings)
            assert score.mean_rating == pytest.approx(sum(ratings) / len(ratings))
    manager = make.user(username="west", sites=[two_sites["west"]])
    with app.app_context():
        from formsvc.accounts.models import User

        user = db.session.get(User, manager["id"])
        assert set(survey_scores(visible_site_ids(user), DAY, DAY)) == {two_sites["west"]["id"]}


def test_a_fresh_install_has_the_parent_satisfaction_template(tmp_path):
    from flask_migrate import upgrade

    from formsvc import create_app

    fresh = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}"}
    )
    with fresh.app_context():
        upgrade()
        template = db.session.execute(select(SurveyTemplate)).scalar_one()
        assert template.builtin == "parent_satisfaction" and template.site_id is None
        version = template.current
        assert version.title_zh == "家长满意度调查" and version.number == 1 and not version.frozen
        assert [(q.key, q.kind.value, q.required) for q in version.questions] == [
            ("q1", "rating", True),
            ("q2", "rating", True),
            ("q3", "rating", True),
            ("q4", "rating", True),
            ("q5", "yes_no", True),
            ("q6", "long_text", False),
        ]
        db.session.remove()
        db.engine.dispose()


def test_the_demo_lecture_asks_the_parent_satisfaction_survey(app):
    from formsvc.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
        link = db.session.execute(select(SurveyLink)).scalar_one()
        assert link.template.builtin == "parent_satisfaction"
        assert db.session.get(Activity, link.activity_id).title.startswith("家庭教育讲座")


# --- rounding as Excel does, the response rate, hidden comments, long comments in the PDF ---


def test_figures_round_half_up_like_excel(app, client, make):
    from formsvc.surveys.figures import mean_text, percent

    assert (mean_text(2.625), mean_text(2.675), percent(0.125), percent(0.145), percent(0.0)) == (
        "2.63",
        "2.68",
        "13%",
        "15%",
        "0%",
    )
    site = make.site()
    template_id = make_template(app, [spec("rating", "内容满意度")])
    token = use_at_site(app, template_id, site["id"])
    for n, rating in enumerate([5, 5, 3, 2, 2, 2, 1, 1]):  # mean 21/8 = 2.625; one "3" of 8 = 12.5%
        store(app, token, {"q1": str(rating)}, n)
    login(client, make.user(username="boss", role="admin"))
    text = page_text(client.get(f"/admin/surveys/{template_id}/results", headers=EN).data)
    assert "Mean (1–5) 2.63" in text and "3 · Neutral 1 13%" in text
    assert "2.62" not in text and "12%" not in text


def test_no_response_rate_over_100_percent_and_the_reason_is_given(app, client, make):
    from openpyxl import load_workbook

    site = make.site()
    lecture = make.activity(site, day=DAY, opens="14:00", closes="17:00")
    template_id = make_template(app, [spec("rating", "讲座内容")], title="讲座满意度")
    token = use_at_activity(app, template_id, lecture["id"])
    phone = app.test_client()
    url = f"/a/{lecture['token']}/guardian"
    phone.post(url, data={**form_fields(phone.get(url).data), "name": "韦丽娟", "relation": "mother"})
    for n in range(4):  # one guardian signed in; four people answered from the poster page
        store(app, token, {"q1": "5"}, n)
    login(client, make.user(username="boss", role="admin"))
    text = page_text(client.get(f"/admin/surveys/{template_id}/results", headers=EN).data)
    assert "400%" not in text and "Response rate —" in text
    assert "more answers (4) than guardians signed in (1)" in text
    workbook = load_workbook(io.BytesIO(client.get(f"/admin/surveys/{template_id}/results.xlsx", headers=EN).data))
    rate = next(row for row in workbook["Summary"].iter_rows(values_only=True) if row[0] == "Response rate")
    assert rate[1] is None and "more answers (4) than guardians signed in (1)" in rate[2]


def test_hidden_comments_are_not_counted_as_answered_where_they_are_left_out(app, client, lecture_survey):
    from openpyxl import load_workbook

    login(client, lecture_survey["admin"])
    template_id = lecture_survey["template_id"]
    hide(client, app, "这个讲师是骗子滚", template_id)
    text = page_text(client.get(f"/admin/surveys/{template_id}/results", headers=EN).data)
    assert "Long text · 3 answered (1 hidden from printouts)" in text
    workbook = load_workbook(io.BytesIO(client.get(f"/admin/surveys/{template_id}/results.xlsx", headers=EN).data))
    question_row = next(row for row in workbook["Version 1"].iter_rows(values_only=True) if row[1] == "意见建议")
    assert question_row[3] == 2  # as many as the comments listed
    with app.app_context():
        template = db.session.get(SurveyTemplate, template_id)
        printed = survey_results(template, ResultFilter(site_ids=select(Site.id), include_hidden=False), "en")
    comments = printed.versions[0].questions[1]
    assert comments.answered == len(comments.comments) == 2


def words_on_pdf_pages(pdf: bytes) -> list[tuple[float, str]]:
    """(right edge in points, text) of every word pdftotext finds, off the page or not."""
    return [(word["x_max"], word["text"]) for word in pdf_words(pdf)]


def test_a_long_comment_without_spaces_wraps_inside_its_column_in_the_pdf(app, client, make):
    try:
        import weasyprint  # noqa: F401
    except Exception as error:  # any import failure means no PDFs on this machine
        skip_or_fail(f"WeasyPrint cannot be imported: {error}")
    site = make.site(name="城关镇新华村儿童之家")
    template_id = make_template(app, [spec("long_text", "意见")])
    token = use_at_site(app, template_id, site["id"])
    store(app, token, {"q1": "x" * 1500}, 1)
    login(client, make.user(username="boss", role="admin"))
    pdf = client.get(f"/admin/surveys/{template_id}/results.pdf", headers=EN).data
    words = words_on_pdf_pages(pdf)
    assert sum(len(word) for _right, word in words if set(word) == {"x"}) == 1500  # all of it printed …
    assert max(right for right, _word in words) <= 595 - 20  # … inside the page's margin
    assert any("新华村儿童之家" in word for _right, word in words)  # the home's name not squeezed to a letter a line
