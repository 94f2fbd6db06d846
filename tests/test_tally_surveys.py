"""Survey figures in the tallies: responses and mean rating per site, township and total.

The expected numbers are counted here from the rows the test wrote, never through the survey
results or tally queries.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest
import time_machine

from formsvc.extensions import db
from formsvc.surveys.models import (
    QuestionKind,
    SurveyAnswer,
    SurveyLink,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    SurveyVersion,
)
from formsvc.tallies.periods import period_range
from formsvc.tallies.services import compute_tally
from formsvc.text import two_places
from tests.conftest import local, login, page_text
from tests.pdftools import pdf_text
from tests.tally_world import AS_OF, YEAR, World, build_world


def _template(site_id: int | None, kinds: list[QuestionKind]) -> tuple[int, int, list[tuple[int, QuestionKind]]]:
    template = SurveyTemplate(site_id=site_id)
    db.session.add(template)
    db.session.flush()
    version = SurveyVersion(template_id=template.id, number=1, title_zh="满意度", frozen=True)
    db.session.add(version)
    db.session.flush()
    questions = []
    for position, kind in enumerate(kinds, start=1):
        question = SurveyQuestion(
            version_id=version.id, key=f"q{position}", position=position, kind=kind, title_zh=f"问题{position}"
        )
        db.session.add(question)
        db.session.flush()
        questions.append((question.id, kind))
    return template.id, version.id, questions


def add_responses(app, world: World) -> list[dict]:
    """Responses to two templates at four sites, some outside 2026; returns them as plain dicts."""
    rng = random.Random(8)
    written = []
    with app.app_context():
        district = _template(None, [QuestionKind.RATING, QuestionKind.RATING, QuestionKind.SHORT_TEXT])
        site_only = _template(world.sites["新华村儿童之家"]["id"], [QuestionKind.RATING])
        number = 0
        for name in ("新华村儿童之家", "河西村儿童之家", "那坡村儿童之家", "百合村儿童之家"):
            site_id = world.sites[name]["id"]
            templates = [district] + ([site_only] if name == "新华村儿童之家" else [])
            for template_id, version_id, questions in templates:
                link = SurveyLink(template_id=template_id, site_id=site_id)
                db.session.add(link)
                db.session.flush()
                # uneven numbers per site, so a township's mean differs from the mean of its sites' means
                for _ in range(rng.randrange(2, 14)):
                    number += 1
                    day = date(2025, 12, 20) + timedelta(days=rng.randrange(400))
                    response = SurveyResponse(
                        link_id=link.id,
                        template_id=template_id,
                        version_id=version_id,
                        site_id=site_id,
                        on_date=day,
                        nonce=f"nonce-{number}",
                        device_key=f"device-{number}",
                    )
                    db.session.add(response)
                    db.session.flush()
                    ratings = []
                    for question_id, kind in questions:
                        if kind == QuestionKind.RATING:
                            if rng.random() < 0.2:
                                continue  # left unanswered
                            rating = rng.randint(1, 5)
                            ratings.append(rating)
                            db.session.add(
                                SurveyAnswer(response_id=response.id, question_id=question_id, number=rating)
                            )
                        else:
                            db.session.add(SurveyAnswer(response_id=response.id, question_id=question_id, text="好"))
                    written.append({"site_id": site_id, "on_date": day, "ratings": ratings})
        db.session.commit()
    return written


def expected(
    responses: list[dict], site_ids: set[int], date_from: date, date_to: date
) -> tuple[int, int, float | None]:
    chosen = [r for r in responses if r["site_id"] in site_ids and date_from <= r["on_date"] <= date_to]
    ratings = [rating for r in chosen for rating in r["ratings"]]
    return len(chosen), len(ratings), (sum(ratings) / len(ratings) if ratings else None)


def survey_of(figures) -> tuple[int, int, float | None]:
    return figures.survey_responses, figures.survey_rating_answers, figures.survey_mean_rating


@pytest.fixture
def world(app) -> World:
    return build_world(app)


@pytest.fixture
def responses(app, world) -> list[dict]:
    return add_responses(app, world)


def _township_ids(world: World, township: str) -> set[int]:
    return {info["id"] for info in world.sites.values() if info["township"] == township}


def test_every_row_carries_responses_and_the_mean_of_its_rating_answers(ctx, world, responses):
    tally = compute_tally("district", *YEAR, as_of=AS_OF)
    for row in tally.rows:
        if row.row_type == "site":
            ids = {row.site_id}
        elif row.row_type == "township":
            ids = _township_ids(world, row.township)
        else:
            ids = {info["id"] for info in world.sites.values()}
        count, answers, mean = expected(responses, ids, *YEAR)
        assert survey_of(row.figures) == (count, answers, pytest.approx(mean)), (row.row_type, row.township, row.site)
    assert tally.total.figures.survey_responses < len(responses)  # some fall outside 2026
    # a township's mean weighs every answer alike: not the mean of its sites' means
    block = next(block for block in tally.townships if len(block.sites) > 1)
    site_means = [row.figures.survey_mean_rating for row in block.sites]
    assert block.subtotal.figures.survey_mean_rating != pytest.approx(sum(site_means) / len(site_means))


@pytest.mark.parametrize(("period", "township"), [("2026-Q1", "城关镇"), ("2026-07", None), ("2026-Q4", "那坡乡")])
def test_quarters_and_townships_count_their_own_responses(ctx, world, responses, period, township):
    date_from, date_to = period_range(period)
    if township:
        ids = _township_ids(world, township)
        scope = f"township:{next(i['township_id'] for i in world.sites.values() if i['township'] == township)}"
    else:
        ids, scope = {info["id"] for info in world.sites.values()}, "district"
    tally = compute_tally(scope, date_from, date_to, as_of=AS_OF)
    count, answers, mean = expected(responses, ids, date_from, date_to)
    assert survey_of(tally.total.figures) == (count, answers, pytest.approx(mean))


def test_no_responses_means_no_mean(ctx, world):
    tally = compute_tally("district", *YEAR, as_of=AS_OF)
    assert all(survey_of(row.figures) == (0, 0, None) for row in tally.rows)


@pytest.fixture
def admin(make):
    return make.user("district", role="admin")


def test_page_pdf_xlsx_and_csv_show_the_same_survey_figures(app, client, world, responses, admin):
    from openpyxl import load_workbook

    count, _answers, mean = expected(responses, {info["id"] for info in world.sites.values()}, *YEAR)
    query = "scope=district&period=2026"
    with time_machine.travel(local(2026, 12, 31, 12), tick=False):
        login(client, admin)
        csv_rows = list(csv.DictReader(io.StringIO(client.get(f"/admin/tallies.csv?{query}").data.decode("utf-8-sig"))))
        xlsx = client.get(f"/admin/tallies.xlsx?{query}")
        assert xlsx.status_code == 200, xlsx.data[:300]
        sheet = load_workbook(io.BytesIO(xlsx.data)).active
        pdf = client.get(f"/admin/tallies.pdf?{query}").data
        page = page_text(client.get(f"/admin/tallies?{query}", headers={"Accept-Language": "en"}).data)
    total = csv_rows[-1]
    assert total["row_type"] == "total"
    shown = two_places(mean)  # rounded half up, as Excel shows it
    assert int(total["survey_responses"]) == count and float(total["mean_rating"]) == float(shown)
    header = [cell.value for cell in sheet[3]]
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[header.index("问卷份数")] == count and last[header.index("平均分")] == float(shown)
    assert shown in pdf_text(pdf)
    assert f"Survey responses: {count} · Mean rating {shown}" in page
