"""Counted homes on the tally page and its PDF: "1 home", "2 homes" in English, "1 个" and "2 个"
alike in Chinese (one plural form) and in full-width brackets, never "Total (1 homes)"."""

from __future__ import annotations

import re

from tests.conftest import clock_stopped_at, local, login, page_text
from tests.pdftools import pdf_text

EN = {"Accept-Language": "en"}

frozen = clock_stopped_at(local(2026, 11, 27, 10, 0))


def test_one_home_is_said_in_the_singular_and_more_in_the_plural(client, make):
    alone = make.site("龙湾村儿童之家", township="那坡乡", village="龙湾村")
    make.site("新华村儿童之家")
    make.site("河西村儿童之家", village="河西村")
    login(client, make.user("clerk", role="admin"))

    one = page_text(client.get(f"/admin/tallies?scope=site:{alone['id']}", headers=EN).data)
    assert "Total (1 home)" in one and "1 homes" not in one

    district = page_text(client.get("/admin/tallies?scope=district", headers=EN).data)
    assert "Subtotal (1 home)" in district and "Subtotal (2 homes)" in district
    assert "Total (3 homes)" in district and "1 homes" not in district

    pdf = re.sub(r"\s+", " ", pdf_text(client.get("/admin/tallies.pdf?scope=district", headers=EN).data))
    assert "(1 home)" in pdf and "(2 homes)" in pdf and "(3 homes)" in pdf and "1 homes" not in pdf

    chinese = page_text(client.get("/admin/tallies?scope=district", headers={"Accept-Language": "zh-CN"}).data)
    assert "小计（1 个）" in chinese and "小计（2 个）" in chinese and "合计（3 个）" in chinese
    pdf = re.sub(
        r"\s+", "", pdf_text(client.get("/admin/tallies.pdf?scope=district", headers={"Accept-Language": "zh-CN"}).data)
    )
    assert "小计（1个）" in pdf and "合计（3个）" in pdf
