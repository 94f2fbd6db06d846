"""District admins browse the audit log: who did what, when, at which site."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import Length, Optional

from formsvc.accounts.models import User
from formsvc.accounts.permissions import admin_required
from formsvc.audit.actions import ACTION_TITLES, action_title
from formsvc.audit.models import AuditEntry
from formsvc.audit.readable import detail_lines, labelled, named_in, site_names_in, target_names
from formsvc.extensions import db
from formsvc.forms import NO_CHOICE, EndsAfterStart, TypedDateField, choices
from formsvc.i18n import _l
from formsvc.places import home_choices
from formsvc.sites.models import Site
from formsvc.timeutil import local_day_bounds

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
MAX_PAGE = 100_000  # an OFFSET past that is a typed-in number, not a page anyone reached
PAGE_SIZE = 100


bp.add_app_template_filter(action_title, "action_title")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # Any code is accepted (an old link with ?action=tally filters by the prefix); the menu
    # offers what each action means.
    action = SelectField(_l("Action"), validators=[Optional(), Length(max=40)], validate_choice=False)
    user = SelectField(_l("Who"), coerce=int, validators=[Optional()])
    site = SelectField(_l("Children's Home"), coerce=int, validators=[Optional()])
    date_from = TypedDateField(_l("From"), validators=[Optional()])
    date_to = TypedDateField(_l("To"), validators=[Optional(), EndsAfterStart()])


@bp.route("/")
@admin_required
def index():
    form = AuditFilterForm(request.args)
    titled = sorted(ACTION_TITLES.items(), key=lambda item: str(item[1]))
    form.action.choices = choices([("", "—"), *((code, str(title)) for code, title in titled)])
    form.user.choices = choices(
        [NO_CHOICE]
        + [(user.id, user.username) for user in db.session.execute(select(User).order_by(User.username)).scalars()]
    )
    form.site.choices = choices([NO_CHOICE]) + home_choices(db.session.execute(select(Site)).scalars())
    query = select(AuditEntry, User.username, Site.name).outerjoin(User, User.id == AuditEntry.user_id)
    query = query.outerjoin(Site, Site.id == AuditEntry.site_id)
    if not form.validate():
        # The filter says beside its field what to correct; the log unfiltered, or filtered
        # by part of what was asked, would read as the answer (an empty page as "nothing done").
        return render_template("admin/audit.html", form=form, rows=None)
    if form.action.data:
        asked = form.action.data.strip()
        if "." in asked:  # one action
            query = query.where(AuditEntry.action == asked)
        else:  # a family of them: tally, sheet, child …
            query = query.where(AuditEntry.action.startswith(asked, autoescape=True))
    if form.user.data:
        query = query.where(AuditEntry.user_id == form.user.data)
    if form.site.data:
        query = query.where(AuditEntry.site_id == form.site.data)
    if form.date_from.data:
        query = query.where(AuditEntry.at >= local_day_bounds(form.date_from.data)[0])
    if form.date_to.data:
        query = query.where(AuditEntry.at < local_day_bounds(form.date_to.data + timedelta(days=1))[0])
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    rows = db.session.execute(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    has_more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows,
        target_names=target_names(named_in(entry for entry, _username, _site_name in rows)),
        detail_lines=detail_lines,
        labelled=labelled,
        site_names=site_names_in(entry.details for entry, _username, _site_name in rows),
        page=page,
        has_more=has_more,
    )
