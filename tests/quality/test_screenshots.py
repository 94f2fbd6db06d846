"""The README's phone screenshots: the child sign-in form and the receipt at 360×640.

Every run takes them (into tests/artifacts/screenshots/) and checks the committed copies in
docs/screenshots/ are there, small and referenced from the README. To refresh the committed
copies after a change to the pages: ``make screenshots`` (UPDATE_SCREENSHOTS=1).
Pillow (a WeasyPrint dependency) reduces them to a palette of 128 colours: about a third of
the size, and text stays sharp.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from tests.browser_support import ARTIFACTS, PHONE_HEIGHT, PHONE_SCALE, PHONE_WIDTH
from tests.conftest import local

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture reports it: a skip outside CI, a failure in CI
    expect = None

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "screenshots"
NAMES = ("sign-in-form.png", "receipt.png")
MAX_BYTES = 150 * 1024


def small_png(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def receipt_at(app, activity: dict, day, hhmm: str) -> str:
    """A sign-in of 农浩然 by grandmother at ``hhmm`` local time; the receipt's path."""
    from formsvc.activities.models import Activity
    from formsvc.attendance.models import Relation
    from formsvc.attendance.services import sign_in_child
    from formsvc.extensions import db
    from formsvc.tokens import random_token

    hour, minute = map(int, hhmm.split(":"))
    with app.app_context():
        result = sign_in_child(
            db.session.get(Activity, activity["id"]),
            child_name="农浩然",
            signed_by=Relation.GRANDMOTHER,
            nonce=random_token(22),
            now=local(day.year, day.month, day.day, hour, minute),
        )
        db.session.commit()
        return f"/r/{result.submission.token}"


def test_readme_screenshots(app, live_server, public_site, open_phone_with, today):
    page = open_phone_with(js=True).page
    taken = {}
    page.goto(live_server + public_site.page("child-form").path)
    page.locator("#child_name").fill("农浩然")
    page.locator("label.pill").filter(has=page.get_by_text("奶奶", exact=True)).click()
    taken["sign-in-form.png"] = small_png(page.screenshot())
    # The receipt shows an after-school time, whenever the run happens.
    page.goto(live_server + receipt_at(app, public_site.after_school, today, "16:05"))
    expect(page.locator(".receipt-time")).to_have_text("16:05")
    taken["receipt.png"] = small_png(page.screenshot())

    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for name, png in taken.items():
        assert Image.open(io.BytesIO(png)).size == (PHONE_WIDTH * PHONE_SCALE, PHONE_HEIGHT * PHONE_SCALE)
        assert len(png) <= MAX_BYTES, (name, len(png))
        (folder / name).write_bytes(png)
        if os.environ.get("UPDATE_SCREENSHOTS"):
            COMMITTED.mkdir(parents=True, exist_ok=True)
            (COMMITTED / name).write_bytes(png)

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        committed = COMMITTED / name
        assert committed.exists(), f"{committed} is missing: make screenshots"
        assert committed.stat().st_size <= MAX_BYTES
        assert f"docs/screenshots/{name}" in readme
