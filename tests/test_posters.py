"""QR posters, token rotation and sign-in sheets: what is printed scans, is scoped and is audited."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from formsvc.accounts.models import Role
from formsvc.accounts.services import create_user
from formsvc.attendance.models import AdultRole, AdultSignIn, Attendance, Relation, Source
from formsvc.audit.models import AuditEntry
from formsvc.db import utcnow
from formsvc.extensions import db
from formsvc.sites.models import RetiredSiteToken, Site
from formsvc.text import name_key
from tests.conftest import clock_stopped_at, form_fields, local, login, page_text
from tests.pdftools import assert_a4, assert_only_named_fonts, decode_qr_codes, page_sizes, pdf_text, rasterise

DAY = date(2026, 11, 27)


frozen_afternoon = clock_stopped_at(local(2026, 11, 27, 16, 30))


@pytest.fixture
def homes(make):
    """Three sites in two townships, a district admin and a manager of the first site."""
    first = make.site("新华村儿童之家", township="城关镇", village="新华村")
    second = make.site("河西村儿童之家", township="城关镇", village="河西村")
    third = make.site("那坡村儿童之家", township="那坡乡", village="那坡村")
    admin = make.user("admin", role="admin")
    manager = make.user("amy", sites=[first])
    return {"first": first, "second": second, "third": third, "admin": admin, "manager": manager}


def audit_actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [(entry.action, entry.site_id) for entry in db.session.execute(select(AuditEntry)).scalars()]


def current_token(app, site) -> str:
    with app.app_context():
        return db.session.get(Site, site["id"]).public_token


def decoded_path(pdf: bytes, page: int = 1) -> str:
    codes = decode_qr_codes(rasterise(pdf, dpi=150, page=page))
    assert len(codes) == 1, codes
    assert codes[0].startswith("http://formsvc.test/s/")
    return urlsplit(codes[0]).path


def test_posters_need_a_login(client, homes):
    response = client.get(f"/admin/sites/{homes['first']['id']}/poster.pdf")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_the_poster_qr_leads_to_the_site_page(app, client, homes):
    login(client, homes["manager"])
    response = client.get(f"/admin/sites/{homes['first']['id']}/poster.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.data
    assert_a4(pdf)
    assert_only_named_fonts(pdf)
    text = pdf_text(pdf)
    assert "新华村儿童之家" in text and "城关镇" in text
    path = decoded_path(pdf)
    assert path == f"/s/{homes['first']['token']}"
    phone = app.test_client()
    landing = phone.get(path)
    assert landing.status_code == 302  # the one open activity: straight to its form
    form = phone.get(landing.headers["Location"])
    assert "新华村儿童之家" in page_text(form.data)
    assert ("poster.print", homes["first"]["id"]) in audit_actions(app)


def test_all_posters_in_one_pdf_for_the_print_shop(app, client, homes, make):
    make.site("停用儿童之家", township="那坡乡", active=False)
    login(client, homes["admin"])
    pdf = client.get("/admin/posters.pdf").data
    assert len(page_sizes(pdf)) == 3  # active sites only
    text = pdf_text(pdf)
    assert all(name in text for name in ("新华村儿童之家", "河西村儿童之家", "那坡村儿童之家"))
    assert "停用儿童之家" not in text
    paths = {decoded_path(pdf, page) for page in (1, 2, 3)}
    assert paths == {f"/s/{homes[key]['token']}" for key in ("first", "second", "third")}
    township = client.get(f"/admin/posters.pdf?township={homes['third']['township_id']}").data
    assert len(page_sizes(township)) == 1 and "那坡村儿童之家" in pdf_text(township)
    assert [action for action, _site in audit_actions(app)].count("poster.print_all") == 2


def test_a_manager_prints_only_own_posters(app, client, homes):
    login(client, homes["manager"])
    pdf = client.get("/admin/posters.pdf").data
    assert len(page_sizes(pdf)) == 1 and "新华村儿童之家" in pdf_text(pdf)
    assert client.get(f"/admin/posters.pdf?township={homes['third']['township_id']}").status_code == 404
    assert client.get(f"/admin/sites/{homes['second']['id']}/poster.pdf").status_code == 404


def test_posters_from_the_command_line(app, runner, homes, tmp_path):
    out = tmp_path / "posters.pdf"
    result = runner.invoke(args=["posters", "--out", str(out), "--township", str(homes["first"]["township_id"])])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert len(page_sizes(pdf)) == 2
    assert "poster.print_all" in [action for action, _site in audit_actions(app)]


def rotate(client, site_id: int, confirm: bool = True):
    page = client.get(f"/admin/sites/{site_id}/rotate-token")
    assert page.status_code == 200
    fields = form_fields(page.data)
    fields.pop("confirm", None)
    if confirm:
        fields["confirm"] = "y"
    return client.post(f"/admin/sites/{site_id}/rotate-token", data=fields)


def test_rotating_the_token_retires_the_old_poster(app, client, homes):
    old_token = homes["first"]["token"]
    login(client, homes["manager"])
    unconfirmed = rotate(client, homes["first"]["id"], confirm=False)
    assert unconfirmed.status_code == 200 and current_token(app, homes["first"]) == old_token
    response = rotate(client, homes["first"]["id"])
    assert response.status_code == 302
    new_token = current_token(app, homes["first"])
    assert new_token != old_token
    with app.app_context():
        retired = db.session.execute(select(RetiredSiteToken)).scalar_one()
        assert (retired.token, retired.site_id, retired.retired_by_id) == (
            old_token,
            homes["first"]["id"],
            homes["manager"]["id"],
        )
    old = app.test_client().get(f"/s/{old_token}", headers={"Accept-Language": "en"})
    assert old.status_code == 410
    text = page_text(old.data)
    assert "no longer valid" in text and "新华村儿童之家" in text
    assert "manager" in text and "district office" in text
    assert app.test_client().get("/s/neverexisted").status_code == 404
    pdf = client.get(f"/admin/sites/{homes['first']['id']}/poster.pdf").data
    assert decoded_path(pdf) == f"/s/{new_token}"
    assert ("site.rotate_token", homes["first"]["id"]) in audit_actions(app)


def test_rotating_also_retires_the_links_of_todays_and_later_activities(app, client, homes, make):
    from formsvc.activities.models import Activity
    from tests.lecture_helpers import TYPED, count, scan_path

    first = homes["first"]
    yesterday = make.daily(first, date(2026, 11, 26))
    today = make.daily(first, DAY)
    lecture = make.activity(first, day=DAY, opens="14:00", closes="18:00", guardians=True, rotating_code=True)
    next_week = make.activity(first, day=date(2026, 12, 4), guardians=True)
    elsewhere = make.daily(homes["second"], DAY)
    forwarded = app.test_client()  # a phone that opened the link forwarded in a WeChat group
    fields = form_fields(forwarded.get(f"/a/{today['token']}/child").data)

    login(client, homes["manager"])
    assert rotate(client, first["id"]).status_code == 302

    def token_of(activity: dict) -> str:
        with app.app_context():
            return db.session.get(Activity, activity["id"]).public_token

    assert token_of(yesterday) == yesterday["token"]  # the past stays as it was
    assert token_of(elsewhere) == elsewhere["token"]  # other homes are not touched
    for activity in (today, lecture, next_week):
        assert token_of(activity) != activity["token"]
    for path in (f"/a/{today['token']}/child", f"/a/{lecture['token']}/guardian", f"/a/{next_week['token']}/guardian"):
        old = app.test_client().get(path, headers={"Accept-Language": "en"})
        assert old.status_code == 410, path
        # The lecture on now (lecture mode) sends the person to its screen, which shows the new link.
        on_screen = lecture["token"] in path
        expected = "Scan the code on the screen" if on_screen else "no longer valid"
        assert expected in page_text(old.data) and first["name"] in page_text(old.data)
        # Back from a receipt lands here too: the page says a sign-in already made was not lost.
        assert "If you have already signed in, your sign-in still counts" in page_text(old.data)
    sent = forwarded.post(f"/a/{today['token']}/child", data={**fields, "child_name": "王小明", "consent": "y"})
    assert sent.status_code == 410
    assert count(app, Attendance) == 0

    # The new poster leads to the forms under their new links, and they sign in.
    phone = app.test_client()
    landing = phone.get(f"/s/{current_token(app, first)}").get_data(as_text=True)
    new_link = f"/a/{token_of(today)}/child"
    assert f'href="{new_link}"' in landing and today["token"] not in landing
    fields = form_fields(phone.get(new_link).data)
    assert phone.post(new_link, data={**fields, "child_name": "王小明", "consent": "y"}).status_code == 302
    # The lecture's screen builds its code from the activity: it carries the new link and works.
    path = scan_path(app, lecture)
    assert path.startswith(f"/k/{token_of(lecture)}/")
    scanned = phone.get(path)
    assert scanned.headers["Location"] == f"/a/{token_of(lecture)}/guardian"
    fields = form_fields(phone.get(scanned.headers["Location"]).data)
    assert phone.post(scanned.headers["Location"], data={**fields, **TYPED}).status_code == 302
    assert count(app, Attendance) == 1 and count(app, AdultSignIn) == 1
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "site.rotate_token")).scalar_one()
        assert entry.details["activity_links"] == 3


def test_only_the_sites_manager_or_an_admin_may_rotate(app, client, homes):
    with app.app_context():
        create_user(
            username="tina",
            password="secret-pass-1",
            role=Role.TOWNSHIP_VIEWER,
            township_id=homes["first"]["township_id"],
        )
        db.session.commit()
    login(client, homes["manager"])
    assert client.get(f"/admin/sites/{homes['second']['id']}/rotate-token").status_code == 404
    fields = form_fields(client.get(f"/admin/sites/{homes['first']['id']}/rotate-token").data)
    response = client.post(f"/admin/sites/{homes['second']['id']}/rotate-token", data={**fields, "confirm": "y"})
    assert response.status_code == 404
    viewer = app.test_client()
    login(viewer, {"username": "tina", "password": "secret-pass-1"})
    assert viewer.get(f"/admin/sites/{homes['first']['id']}/rotate-token").status_code == 403
    assert current_token(app, homes["second"]) == homes["second"]["token"]
    admin = app.test_client()
    login(admin, homes["admin"])
    assert rotate(admin, homes["second"]["id"]).status_code == 302
    assert current_token(app, homes["second"]) != homes["second"]["token"]


def test_a_posted_rotation_needs_the_csrf_token(app, client, homes):
    login(client, homes["admin"])
    response = client.post(f"/admin/sites/{homes['first']['id']}/rotate-token", data={"confirm": "y"})
    assert response.status_code == 200
    assert current_token(app, homes["first"]) == homes["first"]["token"]


# --- sign-in sheets -------------------------------------------------------------------------


@pytest.fixture
def lecture(app, make, homes):
    """A lecture with digital sign-ins, a voided one and one typed in from paper."""
    activity = make.activity(homes["first"], day=DAY, children=True, guardians=True, volunteers=True)
    child = make.child(homes["first"], "王小明")
    voided_child = make.child(homes["first"], "李撤销")
    paper_child = make.child(homes["first"], "张纸质")
    with app.app_context():
        db.session.add_all(
            [
                Attendance(
                    activity_id=activity["id"], child_id=child, source=Source.QR, signed_by=Relation.GRANDMOTHER
                ),
                Attendance(activity_id=activity["id"], child_id=voided_child, source=Source.QR, voided_at=utcnow()),
                Attendance(activity_id=activity["id"], child_id=paper_child, source=Source.PAPER),
                AdultSignIn(
                    activity_id=activity["id"],
                    role=AdultRole.GUARDIAN,
                    name="韦丽娟",
                    name_key=name_key("韦丽娟"),
                    relation=Relation.MOTHER,
                    phone="13812345678",
                    village="新华村",
                    child_name="王小明",
                    source=Source.QR,
                ),
                AdultSignIn(
                    activity_id=activity["id"],
                    role=AdultRole.VOLUNTEER,
                    name="=HYPERLINK(1)",
                    name_key="=hyperlink(1)",
                    source=Source.ROLL_CALL,
                ),
            ]
        )
        db.session.commit()
    return activity


def test_the_sign_in_sheet_lists_digital_sign_ins_then_blank_rows(app, client, homes, lecture):
    login(client, homes["manager"])
    response = client.get(f"/admin/activities/{lecture['id']}/sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    assert_a4(pdf)
    assert_only_named_fonts(pdf)
    text = pdf_text(pdf)
    assert "新华村儿童之家" in text
    assert "王小明" in text and "韦丽娟" in text and "138****5678" in text
    assert "13812345678" not in text
    assert "李撤销" not in text and "张纸质" not in text
    numbers = [int(line) for line in text.split() if line.isdigit() and int(line) < 200]
    assert max(numbers) >= 3 + 20
    assert ("sheet.print", homes["first"]["id"]) in audit_actions(app)
    assert "家庭教育讲座（家教宣讲）" in text


def test_a_daily_openings_sheet_names_it_once(app, client, make, homes):
    daily = make.daily(homes["first"], DAY)
    login(client, homes["manager"])
    text = pdf_text(client.get(f"/admin/activities/{daily['id']}/sheet.pdf").data)
    assert "日常开放" in text and "日常开放（日常开放）" not in text


def test_the_sheet_template_in_excel_carries_the_activity_id(app, client, homes, lecture):
    from openpyxl import load_workbook

    from formsvc.printables.sheets import XLSX_ACTIVITY_ID_CELL, XLSX_ACTIVITY_ID_NAME, XLSX_HEADER_ROW

    login(client, homes["manager"])
    response = client.get(f"/admin/activities/{lecture['id']}/sheet.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.active
    assert sheet[XLSX_ACTIVITY_ID_CELL].value == lecture["id"]
    defined = workbook.defined_names[XLSX_ACTIVITY_ID_NAME]
    ((title, cell),) = list(defined.destinations)
    assert workbook[title][cell.replace("$", "")].value == lecture["id"]
    header = [cell.value for cell in sheet[XLSX_HEADER_ROW]]
    assert len(header) == 6
    rows = list(sheet.iter_rows(min_row=XLSX_HEADER_ROW + 1, values_only=True))
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= 3 + 20
    names = [row[1] for row in rows if row[1]]
    assert set(names) == {"王小明", "韦丽娟", "=HYPERLINK(1)"}  # as typed, no stray quote in front
    (typed,) = [row[1] for row in sheet.iter_rows(min_row=XLSX_HEADER_ROW + 1) if row[1].value == "=HYPERLINK(1)"]
    assert typed.data_type == "s" and typed.quotePrefix  # text, never a formula, also after an edit
    assert "138****5678" in [row[4] for row in rows]
    assert sheet.freeze_panes == f"A{XLSX_HEADER_ROW + 1}"
    assert ("sheet.export", homes["first"]["id"]) in audit_actions(app)


def test_another_managers_sheet_is_not_found(app, client, make, homes):
    other = make.activity(homes["second"], day=DAY)
    login(client, homes["manager"])
    assert client.get(f"/admin/activities/{other['id']}/sheet.pdf").status_code == 404
    assert client.get(f"/admin/activities/{other['id']}/sheet.xlsx").status_code == 404
    assert client.get("/admin/activities/999999/sheet.pdf").status_code == 404


def test_the_sites_page_offers_every_poster_and_each_townships(app, client, homes):
    login(client, homes["admin"])
    page = client.get("/admin/sites/").get_data(as_text=True)
    links = [unescape(link) for link in re.findall(r'href="(/admin/posters\.pdf[^"]*)"', page)]
    assert len(links) == 3  # all, and each of the two townships
    pages = [len(page_sizes(client.get(link).data)) for link in links]
    assert pages == [3, 2, 1] or pages == [3, 1, 2]

    login(client, homes["manager"])  # one home in one township: just the one link
    page = client.get("/admin/sites/").get_data(as_text=True)
    assert re.findall(r'href="(/admin/posters\.pdf[^"]*)"', page) == ["/admin/posters.pdf"]
