"""The site manager's view of sign-ins: today across my sites, and any day at one site."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from formsvc.accounts.forms import LogoutForm
from formsvc.accounts.scoping import site_for, visible_sites
from formsvc.attendance.daybook import DayCounts, day_counts, daybook
from formsvc.documents.qr import qr_svg
from formsvc.timeutil import local_today
from formsvc.urls import external_url

bp = Blueprint("manage", __name__, url_prefix="/admin")


@bp.context_processor
def _admin_template_globals():
    return {"logout_form": LogoutForm()}


def _requested_day(default: date) -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return default


@bp.route("/")
@login_required
def dashboard():
    today = local_today()
    sites = visible_sites(current_user)
    counts = day_counts([site.id for site in sites], today)
    rows = [(site, counts.get(site.id, DayCounts())) for site in sites]
    totals = DayCounts(
        child_participations=sum(c.child_participations for _, c in rows),
        distinct_children=sum(c.distinct_children for _, c in rows),
        guardians=sum(c.guardians for _, c in rows),
        volunteers=sum(c.volunteers for _, c in rows),
    )
    return render_template("admin/dashboard.html", rows=rows, totals=totals, today=today)


@bp.route("/sites/<int:site_id>")
@login_required
def site_day(site_id: int):
    site = site_for(current_user, site_id)
    today = local_today()
    day = _requested_day(today)
    poster_url = external_url("public.site_page", token=site.public_token)
    return render_template(
        "admin/site_day.html",
        book=daybook(site, day),
        is_today=day == today,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        poster_url=poster_url,
        poster_qr=qr_svg(poster_url),
    )
