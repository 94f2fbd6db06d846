"""Who may see and change which survey templates, on top of formsvc.accounts.scoping.

A site's template is visible to whoever sees the site and changed by whoever may write there;
outside that scope it does not exist (404). The district's templates are seen by everybody
signed in — a manager puts them to use at their own activities and sees their own sites'
results — and changed by district admins only.
"""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from formsvc.accounts.models import User
from formsvc.accounts.scoping import site_for, visible_site_ids
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.surveys.models import SurveyTemplate


def visible_templates(user: User) -> list[SurveyTemplate]:
    return list(
        db.session.execute(
            select(SurveyTemplate)
            .where(SurveyTemplate.site_id.is_(None) | SurveyTemplate.site_id.in_(visible_site_ids(user)))
            .order_by(SurveyTemplate.site_id.is_not(None), SurveyTemplate.site_id, SurveyTemplate.id)
        ).scalars()
    )


def can_edit(user: User, template: SurveyTemplate) -> bool:
    if not user.can_write:
        return False
    return user.is_admin or template.site_id is not None


def template_for(user: User, template_id: int, *, write: bool = False) -> SurveyTemplate:
    """The template if ``user`` may see it (404 otherwise), and change it with ``write`` (else 403)."""
    template = db.session.get(SurveyTemplate, template_id)
    if template is None:
        raise NotFound()
    if template.site_id is not None:
        site_for(user, template.site_id, write=write)
    elif write and not can_edit(user, template):
        raise Forbidden()
    return template


def owner_label(template: SurveyTemplate) -> str:
    return template.site.name if template.site is not None else _("District")
