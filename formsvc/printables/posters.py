"""QR posters: one A4 page per Children's Home, for the wall and for the print shop."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import Select, select

from formsvc.documents.pdf import render_pdf
from formsvc.documents.qr import qr_svg
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.places import in_place_order
from formsvc.sites.models import Site, Township
from formsvc.urls import external_url


@dataclass(frozen=True)
class Poster:
    site_name: str
    township: str
    village: str
    url: str
    qr: Markup


def poster_for(site: Site) -> Poster:
    url = external_url("public.site_page", token=site.public_token)
    return Poster(
        site_name=site.name,
        township=site.township.name,
        village=site.village,
        url=url,
        qr=qr_svg(url, error_correction="M"),
    )


def sites_for_posters(site_ids: Select | None = None, township_id: int | None = None) -> list[Site]:
    """Active sites, by township and name; within ``site_ids`` (a scoping subquery) when given."""
    query = select(Site).join(Township).where(Site.active.is_(True))
    if site_ids is not None:
        query = query.where(Site.id.in_(site_ids))
    if township_id is not None:
        query = query.where(Site.township_id == township_id)
    return in_place_order(db.session.execute(query).scalars())


def posters_pdf(sites: list[Site]) -> bytes:
    """One poster page per site, in the district's language: the poster hangs in the village,
    whatever language the person printing it reads."""
    posters = [poster_for(site) for site in sites]
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")):
        return render_pdf("pdf/posters.html", {"title": _("Sign-in poster"), "posters": posters})
