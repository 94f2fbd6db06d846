"""Guardians' and volunteers' phone numbers on a home's day view: in full for its own managers only.

QA found a township viewer (read-only) reading every parent's full number on a home's day view,
while the printouts mask them and refuse ``?phones=full`` to viewers. The home's managers
collected the numbers and call the parents back; a township viewer and a district admin see
them masked there (the admin's full-number printout stays, and is audited).
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import clock_stopped_at, form_fields, local, login, page_text
from tests.workspace_helpers import township_viewer

DAY = date(2026, 11, 27)
GUARDIAN_PHONE, VOLUNTEER_PHONE = "13912341111", "13800002222"
GUARDIAN_MASKED, VOLUNTEER_MASKED = "139****1111", "138****2222"

frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def home(app, make):
    """A home with a lecture a guardian and a volunteer signed in to, each giving a mobile number."""
    site = make.site("新华村儿童之家")
    lecture = make.activity(site, day=DAY, guardians=True, volunteers=True)  # a parent lecture
    for role, data in (
        ("guardian", {"name": "韦丽娟", "relation": "mother", "phone": GUARDIAN_PHONE, "village": "新华村"}),
        ("volunteer", {"name": "黄志强", "phone": VOLUNTEER_PHONE, "village": "县团委"}),
    ):
        phone = app.test_client()
        url = f"/a/{lecture['token']}/{role}"
        fields = form_fields(phone.get(url).data)
        response = phone.post(url, data={**fields, **data})
        assert response.status_code == 302, page_text(response.data)
    return site


def day_view_text(app, user: dict, site: dict) -> str:
    client = app.test_client()
    login(client, user)
    response = client.get(f"/admin/sites/{site['id']}?day={DAY.isoformat()}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    return page_text(response.data)


def test_the_homes_own_manager_sees_the_numbers_they_collected(app, make, home):
    text = day_view_text(app, make.user("amy", sites=[home]), home)
    assert "韦丽娟" in text and "黄志强" in text
    assert GUARDIAN_PHONE in text and VOLUNTEER_PHONE in text


@pytest.mark.parametrize("reader", ["township_viewer", "admin"])
def test_a_township_viewer_and_a_district_admin_see_the_numbers_masked(app, make, home, reader):
    user = township_viewer(app, home) if reader == "township_viewer" else make.user("boss", role="admin")
    text = day_view_text(app, user, home)
    assert "韦丽娟" in text and "黄志强" in text  # the day itself is readable
    assert GUARDIAN_PHONE not in text and VOLUNTEER_PHONE not in text
    assert GUARDIAN_MASKED in text and VOLUNTEER_MASKED in text


def test_the_receipt_code_is_beside_the_name_where_a_phone_shows_it(app, make, home):
    """QA: on a 375px phone the receipt column was off-screen, so checking a grandparent's
    receipt code took a sideways scroll; it now follows the name."""
    import re

    client = app.test_client()
    login(client, make.user("amy", sites=[home]))
    html = client.get(f"/admin/sites/{home['id']}?day={DAY.isoformat()}", headers={"Accept-Language": "en"})
    headers = [page_text(row) for row in re.findall(r"<thead><tr>(.*?)</tr></thead>", html.get_data(as_text=True))]
    assert headers[0].split()[:5] == ["Correct", "Time", "Name", "Receipt", "Relation"]
