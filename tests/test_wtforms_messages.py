"""Every message WTForms itself can give comes out in the page's language.

QA: "'4' is not a valid choice for this field." stayed English on Chinese pages (a manager
scheduling at a home not hers; a survey answer sent as q3=99): WTForms' Chinese catalog marks it
fuzzy, so it is not used, and the app's own words (formsvc/i18n.py) did not cover it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import wtforms

from formsvc.i18n import reuse_wtforms_catalog
from tests.conftest import form_fields, login, page_text
from tests.survey_helpers import make_template, open_survey, spec, use_at_site

CJK = re.compile(r"[\u4e00-\u9fff]")


def wtforms_messages() -> list[tuple[str, ...]]:
    """The literal messages the installed WTForms passes to gettext (one) or ngettext (two)."""
    found: set[tuple[str, ...]] = set()
    for path in Path(wtforms.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            texts = tuple(
                arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
            if node.func.attr == "gettext" and len(texts) == 1:
                found.add(texts)
            elif node.func.attr == "ngettext" and len(texts) == 2:
                found.add(texts)
    return sorted(found)


def test_the_installed_wtforms_is_read():
    messages = wtforms_messages()
    assert len(messages) > 30
    assert (
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
    ) in (messages)


@pytest.mark.parametrize("message", wtforms_messages(), ids=lambda message: message[0][:40])
def test_each_wtforms_message_is_said_in_chinese(app, message):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        reuse_wtforms_catalog()
        from flask import request

        catalog = request.wtforms_translations
        said = catalog.ugettext(message[0]) if len(message) == 1 else catalog.ungettext(*message, 2)
    assert said != message[0] and CJK.search(said), (message, said)
    # The placeholders WTForms fills in afterwards are only those it gives (no KeyError, no stray %).
    placeholders = set(re.findall(r"%\((\w+)\)", said))
    assert placeholders <= set(re.findall(r"%\((\w+)\)", message[0])), said


def test_a_home_not_hers_is_refused_in_chinese(client, make):
    mine, other = make.site(name="甲村儿童之家"), make.site(name="乙村儿童之家")
    login(client, make.user(sites=[mine]))
    zh = {"Accept-Language": "zh-CN"}
    fields = form_fields(client.get("/admin/activities/new", headers=zh).data)
    fields.update(kind="other", day="2026-12-01", opens="09:00", closes="11:00", for_children="y")
    response = client.post("/admin/activities/new", data={**fields, "sites": str(other["id"])}, headers=zh)
    text = page_text(response.data)
    assert "请只在列出的选项中选择。" in text
    assert "not a valid choice" not in text and "乙村儿童之家" not in text


def test_a_survey_answer_that_is_no_option_is_refused_in_chinese(app, make):
    site = make.site()
    template_id = make_template(app, [spec("multiple", "喜欢哪些环节", options=["讲座", "游戏"])])
    token = use_at_site(app, template_id, site["id"])
    phone = app.test_client()
    zh = {"Accept-Language": "zh-CN"}
    _page, fields = open_survey(phone, token, **zh)
    response = phone.post(f"/q/{token}", data={**fields, "q1": "99"}, headers=zh)
    text = page_text(response.data)
    assert "请只在列出的选项中选择。" in text and "not a valid choice" not in text


def test_english_pages_keep_the_apps_english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        reuse_wtforms_catalog()
        from flask import request

        said = request.wtforms_translations.ungettext(
            "'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1
        )
    assert said == "Please choose only from the options shown."
