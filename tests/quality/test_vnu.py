"""The Nu HTML Checker (npm ``vnu-jar``, on the machine's Java) finds no error in the public pages.

Every page is saved as the server sends it — in Chinese and English, with larger text, a
form sent back with errors, WeChat's "open in the browser" page — and all of them are checked
in one Java run (about 3 s). Warnings are counted in the summary; errors fail.
"""

from __future__ import annotations

import json
import subprocess

from flask import render_template

from tests.browser_support import WECHAT_ANDROID
from tests.quality.conftest import (
    EN,
    ZH,
    guardian_form_with_errors,
    quality_table,
    require_command,
    require_npm_package,
)

VARIANTS = {"zh": "zh", "en": "en", "zhlarge": "zh, larger text"}  # file-name suffix: column


def saved_pages(app, public_site, folder) -> dict[str, object]:
    """Write each variant of each page to ``folder``; {file name: path}."""
    saved = {}

    def save(name: str, html: bytes) -> None:
        path = folder / f"{name}.html"
        path.write_bytes(html)
        saved[path.name] = path

    for variant, headers, large in (("zh", ZH, False), ("en", EN, False), ("zhlarge", ZH, True)):
        client = app.test_client()
        if large:
            client.get("/text/large")
        for page in public_site.pages:
            response = client.get(page.path, headers=headers)
            assert response.status_code == page.status, page
            save(f"{page.name}-{variant}", response.data)
        save(f"guardian-form-error-{variant}", guardian_form_with_errors(client, public_site.lecture, headers).data)
    with app.test_request_context("/admin/tallies/2026.pdf", headers={"User-Agent": WECHAT_ANDROID}):
        page = render_template(
            "wechat/open_in_browser.html",
            file_name="2026年统计表.pdf",
            file_url="http://formsvc.test/admin/tallies/2026.pdf",
            open_anyway="http://formsvc.test/admin/tallies/2026.pdf?in_wechat=open",
        )
        save("wechat-open-in-browser-zh", page.encode())
    return saved


def test_the_nu_html_checker_finds_no_errors(app, public_site, tmp_path, record_property):
    java = require_command("java")
    vnu = require_npm_package("vnu-jar/build/dist/vnu.jar")
    saved = saved_pages(app, public_site, tmp_path)

    completed = subprocess.run(
        [java, "-jar", str(vnu), "--format", "json", "--stdout", *map(str, saved.values())],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.stdout.strip(), completed.stderr[-2000:]
    messages = json.loads(completed.stdout)["messages"]
    counts = {name: {"error": 0, "warning": 0} for name in saved}
    errors = []
    for message in messages:
        name = message.get("url", "").rsplit("/", 1)[-1]
        kind = "error" if message["type"] in ("error", "non-document-error") else "warning"
        counts.setdefault(name, {"error": 0, "warning": 0})[kind] += 1
        if kind == "error":
            errors.append(f"{name}:{message.get('lastLine')}: {message['message']} — {message.get('extract', '')!r}")
    table: dict[str, dict[str, str]] = {}
    for name, count in counts.items():
        page, _dash, variant = name.removesuffix(".html").rpartition("-")
        cell = f"{count['error']}" + (f" ({count['warning']} warnings)" if count["warning"] else "")
        table.setdefault(page, {})[variant] = cell
    record_property(
        "quality",
        quality_table(
            "Nu HTML Checker: errors per saved page (bar: 0)",
            ["page", *VARIANTS.values()],
            [[page, *(cells.get(variant, "—") for variant in VARIANTS)] for page, cells in table.items()],
        ),
    )
    assert errors == []
