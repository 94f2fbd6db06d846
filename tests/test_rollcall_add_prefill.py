"""Roll-call: a search for a name that finds nobody fills the add-a-child box with that name;
pinyin or initials (zyt) do not, being no name to add."""

from __future__ import annotations

import pytest

from formsvc.text import has_han
from tests.conftest import clock_stopped_at
from tests.workspace_helpers import DAY, NOW, fields_of, signed_in_client

frozen_afternoon = clock_stopped_at(NOW)


@pytest.fixture
def home(app, make):
    site = make.site()
    daily = make.daily(site, DAY)
    make.child(site, "王小明")
    return {"daily": daily, "manager": make.user("amy", sites=[site])}


def add_box(client, home, query: str) -> dict[str, str]:
    html = client.get(f"/admin/activities/{home['daily']['id']}/roll-call", query_string={"q": query}).data
    return fields_of(html, "add")


@pytest.mark.parametrize(
    ("query", "prefilled"), [("韦丽丽", "韦丽丽"), ("韦 丽丽 ", "韦丽丽"), ("热依拉·艾力", "热依拉·艾力")]
)
def test_a_name_nobody_has_goes_into_the_add_box(app, home, query, prefilled):
    client = signed_in_client(app, home["manager"])
    box = add_box(client, home, query)
    assert box["name"] == prefilled
    assert box["q"] == query.strip()  # the search still comes back after the add


@pytest.mark.parametrize("query", ["zyt", "wei", "ZYT", "", "小明"])
def test_initials_or_a_name_found_leave_the_add_box_empty(app, home, query):
    client = signed_in_client(app, home["manager"])
    assert add_box(client, home, query).get("name", "") == ""


def test_has_han():
    assert has_han("韦丽丽") and has_han("w丽") and has_han("𠮷")
    assert not has_han("zyt") and not has_han("ｗｘｍ") and not has_han("") and not has_han(None)
