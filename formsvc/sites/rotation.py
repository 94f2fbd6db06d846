"""Rotating a site's poster token: a leaked or misused QR stops working, and says so.

The poster leads to the forms of the day's activities (``/a/<activity token>/…``), and those
links get forwarded in WeChat groups too; so a rotation also gives new links to the site's
activities of today and later. Past activities keep theirs: nobody can sign in to them any
more, and their links are history. Every token a rotation takes away is kept as retired,
with its site, so an old poster or an old activity link says "this QR code is no longer
valid" instead of a bare 404; an activity link keeps its activity too, so a sign-in form that
counted there and is sent again (Back, then the button) still leads to its receipt.

The lecture screen (lecture mode) and the site page build their links from the activity when
they are shown, so they carry the new token by themselves: a screen already running shows the
new code at its next poll (kiosk.js tells which token its code has), or without JavaScript
at its next reload, within kiosk.NO_SCRIPT_RELOAD_SECONDS. A code scanned off the screen just
before says to scan the screen again (scan.py), and so does a lecture form sent to its old
link, keeping what was typed for that scan (public.py). Receipts and survey links have tokens
of their own and are not touched.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload

from formsvc.activities.models import Activity, new_activity_token
from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.sites.models import RetiredSiteToken, Site, new_site_token
from formsvc.timeutil import local_today
from formsvc.tokens import looks_like_token


def _token_taken(token: str) -> bool:
    return db.session.execute(
        select(
            or_(
                exists().where(Site.public_token == token),
                exists().where(Activity.public_token == token),
                exists().where(RetiredSiteToken.token == token),
            )
        )
    ).scalar_one()


def _fresh_token(make: Callable[[], str]) -> str:
    """A token that never repeats a current or retired one, so an old link cannot come back to life."""
    token = make()
    while _token_taken(token):
        token = make()
    return token


def rotate_site_token(site: Site, user=None) -> str:
    """Give ``site`` a new poster token, and its activities of today and later new links; returns the new token.

    The old posters' QR codes and the old activity links then open a "this code is no longer
    valid" page.
    """
    retired_by_id = getattr(user, "id", None)
    db.session.add(RetiredSiteToken(token=site.public_token, site_id=site.id, retired_by_id=retired_by_id))
    site.public_token = _fresh_token(new_site_token)
    current = (
        db.session.execute(select(Activity).where(Activity.site_id == site.id, Activity.on_date >= local_today()))
        .scalars()
        .all()
    )
    for activity in current:
        db.session.add(
            RetiredSiteToken(
                token=activity.public_token, site_id=site.id, activity_id=activity.id, retired_by_id=retired_by_id
            )
        )
        activity.public_token = _fresh_token(new_activity_token)
    record("site.rotate_token", user=user, site_id=site.id, target=site.name, activity_links=len(current))
    db.session.flush()
    return site.public_token


def retired_token(token: str) -> RetiredSiteToken | None:
    """What a rotation kept of ``token`` (a poster's, or an activity link's), with its site; None if none retired it."""
    if not looks_like_token(token, 16):
        return None
    return db.session.execute(
        select(RetiredSiteToken).where(RetiredSiteToken.token == token).options(joinedload(RetiredSiteToken.site))
    ).scalar_one_or_none()
