"""Pages a screen reader and a keyboard can use: errors tied to their field, one element per id, reachable boxes.

QA with axe and a screen reader: the guardian form's "relation" error sat in the fieldset with
no id, so moving onto the radios read "Father, radio button, 1 of 8" and nothing about it; the
roll-call page had two elements with id="q" (the search box and the add form's hidden copy).
"""

from __future__ import annotations

import re
from datetime import date

from tests.conftest import clock_stopped_at, form_fields, local, login

DAY = date(2026, 11, 27)
frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 0))


def test_a_radio_groups_error_is_tied_to_the_group_and_its_options(client, make):
    lecture = make.activity(make.site(), day=DAY, opens="14:00", closes="16:45", guardians=True)
    url = f"/a/{lecture['token']}/guardian"
    fields = form_fields(client.get(url).data)
    html = client.post(url, data={**fields, "name": "韦丽娟", "village": "新华村"}).get_data(as_text=True)
    assert re.search(r'<fieldset[^>]*aria-describedby="relation-error"', html)
    assert re.search(r'<p class="error" id="relation-error">', html)
    radios = re.findall(r'<input[^>]*name="relation"[^>]*>', html)
    assert radios
    for radio in radios:
        assert 'aria-describedby="relation-error"' in radio and 'aria-invalid="true"' in radio


def test_the_roll_call_page_has_one_element_per_id(app, make):
    site = make.site()
    daily = make.daily(site, DAY)
    client = app.test_client()
    login(client, make.user("amy", sites=[site]))
    html = client.get(f"/admin/activities/{daily['id']}/roll-call?q=王").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({found for found in ids if ids.count(found) > 1})


def test_the_tallys_sideways_scrolling_table_can_be_reached_by_keyboard(app, make):
    """axe scrollable-region-focusable: the per-home table box holds no link a keyboard could reach."""
    make.site()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    html = client.get("/admin/tallies?scope=district&period=2026").get_data(as_text=True)
    assert '<div class="table-scroll" tabindex="0" role="region" aria-labelledby="by-home">' in html
    assert '<h2 id="by-home">' in html
