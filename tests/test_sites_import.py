"""Sites import against homes already in the list: it changes only what the file says, and says what."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from formsvc.audit.models import AuditEntry
from formsvc.extensions import db
from formsvc.sites.models import Site, SiteLevel, Township
from tests.conftest import form_fields, login, page_text


def admin_client(app, make):
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    return client


def upload(client, content: bytes, filename: str = "sites.csv"):
    fields = form_fields(client.get("/admin/sites/import").data)
    return client.post(
        "/admin/sites/import",
        data={"csrf_token": fields["csrf_token"], "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def confirm(client, preview):
    fields = form_fields(preview.data)
    assert "upload" in fields, page_text(preview.data)
    return client.post("/admin/sites/import/confirm", data=fields)


def model_home(app, make, **values) -> int:
    """城关镇东门社区儿童之家, a city model home with its village and address."""
    site_id = make.site("城关镇东门社区儿童之家", township="城关镇", village="东门社区")["id"]
    with app.app_context():
        site = db.session.get(Site, site_id)
        site.level = values.get("level", SiteLevel.CITY_MODEL)
        site.address = "城关镇东门路12号"
        db.session.commit()
    return site_id


def home(app, site_id: int) -> tuple:
    with app.app_context():
        site = db.session.get(Site, site_id)
        return (site.township.name, site.name, site.village, site.level, site.address)


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.execute(select(func.count(Site.id))).scalar_one(),
            db.session.execute(select(func.count(Township.id))).scalar_one(),
        )


KEPT = ("城关镇", "城关镇东门社区儿童之家", "东门社区", SiteLevel.CITY_MODEL, "城关镇东门路12号")


def test_a_missing_column_or_an_empty_cell_leaves_an_existing_home_alone(app, make):
    site_id = model_home(app, make)
    client = admin_client(app, make)
    files = [
        # The district's list: no 地址 column, the same village and level.
        "序号,乡镇,名称,村/社区,级别,负责人\n1,城关镇,城关镇东门社区儿童之家,东门社区,市级示范,韦主任\n",
        # Only the two required columns.
        "乡镇,名称\n城关镇,城关镇东门社区儿童之家\n",
        # Every column, every optional cell blank.
        "乡镇,名称,村/社区,级别,地址\n城关镇,城关镇东门社区儿童之家,,,\n",
    ]
    for content in files:
        text = page_text(upload(client, content.encode("gb18030")).data)
        assert "New: 0. Changed: 0. Unchanged: 1." in text, content
        assert "Nothing new to import." in text
    assert home(app, site_id) == KEPT
    help_text = page_text(client.get("/admin/sites/import", headers={"Accept-Language": "en"}).data)
    assert "To clear a value, use the home's edit page." in help_text


def test_the_preview_lists_each_change_and_the_audit_keeps_it(app, make):
    site_id = model_home(app, make)
    client = admin_client(app, make)
    content = "乡镇,名称,村/社区,级别,地址\n城关镇,城关镇东门社区儿童之家,东门社区,自治区级示范,\n"
    preview = upload(client, content.encode())
    text = page_text(preview.data)
    assert "New: 0. Changed: 1. Unchanged: 0." in text
    assert "城关镇东门社区儿童之家 Level: City model home → Region model home" in text
    assert "Address" not in text.split("What the import would do")[1]  # the blank address is no change
    assert confirm(client, preview).status_code == 302
    assert home(app, site_id) == (*KEPT[:3], SiteLevel.REGION_MODEL, KEPT[4])
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "site.import")).scalar_one()
        assert entry.details["updated"] == 1
        assert entry.details["changes"] == [
            {"site_id": site_id, "name": "城关镇东门社区儿童之家", "level": ["city_model", "region_model"]}
        ]


def test_a_new_home_still_gets_defaults_for_what_the_file_leaves_out(app, make):
    client = admin_client(app, make)
    preview = upload(client, "乡镇,名称,级别\n那坡乡,百合村儿童之家,\n".encode())
    confirm(client, preview)
    with app.app_context():
        site = db.session.execute(select(Site)).scalar_one()
        assert (site.name, site.village, site.level, site.address) == ("百合村儿童之家", "", SiteLevel.STANDARD, "")


def test_names_differing_only_by_spaces_or_full_width_are_the_same_home(app, make, runner, tmp_path):
    site_id = model_home(app, make)
    client = admin_client(app, make)
    content = (
        "乡镇,名称,村/社区,级别\n"
        "城关镇,城关镇东门社区　儿童之家,东门社区,市级示范\n"  # a full-width space, to line up a column
        "城关镇　,城关镇新华村儿童之家,新华村,\n"  # a new home of the same township
    )
    preview = upload(client, content.encode())
    assert "New: 1. Changed: 0. Unchanged: 1." in page_text(preview.data)
    confirm(client, preview)
    assert counts(app) == (2, 1)  # no second 东门社区 home, no second 城关镇
    assert home(app, site_id) == KEPT
    # The ledger finds the home by its name, as before.
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("站点,日期,类型,姓名,身份\n城关镇东门社区儿童之家,2025/9/1,日常开放,王小明,儿童\n")
    result = runner.invoke(args=["ledger", "import", str(ledger), "--dry-run"])
    assert result.exit_code == 0, result.output


def test_a_title_row_and_common_header_variants(app, make):
    site_id = model_home(app, make, level=SiteLevel.STANDARD)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2025年儿童之家名单"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "乡镇（街道）", "儿童之家名称", "村（社区）", "级别"])
    sheet.append([1, "城关镇", "城关镇东门社区儿童之家", "东门社区", "市级示范"])
    sheet.append([2, "那坡乡", "", "那坡村", "普通"])
    out = io.BytesIO()
    workbook.save(out)
    client = admin_client(app, make)
    text = page_text(upload(client, out.getvalue(), "名单.xlsx").data)
    # Rows are numbered as the sheet numbers them, columns named as its header does.
    assert "4 儿童之家名称 This cell must not be empty." in text
    del sheet["C4"]
    sheet.delete_rows(4)
    out = io.BytesIO()
    workbook.save(out)
    preview = upload(client, out.getvalue(), "名单.xlsx")
    assert "Level: Standard → City model home" in page_text(preview.data)
    confirm(client, preview)
    assert home(app, site_id)[3] == SiteLevel.CITY_MODEL


def test_missing_columns_are_named_even_under_a_title_row(app, make):
    client = admin_client(app, make)
    title_only = "2025年儿童之家名单\n序号,站名,村\n1,东门,东门社区\n"
    text = page_text(upload(client, title_only.encode()).data)
    assert "Missing columns: township, name." in text
    assert "within the first 10 rows" in text
    assert counts(app) == (0, 0)


def test_two_homes_already_differing_by_a_space_are_not_guessed_between(app, make):
    make.site("东门社区儿童之家", township="城关镇")
    make.site("东门社区 儿童之家", township="城关镇")
    client = admin_client(app, make)
    text = page_text(upload(client, "乡镇,名称,级别\n城关镇,东门社区儿童 之家,市级示范\n".encode()).data)
    assert "Several Children's Homes of 城关镇 are called “东门社区儿童 之家”" in text
    # Spelt exactly as one of them, the row means that one.
    text = page_text(upload(client, "乡镇,名称,级别\n城关镇,东门社区儿童之家,市级示范\n".encode()).data)
    assert "New: 0. Changed: 1. Unchanged: 0." in text
