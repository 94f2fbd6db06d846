import re

from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.sites.models import Site, Township
from tests.conftest import login, page_text
from tests.survey_helpers import RATING, make_template, spec

ZH = {"Accept-Language": "zh-CN"}


def table_rows(html: bytes | str) -> list[str]:
    """The visible text of each row of the log (the filter's menu of every action left out)."""
    html = html.decode() if isinstance(html, bytes) else html
    return [page_text(row) for row in html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]]


def test_admin_filters_the_audit_log(app, make):
    site = make.site()
    admin = make.user("boss", role="admin")
    with app.app_context():
        record("site.create", site_id=site["id"], target="甲")
        record("tally.export", site_id=site["id"], target="全区 2026", scope="城关镇")
        db.session.commit()
    client = app.test_client()
    login(client, admin)
    everything = " ".join(table_rows(client.get("/admin/audit/", headers=ZH).data))
    assert "新建儿童之家" in everything and "导出统计表" in everything
    assert "城关镇" in everything and "\\u" not in everything  # Chinese as written, not \\u escapes
    exports = table_rows(client.get("/admin/audit/?action=tally", headers=ZH).data)
    assert len(exports) == 1 and "导出统计表" in exports[0]
    assert client.get("/admin/audit/?date_from=garbage").status_code == 200


def test_each_action_says_what_it_was_and_one_can_be_picked(app, make):
    site = make.site()
    with app.app_context():
        record("sheet.print", site_id=site["id"], target="activity:1", format="pdf")
        record("sheet.print_full_phones", site_id=site["id"], target="activity:1", format="pdf")
        record("made.up", target="x")
        db.session.commit()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    rows = table_rows(client.get("/admin/audit/", headers=ZH).data)
    titles = [row.split(" 命令行 ", 1)[1] for row in rows]  # after the time and who
    assert any(title.startswith("打印签到表（完整手机号）") for title in titles)
    assert any(title.startswith("打印签到表 ") for title in titles)
    assert any(title.startswith("made.up") for title in titles)  # a code without a title is shown as stored
    assert not any("sheet.print" in row for row in rows)
    full = table_rows(client.get("/admin/audit/?action=sheet.print_full_phones", headers=ZH).data)
    assert len(full) == 1 and "打印签到表（完整手机号）" in full[0]  # one action, not its prefix
    assert "活动 #1" in full[0] and "activity:1" not in full[0]  # no longer on file: its kind and number


def test_every_action_the_app_records_has_a_title():
    """A new audit code gets its words in formsvc/audit/actions.py (found by reading the sources)."""
    import re
    from pathlib import Path

    from formsvc.audit.actions import ACTION_TITLES

    files = [path.read_text() for path in Path("formsvc").rglob("*.py")]
    sources = "\n".join(files)
    literal = re.findall(r'record\(\s*"([a-z_]+\.[a-z_]+)"|"([a-z_]+\.[a-z_]+)" if ', sources)
    recorded = {code for pair in literal for code in pair if code}
    # record(f"site.{action}") in a view whose route takes <any(activate, deactivate):action>
    for text in files:
        for prefix in re.findall(r'record\(f"([a-z_]+)\.\{action\}"', text):
            for choices in re.findall(r"<any\(([^)]*)\):action>", text):
                recorded |= {f"{prefix}.{choice.strip()}" for choice in choices.split(",")}
    assert recorded and recorded <= set(ACTION_TITLES), recorded - set(ACTION_TITLES)


def test_the_log_names_what_each_entry_is_about_and_labels_its_details(app, make):
    """QA: the clerk saw township:1, site:1 and a line of JSON cut off at the right edge."""
    site = make.site(name="新华村儿童之家")
    survey = make_template(app, [spec(RATING, "讲座内容")], title="讲座满意度")
    with app.app_context():
        township_id = db.session.get(Site, site["id"]).township_id
        record("tally.export", target=f"township:{township_id}", format="xlsx", date_from="2026-10-01")
        record("tally.export", site_id=site["id"], target=f"site:{site['id']}", format="pdf")
        record("tally.export", target="district", format="csv")
        record("made.up", target="site:999999")  # gone since: shown as stored
        record("survey.export", target=f"survey_templates:{survey}", format="xlsx")
        db.session.commit()
        township = db.session.get(Township, township_id).name
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    rows = table_rows(client.get("/admin/audit/", headers=ZH).data)

    def row_of(text: str) -> str:
        return next(row for row in rows if text in row)

    assert f"导出统计表 {township} 从：2026-10-01 格式：Excel" in row_of("从：2026-10-01")
    assert "导出统计表 新华村儿童之家 新华村儿童之家 格式：PDF" in row_of("格式：PDF")
    assert "导出统计表 全区 格式：CSV" in row_of("格式：CSV")
    assert "导出问卷结果 讲座满意度 格式：Excel" in row_of("导出问卷结果")
    assert "made.up 儿童之家 #999999" in row_of("made.up")  # gone since: its kind and number
    text = " ".join(rows)
    assert "{" not in text and not re.search(r"[a-z_]+:\d", text)  # no JSON, no code:id
    assert "township" not in text and "district" not in text and "tally.export" not in text


def test_codes_in_the_details_are_shown_in_words(app, make):
    """QA: 角色: township_viewer, 状态: active, 儿童之家: [3] and a change as raw JSON."""
    site = make.site(name="河西村儿童之家")
    with app.app_context():
        record("user.edit", target="baihe", role="township_viewer", sites=[site["id"]])
        record("child.update", target="child:1", status="active", kind="parent_training")
        record("site.edit", site_id=site["id"], target="河西村儿童之家", changes={"address": ["", "东门路8号"]})
        record("user.create", target="old", role="retired_role")  # a code this version does not know
        db.session.commit()
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    text = " ".join(table_rows(client.get("/admin/audit/", headers=ZH).data))
    assert "角色：乡镇查看员" in text and "儿童之家：河西村儿童之家" in text
    assert "状态：在册" in text and "类型：家教宣讲" in text
    assert "改动：地址：— → 东门路8号" in text
    assert "角色：retired_role" in text
    assert "township_viewer" not in text and "[" not in text


def test_a_voided_sign_in_is_named_by_child_and_activity(app, make):
    from datetime import date

    from formsvc.attendance.models import Attendance, Source

    site = make.site()
    activity = make.activity(site, day=date(2026, 11, 27), title="周末阅读")
    child_id = make.child(site, "韦小红")
    with app.app_context():
        attendance = Attendance(child_id=child_id, activity_id=activity["id"], source=Source.ROLL_CALL)
        db.session.add(attendance)
        db.session.flush()
        record("attendance.void", site_id=site["id"], target=f"attendance:{attendance.id}", reason="点错了")
        db.session.commit()
        target = f"attendance:{attendance.id}"
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    text = " ".join(table_rows(client.get("/admin/audit/", headers=ZH).data))
    assert "作废儿童签到 新华村儿童之家 韦小红 · 周末阅读 2026-11-27 原因：点错了" in text
    assert target not in text
