"""The sign-off line under a sheet (填表人：张三 … 审核人：王五) is not data, in every import.

QA: on an uploaded sign-in sheet, 填表人：张三 typed under the names was saved as a guardian
who counted in the day view and the tallies; the ledger import refused a whole file for its
sign-off line; the sites and roster imports already stopped there.
"""

from __future__ import annotations

from formsvc.attendance.models import AdultSignIn
from formsvc.attendance.review import review_queue
from formsvc.extensions import db
from formsvc.sites.models import Site
from tests.conftest import login, page_text
from tests.test_ledger_import import HEADER, district  # noqa: F401  (fixture)
from tests.test_ledger_import import upload as upload_ledger
from tests.test_sheet_upload import confirm, fill, home, template, upload  # noqa: F401  (fixture)
from tests.workspace_helpers import count, signed_in_client


def test_a_sign_off_typed_under_the_names_is_no_guardian(app, home):  # noqa: F811
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    rows = [("李秀英", "奶奶", None, None), (None, None, None, None), ("填表人：张三", None, None, None)]
    rows.append(("审核人：王五", None, None, None))
    preview = upload(client, lecture, fill(template(client, lecture), rows))
    text = page_text(preview.data)
    assert "the rows below it are the sheet's sign-off" in text and "张三" not in text.split("sign-off")[1]
    assert confirm(client, lecture, preview).status_code == 302
    assert count(app, AdultSignIn) == 1  # 李秀英 alone


def test_the_ledger_stops_at_its_sign_off_instead_of_refusing_the_file(app, district, tmp_path):  # noqa: F811
    client = app.test_client()
    login(client, district["boss"])
    ledger = HEADER + (
        "新华村儿童之家,2026-10-01,festival,国庆游园,王小明,child,,,,\n"
        "新华村儿童之家,2026-10-01,festival,国庆游园,李思琪,child,,,,\n"
        "填表人：张三,,,,,,,,,\n"
        "审核人：王五,,,,,,,,,\n"
    )
    preview = page_text(upload_ledger(client, ledger.encode()).data)
    assert "The file has errors" not in preview
    assert "Row 4 and the rows below it are the sheet's sign-off" in preview

    path = tmp_path / "台账.csv"
    path.write_text(ledger)
    result = app.test_cli_runner().invoke(args=["ledger", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    # The command line says it in English, as the rest of its lines (the quoted labels are the sheet's).
    assert "Row 4 and the rows below it are the sheet's sign-off" in result.output


def test_a_paper_slip_waiting_for_review_is_offered_its_roster_child(app, make):
    """QA: the check page named 蒙佳怡 as the likely child of 蒙佳恰, the review page did not."""
    site = make.site()
    make.child(site, "蒙佳怡")
    with app.app_context():
        from formsvc.attendance.models import Child, ChildStatus
        from formsvc.text import name_key

        db.session.add(
            Child(site_id=site["id"], name="蒙佳恰", name_key=name_key("蒙佳恰"), status=ChildStatus.TO_REVIEW)
        )
        db.session.commit()
        entries, _active = review_queue(db.session.get(Site, site["id"]))
        assert [[child.name for child in entry.suggestions] for entry in entries] == [["蒙佳怡"]]


def test_the_relation_and_child_written_with_a_slash_as_the_column_title_shows(app, home):  # noqa: F811
    """QA: the column is titled 关系/孩子, and 奶奶/王小明 was stored as one child's name."""
    client = signed_in_client(app, home["manager"])
    lecture = home["lecture"]["id"]
    preview = upload(client, lecture, fill(template(client, lecture), [("李秀英", "奶奶/王小明", None, None)]))
    assert "Grandmother (father's side) · 王小明" in page_text(preview.data)
