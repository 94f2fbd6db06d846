"""Workspace downloads of printables: posters, the poster QR rotation, sign-in sheets."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from formsvc.accounts.forms import LogoutForm
from formsvc.accounts.models import Role
from formsvc.accounts.scoping import site_for, visible_site_ids
from formsvc.activities.models import Activity
from formsvc.audit.services import record
from formsvc.documents.downloads import PDF_MIMETYPE, XLSX_MIMETYPE, download
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.printables.forms import RotateTokenForm
from formsvc.printables.posters import posters_pdf, sites_for_posters
from formsvc.printables.sheets import sheet_pdf, sheet_xlsx, signin_sheet
from formsvc.sites.rotation import rotate_site_token
from formsvc.urls import external_url
from formsvc.wechat import download_view

bp = Blueprint("printables", __name__, url_prefix="/admin")


@bp.context_processor
def _admin_template_globals():
    return {"logout_form": LogoutForm()}


@bp.route("/sites/<int:site_id>/poster.pdf")
@login_required
@download_view
def site_poster(site_id: int):
    site = site_for(current_user, site_id)
    pdf = posters_pdf([site])
    record("poster.print", user=current_user, site_id=site.id, target=site.name)
    db.session.commit()
    title = _("Sign-in poster") + f"-{site.name}"
    return download(pdf, PDF_MIMETYPE, f"poster-site-{site.id}.pdf", title=title)


@bp.route("/posters.pdf")
@login_required
@download_view
def all_posters():
    """Every active site the person may see (or one township's) in one PDF for the print shop."""
    township_id = request.args.get("township", type=int)
    sites = sites_for_posters(visible_site_ids(current_user), township_id)
    if not sites:
        abort(404)
    pdf = posters_pdf(sites)
    record(
        "poster.print_all",
        user=current_user,
        site_id=sites[0].id if len(sites) == 1 else None,
        target=f"township:{township_id}" if township_id else "",
        sites=len(sites),
    )
    db.session.commit()
    name = f"posters-township-{township_id}.pdf" if township_id else "posters.pdf"
    title = _("Sign-in posters") + "-" + (sites[0].township.name if township_id else _("all homes"))
    return download(pdf, PDF_MIMETYPE, name, title=title)


@bp.route("/sites/<int:site_id>/rotate-token", methods=["GET", "POST"])
@login_required
def rotate_token(site_id: int):
    site = site_for(current_user, site_id, write=True)
    form = RotateTokenForm()
    if form.validate_on_submit():
        rotate_site_token(site, current_user)
        db.session.commit()
        flash(_("The QR code was replaced. Please print the new poster and take the old ones down."))
        return redirect(url_for("manage.site_day", site_id=site.id, _anchor="poster"))
    return render_template(
        "admin/printables/rotate_token.html",
        site=site,
        form=form,
        poster_url=external_url("public.site_page", token=site.public_token),
    )


def _activity_for(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    site_for(current_user, activity.site_id)  # 404 for someone else's activity
    return activity


def _full_phones_asked() -> bool:
    """``?phones=full``: a district admin asked for unmasked phone numbers (audited as such)."""
    if request.args.get("phones") != "full":
        return False
    if current_user.role != Role.ADMIN:
        raise Forbidden()
    return True


def _sheet_names(activity: Activity, full_phones: bool, suffix: str) -> tuple[str, str]:
    """The file name and the title of a sign-in sheet: the day, the home, the activity; and
    whether it holds full phone numbers, so that copy is not the one forwarded by mistake."""
    name = f"signin-sheet-{activity.on_date:%Y%m%d}-{activity.id}{'-full-phones' if full_phones else ''}.{suffix}"
    parts = [_("Sign-in sheet"), activity.site.name, activity.on_date.isoformat(), activity.display_title]
    if full_phones:
        parts.append(_("full phone numbers"))
    return name, "-".join(parts)


@bp.route("/activities/<int:activity_id>/sheet.pdf")
@login_required
@download_view
def sheet_pdf_view(activity_id: int):
    activity = _activity_for(activity_id)
    full = _full_phones_asked()
    pdf = sheet_pdf(signin_sheet(activity, full_phones=full))
    action = "sheet.print_full_phones" if full else "sheet.print"
    record(action, user=current_user, site_id=activity.site_id, target=f"activity:{activity.id}", format="pdf")
    db.session.commit()
    name, title = _sheet_names(activity, full, "pdf")
    return download(pdf, PDF_MIMETYPE, name, title=title)


@bp.route("/activities/<int:activity_id>/sheet.xlsx")
@login_required
@download_view
def sheet_xlsx_view(activity_id: int):
    activity = _activity_for(activity_id)
    full = _full_phones_asked()
    body = sheet_xlsx(signin_sheet(activity, full_phones=full))
    action = "sheet.export_full_phones" if full else "sheet.export"
    record(action, user=current_user, site_id=activity.site_id, target=f"activity:{activity.id}", format="xlsx")
    db.session.commit()
    name, title = _sheet_names(activity, full, "xlsx")
    return download(body, XLSX_MIMETYPE, name, title=title)
