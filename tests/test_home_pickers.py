"""Every picker of Children's Homes shows each home under its township.

QA: the survey's 所属 menu, the "在儿童之家随时填写" checkboxes and the results' 范围 menu were
ordered by township without showing it, so 125 homes read as shuffled (001, 003 … 059, then
000, 002 …). Menus now group the homes in an <optgroup> per township, checkbox lists write the
township first (城关镇 · …), as the accounts form did: one helper, places.home_choices.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.survey_helpers import make_template, spec

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def homes(make):
    """Names that sort otherwise than their townships do: by name alone the list is 甲 乙 丙 丁."""
    return {
        "甲": make.site(name="甲001村儿童之家", township="那坡乡"),
        "乙": make.site(name="乙000村儿童之家", township="城关镇"),
        "丙": make.site(name="丙003村儿童之家", township="那坡乡"),
        "丁": make.site(name="丁002村儿童之家", township="城关镇"),
    }


# Pinyin order: 城关镇 (cheng) before 那坡乡 (na); within each, the homes by their own names' pinyin.
GROUPED = [("城关镇", ["丁002村儿童之家", "乙000村儿童之家"]), ("那坡乡", ["丙003村儿童之家", "甲001村儿童之家"])]


def select_groups(html: str, name: str) -> list[tuple[str, list[str]]]:
    """The optgroups of the select ``name`` holding homes, with the homes' labels in order."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, name
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select.group(1), re.S)
    return [
        (label, re.findall(r"<option[^>]*>([^<]*)</option>", options))
        for label, options in groups
        if "儿童之家" in options
    ]


def checkbox_labels(html: str, name: str) -> list[str]:
    return re.findall(rf'<input[^>]*name="{name}"[^>]*>\s*<label[^>]*>([^<]*)</label>', html)


PREFIXED = [f"{township} · {home}" for township, names in GROUPED for home in names]


@pytest.fixture
def admin(client, make, homes):
    login(client, make.user("boss", role="admin"))


def test_the_survey_owner_menu_groups_homes_by_township(client, admin):
    html = client.get("/admin/surveys/new", headers=ZH).get_data(as_text=True)
    assert select_groups(html, "owner") == GROUPED
    assert re.search(r'<select[^>]*name="owner"[^>]*>\s*<option[^>]*value="district"', html)  # still first


def test_the_any_time_checkboxes_name_each_homes_township(app, client, admin):
    template_id = make_template(app, [spec("rating", "内容")])
    html = client.get(f"/admin/surveys/{template_id}/use", headers=ZH).get_data(as_text=True)
    assert checkbox_labels(html, "s-sites") == PREFIXED


def test_the_results_scope_menu_groups_homes_by_township(app, client, admin):
    template_id = make_template(app, [spec("rating", "内容")])
    html = client.get(f"/admin/surveys/{template_id}/results", headers=ZH).get_data(as_text=True)
    assert select_groups(html, "scope") == GROUPED
    townships = re.search(r'<optgroup label="乡镇/街道">(.*?)</optgroup>', html, re.S)
    assert townships is not None and re.findall(r"<option[^>]*>([^<]*)</option>", townships.group(1)) == [
        "城关镇",
        "那坡乡",
    ]


def test_the_tally_and_audit_menus_and_the_other_checklists_use_the_same_grouping(client, admin):
    assert select_groups(client.get("/admin/tallies", headers=ZH).get_data(as_text=True), "scope") == GROUPED
    assert select_groups(client.get("/admin/audit/", headers=ZH).get_data(as_text=True), "site") == GROUPED
    assert checkbox_labels(client.get("/admin/users/new", headers=ZH).get_data(as_text=True), "sites") == PREFIXED
    assert checkbox_labels(client.get("/admin/activities/new", headers=ZH).get_data(as_text=True), "sites") == PREFIXED


def test_a_home_picked_from_a_group_is_still_just_its_id(app, client, homes, admin):
    from tests.conftest import form_fields

    template_id = make_template(app, [spec("rating", "内容")])
    page = client.get(f"/admin/surveys/{template_id}/use", headers=ZH)
    data = {"s-csrf_token": form_fields(page.data)["s-csrf_token"], "s-sites": str(homes["丙"]["id"])}
    assert client.post(f"/admin/surveys/{template_id}/use/sites", data=data).status_code == 302
    results = client.get(f"/admin/surveys/{template_id}/results?scope=s{homes['丙']['id']}", headers=ZH)
    assert "丙003村儿童之家" in results.get_data(as_text=True).split("<h1>", 1)[1].split("</h1>", 1)[0]
