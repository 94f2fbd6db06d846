"""The one place that decides which sites a signed-in person may see and change.

Every admin query over site data starts from ``visible_site_ids``; a record outside it is
reported as not found, so a manager cannot even learn that another site's record exists.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from werkzeug.exceptions import Forbidden, NotFound

from formsvc.accounts.models import Role, User, user_sites
from formsvc.activities.models import Activity, ActivitySeries
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.extensions import db
from formsvc.places import in_place_order
from formsvc.sites.models import Site
from formsvc.surveys.models import SurveyAnswer, SurveyLink, SurveyResponse, SurveyTemplate


def visible_site_ids(user: User) -> Select:
    """A subquery of the ids of the sites ``user`` may read."""
    if user.role == Role.ADMIN:
        return select(Site.id)
    if user.role == Role.TOWNSHIP_VIEWER:
        return select(Site.id).where(Site.township_id == user.township_id)
    return select(user_sites.c.site_id).where(user_sites.c.user_id == user.id)


def visible_sites(user: User) -> list[Site]:
    return in_place_order(db.session.execute(select(Site).where(Site.id.in_(visible_site_ids(user)))).scalars())


def site_for(user: User, site_id: int, *, write: bool = False) -> Site:
    """The site, if ``user`` may read it (or change it, with ``write``); else 404 / 403."""
    site = db.session.execute(
        select(Site).where(Site.id == site_id, Site.id.in_(visible_site_ids(user)))
    ).scalar_one_or_none()
    if site is None:
        raise NotFound()
    if write and not user.can_write:
        raise Forbidden()
    return site


# The records a workspace address names, by its argument: the site each belongs to (a district
# survey template belongs to none and is seen by everybody signed in).
_OWNING_SITE = {
    "site_id": lambda number: select(Site.id).where(Site.id == number),
    "activity_id": lambda number: select(Activity.site_id).where(Activity.id == number),
    "series_id": lambda number: select(ActivitySeries.site_id).where(ActivitySeries.id == number),
    "child_id": lambda number: select(Child.site_id).where(Child.id == number),
    "attendance_id": lambda number: select(Activity.site_id).join(Attendance).where(Attendance.id == number),
    "signin_id": lambda number: select(Activity.site_id).join(AdultSignIn).where(AdultSignIn.id == number),
    "template_id": lambda number: select(SurveyTemplate.site_id).where(SurveyTemplate.id == number),
    "link_id": lambda number: select(SurveyLink.site_id).where(SurveyLink.id == number),
    "answer_id": lambda number: select(SurveyResponse.site_id).join(SurveyAnswer).where(SurveyAnswer.id == number),
}
RECORD_ARGUMENTS = frozenset(_OWNING_SITE) | {"user_id"}


def sees_what_is_named(user: User, view_args: dict) -> bool:
    """Whether ``user`` may see every record a workspace address names (``RECORD_ARGUMENTS``).

    A page the person may not use at all answers 403; one that names a record outside their
    scope, or no record at all, answers 404 like every scoped lookup, so that the answer does
    not tell that another home's record exists. Accounts are seen by district admins, and each
    person sees their own.
    """
    for argument, number in view_args.items():
        if argument == "user_id":
            if user.role != Role.ADMIN and number != user.id:
                return False
        elif argument in _OWNING_SITE:
            found = db.session.execute(_OWNING_SITE[argument](number)).first()
            if found is None:
                return False
            owner = found[0]
            if (
                owner is not None
                and not db.session.execute(
                    select(Site.id).where(Site.id == owner, Site.id.in_(visible_site_ids(user)))
                ).first()
            ):
                return False
    return True
