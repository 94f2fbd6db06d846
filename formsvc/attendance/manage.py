"""The site manager's view of sign-ins: today across my sites, and any day at one site."""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_interval
from flask import Blueprint, flash, render_template, request
from flask_babel import format_date, get_locale
from flask_login import current_user, login_required

from formsvc.accounts.forms import ActionForm
from formsvc.accounts.models import Role
from formsvc.accounts.scoping import site_for, visible_sites
from formsvc.activities.series import series_at
from formsvc.attendance.dashboard import DaySpan, is_quiet, last_activity_days, month_comparison, weekly_trend
from formsvc.attendance.daybook import DayCounts, day_counts, daybook
from formsvc.charts import bar_chart_svg
from formsvc.core import large_text
from formsvc.db import utcnow
from formsvc.documents.qr import qr_svg
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.timeutil import FIRST_YEAR, LAST_YEAR, local_today
from formsvc.urls import external_url

bp = Blueprint("manage", __name__, url_prefix="/admin")


def _requested_day(default: date) -> date:
    asked = request.args.get("day", "")
    try:
        day = date.fromisoformat(asked)
    except ValueError:
        if asked:  # a hand-edited or broken link: say so rather than quietly show another day
            flash(_("“%(day)s” is not a date, so this page shows today.", day=asked[:20]), "warning")
        return default
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # 9999-12-31 from the date picker: no next day to link
        flash(_("%(day)s is too far from today, so this page shows today.", day=format_date(day, "long")), "warning")
        return default
    return day


def _days_text(span: DaySpan) -> str:
    """The days a figure covers, as the reader says them: "Nov 1 – 29", "11月1日至29日"."""
    return format_interval(span.first, span.last, "MMMd", locale=get_locale())


@bp.route("/")
@login_required
def dashboard():
    now = utcnow()
    today = local_today(now)
    sites = visible_sites(current_user)
    counts = day_counts([site.id for site in sites], today)
    site_ids = [site.id for site in sites]
    last_days = last_activity_days(site_ids)
    rows = [(site, counts.get(site.id, DayCounts()), last_days.get(site.id)) for site in sites]
    totals = DayCounts(
        child_participations=sum(c.child_participations for _, c, _ in rows),
        distinct_children=sum(c.distinct_children for _, c, _ in rows),
        guardians=sum(c.guardians for _, c, _ in rows),
        volunteers=sum(c.volunteers for _, c, _ in rows),
    )
    trend = weekly_trend(site_ids, today)
    week_labels = [format_date(point.starts_on, "M/d") for point in trend]
    chart = bar_chart_svg(
        week_labels,
        [point.child_participations for point in trend],
        title=_("Child visits per week, last 12 weeks"),
        large_text=large_text(),
    )
    months = month_comparison(site_ids, today)
    return render_template(
        "admin/dashboard.html",
        rows=rows,
        totals=totals,
        today=today,
        figures_at=now,
        months=months,
        this_days=_days_text(months.this_days),
        last_days=_days_text(months.last_days),
        chart=chart,
        weeks=list(zip(week_labels, trend, strict=True)),
        quiet={site.id for site, _, last in rows if site.active and is_quiet(last, today)},
    )


@bp.route("/sites/<int:site_id>")
@login_required
def site_day(site_id: int):
    site = site_for(current_user, site_id)
    now = utcnow()
    today = local_today(now)
    day = _requested_day(today)
    poster_url = external_url("public.site_page", token=site.public_token)
    # The home's own managers collected these numbers and call the parents back; a township
    # viewer or district admin reading the day sees them masked, as on printouts.
    full_phones = current_user.role == Role.MANAGER and site in current_user.sites
    book = daybook(site, day, full_phones=full_phones, with_daily_opening=current_user.can_write)
    db.session.commit()  # keep the day's implicit activities (daily opening, series) the page links to
    return render_template(
        "admin/site_day.html",
        book=book,
        series=series_at(site),
        action_form=ActionForm(),
        is_today=day == today,
        figures_at=now,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        poster_url=poster_url,
        poster_qr=qr_svg(poster_url),
    )
