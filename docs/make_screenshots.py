"""Render the README's poster and tally images into docs/screenshots/; re-run after a change.

    .venv/bin/python docs/make_screenshots.py

A throwaway SQLite database gets the demo data (``flask seed-demo``) and a small ledger of
visits, volunteer days and a festival (``flask ledger import``); the command line then writes
the poster PDF (``flask posters``) and the district tally PDF of the last ten weeks
(``flask tally``), and ``pdftoppm`` rasterises the poster's first page at 50 dpi and the
landscape tally's pages at 72 dpi, so its figures stay legible, one under the other: the homes,
then the total with the breakdowns and the sign-off. Pillow reduces each PNG to a palette of
64 colours, which keeps it well under 150 KB. The phone screenshots next to them
come from ``make screenshots`` (tests/quality/test_screenshots.py).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formsvc.demo import DEMO_CHILDREN, DEMO_SITES  # noqa: E402  (after the path is set)

OUT = ROOT / "docs" / "screenshots"
FLASK = [sys.executable, "-m", "flask", "--app", "app"]
MAX_BYTES = 150 * 1024
# (PDF name, PNG name, resolution in dpi, pages shown)
IMAGES = (("posters.pdf", "poster.png", 50, 1), ("tally.pdf", "tally.png", 72, 2))


def flask(env: dict, *args: str) -> None:
    subprocess.run([*FLASK, *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def demo_ledger(today: date) -> str:
    """Past activities at every demo site, as a district would keep them in its ledger (台账)."""
    rows = ["站点,日期,类型,活动名称,姓名,身份,关系,类别"]
    for index, (_township, site, _village, _level) in enumerate(DEMO_SITES):
        festival = (today - timedelta(weeks=8, days=index)).isoformat()
        volunteer = (today - timedelta(weeks=5, days=index)).isoformat()
        visit = (today - timedelta(weeks=3, days=index)).isoformat()
        for number, child in enumerate(DEMO_CHILDREN):
            category = "留守" if number % 3 == 0 else ""
            rows.append(f"{site},{festival},节日活动,中秋游园,{child},儿童,,{category}")
            if number < 8:
                rows.append(f"{site},{volunteer},志愿服务,周末志愿辅导,{child},儿童,,")
            if number < 5 + index % 3:
                rows.append(f"{site},{visit},慰问,冬季慰问,{child},儿童,,{category}")
        for guardian, relation in (("王建国", "爷爷"), ("李秀英", "奶奶"), ("黄桂兰", "母亲")):
            rows.append(f"{site},{festival},节日活动,中秋游园,{guardian},家长,{relation},")
        for volunteer_name in ("覃老师", "县团委小陆"):
            rows.append(f"{site},{volunteer},志愿服务,周末志愿辅导,{volunteer_name},志愿者,,")
    return "\n".join(rows) + "\n"


def small_png(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64, dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def rasterise(pdf: Path, dpi: int, pages: int) -> bytes:
    """The first ``pages`` pages as one PNG, one under the other with a grey gap between them."""
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", str(pages), str(pdf), str(prefix)], check=True)
    images = [Image.open(png).convert("RGB") for png in sorted(pdf.parent.glob(f"{prefix.name}-*.png"))]
    gap = 8
    sheet = Image.new("RGB", (images[0].width, sum(image.height for image in images) + gap * (len(images) - 1)), "#bbb")
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height + gap
    out = io.BytesIO()
    sheet.save(out, format="PNG")
    return out.getvalue()


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is missing (Debian: apt-get install poppler-utils)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work / 'demo.db'}",
            "SECRET_KEY": "screenshots-only",
            "BASE_URL": "https://ertong.example.gov.cn",
        }
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        today = date.today()
        (work / "ledger.csv").write_text(demo_ledger(today), encoding="utf-8")
        flask(env, "ledger", "import", str(work / "ledger.csv"))
        flask(env, "posters", "--out", str(work / "posters.pdf"))
        period = ["--from", (today - timedelta(weeks=10)).isoformat(), "--to", today.isoformat()]
        flask(env, "tally", *period, "--format", "pdf", "--out", str(work / "tally.pdf"))
        OUT.mkdir(parents=True, exist_ok=True)
        for pdf_name, png_name, dpi, pages in IMAGES:
            png = small_png(rasterise(work / pdf_name, dpi, pages))
            if len(png) > MAX_BYTES:
                print(f"{png_name} is {len(png)} bytes, over {MAX_BYTES}", file=sys.stderr)
                return 1
            (OUT / png_name).write_bytes(png)
            print(f"docs/screenshots/{png_name}: {len(png) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
