"""axe-core finds no violation on any public page: in Chinese and English, with larger text,
and on a form sent back with errors.

axe is injected with Playwright's ``add_script_tag`` from the npm package. The pages' CSP
allows only same-origin scripts, so the axe phone's browser context bypasses the CSP; the
pages themselves are served exactly as always.
"""

from __future__ import annotations

import pytest

from tests.quality.conftest import guardian_form_with_errors_in_browser, quality_table, require_npm_package

pytestmark = pytest.mark.browser

RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return {
        passed: result.passes.length,
        violations: result.violations.map(v => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary),
        })),
    };
}"""


def axe_violations(page, axe_script) -> list[dict]:
    page.add_script_tag(path=str(axe_script))
    result = page.evaluate(RUN_AXE)
    assert result["passed"] > 10, "axe ran almost no rules: is the page empty?"
    return result["violations"]


def test_axe_finds_no_violations(live_server, public_site, open_phone_with, record_property):
    axe_script = require_npm_package("axe-core/axe.min.js")
    checked: dict[str, dict[str, int]] = {}
    found = []

    def check(variant: str, name: str, page) -> None:
        violations = axe_violations(page, axe_script)
        checked.setdefault(name, {})[variant] = len(violations)
        found.extend(f"{name} ({variant}): {v['id']} [{v['impact']}] {v['help']} — {v['nodes']}" for v in violations)

    variants = {  # the phone's locale is zh-CN; English is asked for by header
        "zh": {},
        "en": {"extra_http_headers": {"Accept-Language": "en"}},
        "zh, larger text": {},
    }
    for variant, options in variants.items():
        phone = open_phone_with(js=True, bypass_csp=True, **options)
        page = phone.page
        if "larger text" in variant:
            page.goto(f"{live_server}/text/large?next=/healthz")
        for public_page in public_site.pages:
            response = page.goto(live_server + public_page.path)
            assert response.status == public_page.status, public_page
            if "larger text" in variant:
                assert page.locator("html.large-text").count() == 1
            check(variant, public_page.name, page)
        guardian_form_with_errors_in_browser(page, live_server, public_site.lecture)
        check(variant, "guardian-form-error", page)

    rows = [[name, *(counts.get(variant, "—") for variant in variants)] for name, counts in checked.items()]
    record_property(
        "quality",
        quality_table("axe-core 4.14: violations per page (bar: 0)", ["page", *variants], rows),
    )
    assert found == []
