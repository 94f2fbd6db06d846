"""Rotating a site's poster token: a leaked or misused QR stops working, and says so."""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.sites.models import RetiredSiteToken, Site, new_site_token
from formsvc.tokens import looks_like_token


def _token_taken(token: str) -> bool:
    return db.session.execute(
        select(
            or_(
                exists().where(Site.public_token == token),
                exists().where(RetiredSiteToken.token == token),
            )
        )
    ).scalar_one()


def rotate_site_token(site: Site, user=None) -> str:
    """Give ``site`` a new poster token and keep the old one as retired; returns the new token.

    The old posters' QR codes then open a "this code is no longer valid" page. A new token
    never repeats a current or retired one, so an old poster cannot come back to life.
    """
    old_token = site.public_token
    new_token = new_site_token()
    while _token_taken(new_token):
        new_token = new_site_token()
    db.session.add(RetiredSiteToken(token=old_token, site_id=site.id, retired_by_id=getattr(user, "id", None)))
    site.public_token = new_token
    record("site.rotate_token", user=user, site_id=site.id, target=site.name)
    db.session.flush()
    return new_token


def site_of_retired_token(token: str) -> Site | None:
    """The site whose poster once carried ``token``, if it was rotated away."""
    if not looks_like_token(token, 16):
        return None
    return db.session.execute(
        select(Site).join(RetiredSiteToken, RetiredSiteToken.site_id == Site.id).where(RetiredSiteToken.token == token)
    ).scalar_one_or_none()
