"""Page-quality gates for the public pages: what a grandparent's phone in WeChat meets.

Lighthouse, axe-core and the Nu HTML Checker come from npm, pinned in ``package.json`` and
``package-lock.json`` beside this file; ``make test`` installs them into
``tests/quality/node_modules`` (git-ignored) with ``npm ci``. Without node, java, Chromium or
those packages the tests skip outside CI and fail in CI (``skip_or_fail``).

Every gate records what it measured with ``record_property("quality", …)``; the terminal
summary at the end of the run (tests/quality_summary.py) prints those tables, so the scores
show in CI logs on a pass too (and survive pytest-xdist, which ships user properties to the
controller).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM
from tests.conftest import CONSENT, Factory, form_fields, skip_or_fail

QUALITY_DIR = Path(__file__).resolve().parent
NODE_MODULES = QUALITY_DIR / "node_modules"
INSTALL_HINT = "run `make quality-deps` (npm ci --prefix tests/quality)"
ALL_DAY = {"opens": "00:00", "closes": "23:59"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def require_command(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        skip_or_fail(f"`{name}` is not installed (bash .ci/install-system-packages --test)")
    return path


def require_chromium() -> Path:
    if not CHROMIUM.exists():
        skip_or_fail(f"chromium not installed ({CHROMIUM})")
    return CHROMIUM


def require_npm_package(relative: str) -> Path:
    path = NODE_MODULES / relative
    if not path.exists():
        skip_or_fail(f"tests/quality/node_modules/{relative} is missing: {INSTALL_HINT}")
    return path


def translated(app, msgid: str, language: str = "zh-CN") -> str:
    """A message as the app says it in ``language`` (English until its translation is in)."""
    from flask_babel import gettext

    with app.test_request_context(headers={"Accept-Language": language}):
        return gettext(msgid)


# --- the public pages ------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPage:
    """One public page as a phone opens it: a path answered with ``status``."""

    name: str
    path: str
    status: int = 200
    lighthouse: bool = True  # about 6 s a page: twins of an audited page are left to axe and vnu


@dataclass
class PublicSite:
    """Committed rows behind the public pages, and the pages themselves."""

    site: dict
    after_school: dict
    lecture: dict
    pages: list[PublicPage]

    def page(self, name: str) -> PublicPage:
        return next(page for page in self.pages if page.name == name)


def sign_child_in(client, activity: dict, name: str = "吉𠮷", relation: str = "grandmother") -> str:
    """Sign a child in through the real form (CSRF on); the receipt's path."""
    path = f"/a/{activity['token']}/child"
    fields = form_fields(client.get(path, headers=ZH).data)
    fields.update(child_name=name, signed_by=relation, **CONSENT)
    response = client.post(path, data=fields, headers=ZH)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def guardian_form_with_errors(client, lecture: dict, headers=ZH):
    """The guardian form sent with a bad mobile number: the page with error messages."""
    path = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(path, headers=headers).data)
    fields.update(name="韦丽娟", phone="12345", village="新华村")
    response = client.post(path, data=fields, headers=headers)
    assert response.status_code == 200 and b'aria-invalid="true"' in response.data
    return response


def guardian_form_with_errors_in_browser(page, live_server: str, lecture: dict):
    """In a browser: the guardian form sent with a bad mobile number, back with its errors."""
    page.goto(f"{live_server}/a/{lecture['token']}/guardian")
    page.locator("#name").fill("韦丽娟")
    page.locator("#phone").fill("12345")
    page.locator("button.submit").click()
    page.locator(".field.has-error").first.wait_for()
    return page


def _survey_path(app, site: dict) -> str | None:
    """The survey page at the site, once the survey feature is registered in the app."""
    if "survey_public.answer" not in app.view_functions:
        return None
    from formsvc.extensions import db
    from formsvc.sites.models import Site
    from formsvc.surveys.defaults import ensure_parent_satisfaction
    from formsvc.surveys.services import attach_to_site

    with app.app_context():
        link = attach_to_site(ensure_parent_satisfaction(), db.session.get(Site, site["id"]))
        db.session.commit()
        return f"/q/{link.public_token}"


def _scan_only_survey_path(app, make: Factory, day) -> str:
    """The survey of a lecture in lecture mode at another home, as a phone that did not sign in
    there meets it (a forwarded link): the page saying it is for those who did (403)."""
    from formsvc.activities.models import Activity
    from formsvc.extensions import db
    from formsvc.surveys.defaults import ensure_parent_satisfaction
    from formsvc.surveys.services import attach_to_activity

    other_site = make.site(name="东门社区儿童之家", village="东门社区")
    lecture = make.activity(other_site, day=day, kind="parent_training", rotating_code=True, **ALL_DAY)
    with app.app_context():
        lecture_row = db.session.get(Activity, lecture["id"])
        link = attach_to_activity(ensure_parent_satisfaction(), lecture_row, opens_before_close=None)
        db.session.commit()
        return f"/q/{link.public_token}"


def seed_public_site(app, day) -> PublicSite:
    """A site with a children's activity and a lecture open all day, one sign-in, and the pages.

    The site page lists both activities (and the daily opening between 07:00 and 21:00) as
    big buttons, so it does not redirect. The survey page and lecture mode's expired-code
    page are included when those features are registered in the app.
    """
    make = Factory(app)
    site = make.site()
    after_school = make.activity(
        site, day=day, kind="other", title="课后托管", children=True, guardians=False, **ALL_DAY
    )
    lecture = make.activity(site, day=day, kind="parent_training", title="家庭教育讲座", **ALL_DAY)
    volunteers = make.activity(
        site, day=day, kind="volunteer", title="志愿服务", guardians=False, volunteers=True, **ALL_DAY
    )
    receipt = sign_child_in(app.test_client(), after_school)
    pages = [
        PublicPage("site", f"/s/{site['token']}"),
        PublicPage("child-form", f"/a/{after_school['token']}/child"),
        PublicPage("guardian-form", f"/a/{lecture['token']}/guardian"),
        PublicPage("volunteer-form", f"/a/{volunteers['token']}/volunteer", lighthouse=False),
        PublicPage("receipt", receipt),
        PublicPage("children-rules", "/privacy/children", lighthouse=False),
        PublicPage("consent-refused", f"/a/{after_school['token']}/child/refused", lighthouse=False),
    ]
    survey = _survey_path(app, site)
    if survey:
        pages.append(PublicPage("survey", survey))
        pages.append(
            PublicPage("survey-not-signed-in-here", _scan_only_survey_path(app, make, day), 403, lighthouse=False)
        )
    if "scan.scan_code" in app.view_functions:
        pages.append(PublicPage("expired-code", f"/k/{lecture['token']}/OLDCODE", 410))
    pages.append(PublicPage("not-found", "/s/no-such-site0", 404))
    return PublicSite(site=site, after_school=after_school, lecture=lecture, pages=pages)


@pytest.fixture
def public_site(app, today) -> PublicSite:
    return seed_public_site(app, today)


# --- the tables for the summary in the terminal ---------------------------------------


def quality_table(title: str, columns: list[str], rows: list[list]) -> dict:
    """What a gate records with ``record_property("quality", …)`` for the summary."""
    return {"title": title, "columns": columns, "rows": [[str(cell) for cell in row] for row in rows]}
