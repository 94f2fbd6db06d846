from formsvc.audit.services import record
from formsvc.extensions import db
from tests.conftest import login, page_text


def test_admin_filters_the_audit_log(app, make):
    site = make.site()
    admin = make.user("boss", role="admin")
    with app.app_context():
        record("site.create", site_id=site["id"], target="甲")
        record("tally.export", site_id=site["id"], target="全区 2026", scope="城关镇")
        db.session.commit()
    client = app.test_client()
    login(client, admin)
    everything = page_text(client.get("/admin/audit/").data)
    assert "site.create" in everything and "tally.export" in everything
    assert '"scope": "城关镇"' in everything  # Chinese as written, not \\u escapes
    exports = page_text(client.get("/admin/audit/?action=tally").data)
    assert "tally.export" in exports and "site.create" not in exports
    assert client.get("/admin/audit/?date_from=garbage").status_code == 200
