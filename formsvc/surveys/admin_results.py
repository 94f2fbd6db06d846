"""Survey results in the workspace: on screen, as PDF and as XLSX; hiding abusive comments."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from wtforms.fields.choices import SelectChoice

from formsvc.accounts.forms import ActionForm
from formsvc.accounts.models import Role
from formsvc.accounts.scoping import site_for, visible_site_ids, visible_sites
from formsvc.audit.services import record
from formsvc.core import large_text
from formsvc.db import utcnow
from formsvc.documents.downloads import PDF_MIMETYPE, XLSX_MIMETYPE, dated_name, download
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.places import home_choices
from formsvc.sites.models import Site
from formsvc.surveys.access import template_for
from formsvc.surveys.answering import survey_locale
from formsvc.surveys.exports import results_pdf, results_xlsx
from formsvc.surveys.figures import charts_for, mean_text, percent
from formsvc.surveys.forms import ResultsFilterForm
from formsvc.surveys.models import SurveyAnswer, SurveyTemplate
from formsvc.surveys.results import ResultFilter, survey_results
from formsvc.surveys.services import usable_at
from formsvc.urls import safe_next
from formsvc.wechat import download_view

bp = Blueprint("survey_results", __name__, url_prefix="/admin/surveys")


def _scope_choices(template: SurveyTemplate) -> list[SelectChoice]:
    """The whole of the user's scope, each township in it, each site in it (where the survey may run)."""
    sites = [site for site in visible_sites(current_user) if usable_at(template, site.id)]
    everything = _("Whole district") if current_user.is_admin else _("All my Children's Homes")
    scopes = [SelectChoice("all", everything)]
    townships = {site.township_id: site.township.name for site in sites}
    if len(townships) > 1:
        scopes += [SelectChoice(f"t{id_}", name, optgroup=_("Townships")) for id_, name in townships.items()]
    return scopes + home_choices(sites, value=lambda site: f"s{site.id}")


def _scope_site_ids(scope: str) -> Select:
    visible = visible_site_ids(current_user)
    if scope[:1] in ("t", "s") and scope[1:].isdigit():
        column = Site.township_id if scope[0] == "t" else Site.id
        return select(Site.id).where(Site.id.in_(visible), column == int(scope[1:]))
    return visible


def _period_label(date_from: date | None, date_to: date | None) -> str:
    if not date_from and not date_to:
        return _("All time")
    return "{} – {}".format(date_from.isoformat() if date_from else "…", date_to.isoformat() if date_to else "…")


def _filtered(template_id: int, *, for_print: bool):
    """The template, the filter form (from the query string), the results it asks for, their
    labels, the home they are limited to (None for several) and what an export of them covers.

    Dates that cannot be read, or that run backwards, give no results (None): figures for
    other days than the ones asked for, or none at all, would read as the answer.
    """
    template = template_for(current_user, template_id)
    form = ResultsFilterForm(request.args)
    form.scope.choices = _scope_choices(template)
    scopes = {choice.value: choice.label for choice in form.scope.choices}
    form.validate()
    if form.date_from.errors or form.date_to.errors:
        return template, form, None, {}, None, {}
    scope = form.scope.data if form.scope.data in scopes else "all"
    date_from, date_to = form.date_from.data, form.date_to.data
    search = form.q.data if not form.q.errors else ""
    flt = ResultFilter(
        site_ids=_scope_site_ids(scope),
        date_from=date_from,
        date_to=date_to,
        search=search or "",
        include_hidden=not for_print,
        # As on a home's day: its own managers read the numbers on screen; printouts mask them.
        full_phones_at=frozenset()
        if for_print or current_user.role != Role.MANAGER
        else frozenset(site.id for site in current_user.sites),
    )
    results = survey_results(template, flt, survey_locale())
    labels = {"scope_label": scopes[scope], "period_label": _period_label(date_from, date_to)}
    return template, form, results, labels, _one_home(template, flt.site_ids), _audited(scope, date_from, date_to)


def _audited(scope: str, date_from: date | None, date_to: date | None) -> dict:
    """What an export covered, in codes the audit log names in its reader's language (not the
    exporter's words): "district", "township:3", "site:5" or "homes_of_account"."""
    if scope[:1] in ("t", "s") and scope[1:].isdigit():
        target = f"{'township' if scope[0] == 't' else 'site'}:{scope[1:]}"
    else:
        target = "district" if current_user.is_admin else "homes_of_account"
    return {
        "scope": target,
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
    }


def _one_home(template: SurveyTemplate, site_ids: Select) -> int | None:
    """The home a scope covers when it covers exactly one (a manager of one home asking for all
    of theirs, a township of one home), else None."""
    if template.site_id is not None:  # a home's own survey is answered there only
        return template.site_id
    covered = db.session.execute(select(Site.id).where(Site.id.in_(site_ids)).limit(2)).scalars().all()
    return covered[0] if len(covered) == 1 else None


@bp.route("/<int:template_id>/results")
@login_required
def results(template_id: int):
    template, form, found, labels, _home, _covered = _filtered(template_id, for_print=False)
    return render_template(
        "admin/surveys/results.html",
        template=template,
        title=template.current.title(survey_locale()),
        form=form,
        results=found,
        charts=charts_for(found, large_text=large_text()) if found else {},
        percent=percent,
        mean_text=mean_text,
        query=request.args.to_dict(),
        action_form=ActionForm(),
        can_hide=current_user.can_write,
        **labels,
    )


@bp.route("/<int:template_id>/results.<any(pdf, xlsx):fmt>")
@login_required
@download_view
def export(template_id: int, fmt: str):
    template, _form, found, labels, one_home, covered = _filtered(template_id, for_print=True)
    if found is None:
        abort(400)
    record(
        "survey.export",
        user=current_user,
        # The home whose answers these are, so the audit log's home filter finds the export.
        site_id=one_home,
        target=f"survey_templates:{template.id}",
        format=fmt,
        q=found.search,
        **covered,
    )
    db.session.commit()
    name = dated_name(f"survey-{template.id}", fmt)
    title = "-".join([_("Survey results"), found.title, labels["scope_label"], labels["period_label"]])
    if fmt == "pdf":
        return download(results_pdf(found, **labels), PDF_MIMETYPE, name, title=title)
    return download(results_xlsx(found, **labels), XLSX_MIMETYPE, name, title=title)


@bp.route("/answers/<int:answer_id>/<any(hide, show):action>", methods=["POST"])
@login_required
def hide_answer(answer_id: int, action: str):
    """Hide an abusive comment from printouts and exports (or show it again); it is never deleted."""
    answer = db.session.get(SurveyAnswer, answer_id)
    if answer is None or not answer.text:
        abort(404)
    response = answer.response
    site_for(current_user, response.site_id, write=True)
    template_for(current_user, response.template_id)
    if ActionForm().validate_on_submit():
        answer.hidden_at = utcnow() if action == "hide" else None
        answer.hidden_by_id = current_user.id if action == "hide" else None
        record(
            f"survey.answer_{action}",
            user=current_user,
            site_id=response.site_id,
            target=f"survey_answers:{answer.id}",
        )
        db.session.commit()
    fallback = url_for("survey_results.results", template_id=response.template_id)
    return redirect(safe_next(request.args.get("next"), fallback))
