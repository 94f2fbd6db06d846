"""The tally page and its PDF, Excel and CSV downloads; all scoped to what the person may see."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from formsvc.accounts.forms import LogoutForm
from formsvc.accounts.models import Role, User
from formsvc.accounts.scoping import visible_site_ids, visible_sites
from formsvc.audit.services import record
from formsvc.charts import bar_chart_svg
from formsvc.core import large_text
from formsvc.documents.downloads import CSV_MIMETYPE, PDF_MIMETYPE, XLSX_MIMETYPE, download
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.places import home_choices, place_sort_key
from formsvc.sites.models import Site, Township
from formsvc.tallies.exports import tally_context, tally_csv, tally_pdf, tally_xlsx
from formsvc.tallies.forms import TallyForm
from formsvc.tallies.periods import Scope, parse_scope, period_range
from formsvc.tallies.report import key_figures_paragraph
from formsvc.tallies.services import Tally, compute_tally
from formsvc.timeutil import local_today
from formsvc.wechat import download_view

bp = Blueprint("tallies", __name__, url_prefix="/admin")

EXPORTS = {
    "pdf": (PDF_MIMETYPE, tally_pdf),
    "xlsx": (XLSX_MIMETYPE, tally_xlsx),
    "csv": (CSV_MIMETYPE, tally_csv),
}


@bp.context_processor
def _admin_template_globals():
    return {"logout_form": LogoutForm()}


def scope_choices(user: User) -> list[SelectChoice]:
    """The scopes ``user`` may tally, grouped for the select: district, townships, then the
    homes under their townships."""
    scopes: list[SelectChoice] = []
    if user.role == Role.ADMIN:
        scopes.append(SelectChoice("district", _("Whole district"), optgroup=_("District")))
    if user.role in (Role.ADMIN, Role.TOWNSHIP_VIEWER):
        townships = db.session.execute(
            select(Township.id, Township.name).where(
                Township.id.in_(select(Site.township_id).where(Site.id.in_(visible_site_ids(user))))
            )
        ).all()
        townships.sort(key=lambda row: place_sort_key(row[1]))
        scopes += [SelectChoice(f"township:{id_}", name, optgroup=_("Townships")) for id_, name in townships]
    return scopes + home_choices(visible_sites(user), value=lambda site: f"site:{site.id}")


def quick_periods(today: date) -> list[tuple[str, str]]:
    quarter = (today.month - 1) // 3 + 1
    return [
        (f"{today.year}-{today.month:02d}", _("This month")),
        (f"{today.year}-Q{quarter}", _("This quarter")),
        (str(today.year), _("This year")),
        (str(today.year - 1), _("Last year")),
    ]


def _tally_from_request() -> tuple[TallyForm, Tally | None, str | None]:
    """Read scope and period from the query string; a scope the person may not see is a 404."""
    form = TallyForm(request.args)
    form.scope.choices = scope_choices(current_user)
    allowed = [choice.value for choice in form.scope.choices]
    if not allowed:
        abort(404)
    if not form.scope.data:
        form.scope.data = allowed[0]
    if form.scope.data not in allowed:
        abort(404)
    if not form.period.data and not (form.date_from.data or form.date_to.data):
        form.period.data = f"{local_today().year}-{local_today().month:02d}"
    if not form.validate():
        return form, None, None
    try:
        scope: Scope = parse_scope(form.scope.data)
        if form.date_from.data or form.date_to.data:
            if not (form.date_from.data and form.date_to.data):
                raise DomainError(_("Please give both dates, or a period."), code="bad_period")
            date_from, date_to = form.date_from.data, form.date_to.data
        else:
            date_from, date_to = period_range(form.period.data)
        tally = compute_tally(scope, date_from, date_to, allowed_site_ids=visible_site_ids(current_user))
    except DomainError as error:
        # Beside the field it is about, where the focus goes (a banner above the page was not read out).
        dated = form.date_from.data or form.date_to.data
        wrong = (form.date_from if not form.date_from.data else form.date_to) if dated else form.period
        wrong.errors = [*wrong.errors, error.message]
        return form, None, error.message
    return form, tally, None


@bp.route("/tallies")
@login_required
def index():
    form, tally, problem = _tally_from_request()
    context = {}
    if tally is not None:
        figures = tally.total.figures
        context = tally_context(tally)
        kinds = [kind for kind, _title in context["kinds"]]
        titles = [title for _kind, title in context["kinds"]]
        large = large_text()
        context["charts"] = [
            bar_chart_svg(
                titles,
                [figures.activities_by_kind[k] for k in kinds],
                title=_("Activities by kind"),
                large_text=large,
            ),
            bar_chart_svg(
                titles,
                [figures.participations_by_kind[k] for k in kinds],
                title=_("Child visits by kind of activity"),
                large_text=large,
            ),
        ]
        if tally.scope.kind == "district":
            context["paragraph"] = key_figures_paragraph(tally)
    return render_template(
        "admin/tallies/index.html",
        form=form,
        problem=None if form.errors else problem,  # shown beside its field
        quick_periods=quick_periods(local_today()),
        query=request.args.to_dict(),
        **context,
    )


@bp.route("/tallies.<any(pdf, xlsx, csv):fmt>")
@login_required
@download_view
def export(fmt: str):
    form, tally, problem = _tally_from_request()
    if tally is None:
        abort(400)
    mimetype, render = EXPORTS[fmt]
    body = render(tally)
    record(
        "tally.export",
        user=current_user,
        # One home's tally is found by the audit log's home filter; a township's or the district's by its target.
        site_id=tally.scope.id if tally.scope.kind == "site" else None,
        target=str(tally.scope),
        format=fmt,
        date_from=tally.date_from.isoformat(),
        date_to=tally.date_to.isoformat(),
    )
    db.session.commit()
    name = f"tally-{str(tally.scope).replace(':', '-')}-{tally.date_from:%Y%m%d}-{tally.date_to:%Y%m%d}.{fmt}"
    return download(body, mimetype, name, title=f"{_('Tally')}-{tally.scope_label}-{tally.period_label}")
