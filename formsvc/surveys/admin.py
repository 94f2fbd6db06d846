"""The survey builder in the workspace: templates, questions, and where a survey is asked."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from formsvc.accounts.forms import ActionForm
from formsvc.accounts.permissions import writer_required
from formsvc.accounts.scoping import site_for, visible_site_ids, visible_sites
from formsvc.activities.models import Activity, ActivityKind
from formsvc.audit.services import record
from formsvc.documents.qr import qr_svg
from formsvc.extensions import db
from formsvc.forms import choices, form_problem
from formsvc.i18n import _
from formsvc.places import home_choices
from formsvc.surveys.access import can_edit, owner_label, template_for, visible_templates
from formsvc.surveys.answering import link_window, survey_locale
from formsvc.surveys.builder import question_defs
from formsvc.surveys.forms import NewTemplateForm, QuestionForm, TemplateForm, UseAtActivitiesForm, UseAtSitesForm
from formsvc.surveys.models import SurveyLink, SurveyResponse, SurveyTemplate
from formsvc.surveys.results import not_of_a_cancelled_activity
from formsvc.surveys.services import (
    CONDITION_SOURCES,
    SurveyError,
    activity_name,
    add_question,
    attach_to_activity,
    attach_to_site,
    create_template,
    delete_question,
    may_replace,
    move_question,
    other_survey_at,
    question_in,
    stop_link,
    update_question,
    update_settings,
    usable_at,
)
from formsvc.timeutil import local_today
from formsvc.urls import external_url

bp = Blueprint("surveys_admin", __name__, url_prefix="/admin/surveys")

# Activities offered on the "use" page: from yesterday to this many days ahead.
USE_DAYS_AHEAD = 60


def _target(template: SurveyTemplate) -> str:
    return f"survey_templates:{template.id}"


@bp.route("/")
@login_required
def index():
    templates = visible_templates(current_user)
    counts = dict(
        db.session.execute(
            select(SurveyResponse.template_id, func.count(SurveyResponse.id))
            .where(SurveyResponse.site_id.in_(visible_site_ids(current_user)), not_of_a_cancelled_activity())
            .group_by(SurveyResponse.template_id)
        ).all()
    )
    return render_template(
        "admin/surveys/index.html",
        templates=templates,
        counts=counts,
        owners={template.id: owner_label(template) for template in templates},
    )


@bp.route("/new", methods=["GET", "POST"])
@writer_required
def new():
    form = NewTemplateForm()
    owners = home_choices(visible_sites(current_user), value=lambda site: str(site.id))
    if current_user.is_admin:
        owners.insert(0, SelectChoice("district", _("District (every Children's Home may use it)")))
    form.owner.choices = owners
    if form.validate_on_submit():
        site = None if form.owner.data == "district" else site_for(current_user, int(form.owner.data), write=True)
        template = create_template(
            site=site,
            title_zh=form.title_zh.data,
            title_en=form.title_en.data or "",
            intro_zh=form.intro_zh.data or "",
            intro_en=form.intro_en.data or "",
            user=current_user,
        )
        record("survey.create", user=current_user, site_id=template.site_id, target=_target(template))
        db.session.commit()
        return redirect(url_for("surveys_admin.builder", template_id=template.id))
    problem = form_problem(form) if form.is_submitted() else None
    return render_template("admin/surveys/new.html", form=form, problem=problem)


@bp.route("/<int:template_id>", methods=["GET", "POST"])
@login_required
def builder(template_id: int):
    template = template_for(current_user, template_id)
    editable = can_edit(current_user, template)
    form = TemplateForm()
    if form.is_submitted():
        template = template_for(current_user, template_id, write=True)
        if form.validate_on_submit():
            version = update_settings(
                template,
                title_zh=form.title_zh.data,
                title_en=form.title_en.data or "",
                intro_zh=form.intro_zh.data or "",
                intro_en=form.intro_en.data or "",
            )
            record(
                "survey.edit",
                user=current_user,
                site_id=template.site_id,
                target=_target(template),
                version=version.number,
            )
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("surveys_admin.builder", template_id=template.id))
    else:
        current = template.current
        form.title_zh.data, form.title_en.data = current.title_zh, current.title_en
        form.intro_zh.data, form.intro_en.data = current.intro_zh, current.intro_en
    return render_template(
        "admin/surveys/builder.html",
        template=template,
        version=template.current,
        owner=owner_label(template),
        form=form,
        problem=form_problem(form) if form.is_submitted() else None,
        editable=editable,
        action_form=ActionForm(),
        hints={item.key: item.condition_hint for item in question_defs(template.current.questions, survey_locale())},
    )


def _condition_choices(template: SurveyTemplate, before_position: int | None) -> list:
    """ "Always", then every answer of every earlier question with fixed answers."""
    pairs = [("", _("Always"))]
    for number, question in enumerate(template.current.questions, 1):
        if before_position is not None and question.position >= before_position:
            break
        if question.kind not in CONDITION_SOURCES:
            continue
        for value, label in question.choices("zh_Hans"):
            text = _("Only if question {number} ({title}) was answered “{answer}”").format(
                number=number, title=question.title_zh, answer=label
            )
            pairs.append((f"{question.key}={value}", text))
    return choices(pairs)


@bp.route("/<int:template_id>/questions/new", methods=["GET", "POST"])
@bp.route("/<int:template_id>/questions/<key>", methods=["GET", "POST"])
@writer_required
def question(template_id: int, key: str | None = None):
    template = template_for(current_user, template_id, write=True)
    existing = question_in(template.current, key) if key else None
    if key and existing is None:
        abort(404)
    form = QuestionForm()
    form.condition.choices = _condition_choices(template, existing.position if existing else None)
    problem = None
    if not form.is_submitted() and existing is not None:
        form.kind.data = existing.kind.value
        form.title_zh.data, form.title_en.data = existing.title_zh, existing.title_en
        form.required.data = existing.required
        form.options_zh.data = "\n".join(option["zh"] for option in existing.options)
        form.options_en.data = "\n".join(option.get("en", "") for option in existing.options if option.get("en"))
        if existing.condition_key:
            form.condition.data = f"{existing.condition_key}={existing.condition_value}"
    elif form.validate_on_submit():
        try:
            if existing is None:
                saved = add_question(template, form.spec())
            else:
                saved = update_question(template, key, form.spec())
        except SurveyError as error:
            db.session.rollback()
            problem = error.message
        else:
            action = "survey.question_add" if existing is None else "survey.question_edit"
            record(action, user=current_user, site_id=template.site_id, target=_target(template), key=saved.key)
            db.session.commit()
            flash(_("Saved."))
            return redirect(url_for("surveys_admin.builder", template_id=template.id))
    elif form.is_submitted():
        problem = form_problem(form)
    return render_template(
        "admin/surveys/question.html", template=template, question=existing, form=form, problem=problem
    )


@bp.route("/<int:template_id>/questions/<key>/<any(up, down, delete):action>", methods=["POST"])
@writer_required
def change_question(template_id: int, key: str, action: str):
    template = template_for(current_user, template_id, write=True)
    if ActionForm().validate_on_submit():
        try:
            if action == "delete":
                delete_question(template, key)
            else:
                move_question(template, key, -1 if action == "up" else 1)
        except SurveyError as error:
            db.session.rollback()
            flash(error.message)
        else:
            record(
                f"survey.question_{action}",
                user=current_user,
                site_id=template.site_id,
                target=_target(template),
                key=key,
            )
            db.session.commit()
    return redirect(url_for("surveys_admin.builder", template_id=template_id))


def _usable_sites(template: SurveyTemplate):
    return [site for site in visible_sites(current_user) if site.active and usable_at(template, site.id)]


def _upcoming_activities(template: SurveyTemplate) -> list[Activity]:
    today = local_today()
    site_ids = [site.id for site in _usable_sites(template)]
    return list(
        db.session.execute(
            select(Activity)
            .where(
                Activity.site_id.in_(site_ids),
                Activity.kind != ActivityKind.DAILY,
                Activity.cancelled.is_(False),
                Activity.on_date.between(today - timedelta(days=1), today + timedelta(days=USE_DAYS_AHEAD)),
            )
            .order_by(Activity.on_date, Activity.opens_at, Activity.site_id)
        ).scalars()
    )


def _activity_choice(template: SurveyTemplate, activity: Activity) -> str:
    """An activity in the list, saying which other survey it asks now (attaching replaces it)."""
    label = f"{activity.on_date.isoformat()} · {activity.site.name} · {activity.display_title}"
    other = other_survey_at(template, activity)
    if other is None:
        return label
    survey = other.template.current.title(survey_locale())
    if not may_replace(current_user, other):
        return _("{activity} — asks the district's “{survey}” now; only a district admin can replace it").format(
            activity=label, survey=survey
        )
    return _("{activity} — asks “{survey}” now").format(activity=label, survey=survey)


def _use_forms(template: SurveyTemplate) -> tuple[UseAtActivitiesForm, UseAtSitesForm]:
    activity_form, site_form = UseAtActivitiesForm(prefix="a"), UseAtSitesForm(prefix="s")
    activity_form.activities.choices = choices(
        (activity.id, _activity_choice(template, activity)) for activity in _upcoming_activities(template)
    )
    site_form.sites.choices = home_choices(_usable_sites(template))
    return activity_form, site_form


@bp.route("/<int:template_id>/use", methods=["GET"])
@writer_required
def use(template_id: int):
    template = template_for(current_user, template_id)
    activity_form, site_form = _use_forms(template)
    return _use_page(template, activity_form, site_form)


def _link_place(link: SurveyLink) -> str:
    """Where a link asks its survey: the home, and the activity after which it is asked."""
    return f"{link.site.name} · {activity_name(link.activity)}" if link.activity else link.site.name


def _use_page(template: SurveyTemplate, activity_form, site_form, problem: str | None = None):
    links = list(
        db.session.execute(
            select(SurveyLink)
            .where(
                SurveyLink.template_id == template.id,
                SurveyLink.stopped_at.is_(None),
                SurveyLink.site_id.in_(visible_site_ids(current_user)),
            )
            .order_by(SurveyLink.activity_id.is_not(None), SurveyLink.site_id, SurveyLink.id)
        ).scalars()
    )
    urls = {link.id: external_url("survey_public.answer", token=link.public_token) for link in links}
    return render_template(
        "admin/surveys/use.html",
        template=template,
        title=template.current.title(survey_locale()),
        activity_form=activity_form,
        site_form=site_form,
        links=links,
        urls=urls,
        qrs={link.id: qr_svg(url) for link, url in zip(links, urls.values(), strict=True)},
        windows={link.id: link_window(link) for link in links},
        places={link.id: _link_place(link) for link in links},
        # A manager cannot stop what the district asks at her home: no button that only says so.
        stoppable={link.id for link in links if may_replace(current_user, link)},
        action_form=ActionForm(),
        # Whether to offer "replace": some listed activity asks another survey now.
        others_asked=any(
            other_survey_at(template, db.session.get(Activity, choice.value)) is not None
            for choice in activity_form.activities.choices
        ),
        problem=problem,
    )


@bp.route("/<int:template_id>/use/<any(activities, sites):where>", methods=["POST"])
@writer_required
def use_at(template_id: int, where: str):
    template = template_for(current_user, template_id)
    activity_form, site_form = _use_forms(template)
    form = activity_form if where == "activities" else site_form
    if not form.validate_on_submit():  # nothing ticked, or an expired page: said on the form, ticks kept
        return _use_page(template, activity_form, site_form, form_problem(form))
    if where == "activities":
        picked = [db.session.get(Activity, activity_id) for activity_id in activity_form.activities.data or []]
        asking_another = [activity for activity in picked if other_survey_at(template, activity) is not None]
        if asking_another and not activity_form.replace.data:
            problem = _(
                "Another survey is asked now after: {activities}. Tick “Replace the survey already asked” to ask "
                "this one there instead, or untick those activities."
            ).format(activities="; ".join(activity_name(activity) for activity in asking_another))
            return _use_page(template, activity_form, site_form, problem)
        try:
            made = [
                attach_to_activity(
                    template,
                    activity,
                    opens_before_close=activity_form.opens_before_close(),
                    user=current_user,
                    replace=activity_form.replace.data,
                )
                for activity in picked
            ]
        except SurveyError as error:
            db.session.rollback()
            return _use_page(template, activity_form, site_form, error.message)
    else:
        made = [
            attach_to_site(template, site_for(current_user, site_id, write=True), user=current_user)
            for site_id in site_form.sites.data or []
        ]
    for link in made:
        record("survey.use", user=current_user, site_id=link.site_id, target=_target(template), link=link.id)
    db.session.commit()
    flash(_("The survey is now asked at {count} places.").format(count=len(made)))
    return redirect(url_for("surveys_admin.use", template_id=template.id))


@bp.route("/links/<int:link_id>/stop", methods=["POST"])
@writer_required
def stop(link_id: int):
    link = db.session.get(SurveyLink, link_id)
    if link is None:
        abort(404)
    site_for(current_user, link.site_id, write=True)
    if not may_replace(current_user, link):  # else stopping it first would get round the rule
        flash(_("The district asks this survey here; only a district admin can stop it."))
    elif ActionForm().validate_on_submit():
        stop_link(link)
        record("survey.stop", user=current_user, site_id=link.site_id, target=_target(link.template), link=link.id)
        db.session.commit()
        survey = link.template.current.title(survey_locale())
        flash(_("“{survey}” is no longer asked at {place}.").format(survey=survey, place=_link_place(link)))
    return redirect(url_for("surveys_admin.use", template_id=link.template_id))
