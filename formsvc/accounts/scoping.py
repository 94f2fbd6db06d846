"""The one place that decides which sites a signed-in person may see and change.

Every admin query over site data starts from ``visible_site_ids``; a record outside it is
reported as not found, so a manager cannot even learn that another site's record exists.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from werkzeug.exceptions import Forbidden, NotFound

from formsvc.accounts.models import Role, User, user_sites
from formsvc.extensions import db
from formsvc.places import in_place_order
from formsvc.sites.models import Site


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
