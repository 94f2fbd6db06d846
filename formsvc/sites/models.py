"""Townships and the Children's Homes (sites) in them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, TimestampMixin, UTCDateTime, utcnow
from formsvc.enums import enum_column_type
from formsvc.i18n import _l
from formsvc.tokens import random_token

if TYPE_CHECKING:  # activities.models imports this module
    from formsvc.activities.models import Activity


def new_site_token() -> str:
    # Short enough to keep the poster QR at a low version, long enough not to be guessed.
    return random_token(10)


class SiteLevel(enum.StrEnum):
    STANDARD = "standard"
    CITY_MODEL = "city_model"
    REGION_MODEL = "region_model"

    @property
    def title(self) -> str:
        return str(SITE_LEVEL_TITLES[self])


SITE_LEVEL_TITLES = {
    SiteLevel.STANDARD: _l("Standard"),
    SiteLevel.CITY_MODEL: _l("City model home"),
    SiteLevel.REGION_MODEL: _l("Region model home"),
}
# The district's spreadsheets say the level in Chinese.
SITE_LEVEL_ALIASES = {
    "standard": SiteLevel.STANDARD,
    "普通": SiteLevel.STANDARD,
    "city_model": SiteLevel.CITY_MODEL,
    "市级示范": SiteLevel.CITY_MODEL,
    "region_model": SiteLevel.REGION_MODEL,
    "自治区级示范": SiteLevel.REGION_MODEL,
    "区级示范": SiteLevel.REGION_MODEL,
}


class Township(TimestampMixin, Base):
    """A township (乡镇) or urban sub-district (街道)."""

    __tablename__ = "townships"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)

    sites: Mapped[list[Site]] = relationship(back_populates="township", order_by="Site.name")


class Site(TimestampMixin, Base):
    """A Children's Home (儿童之家)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("townships.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The village (村) or urban community (社区) the home serves.
    village: Mapped[str] = mapped_column(String(60), default="")
    level: Mapped[SiteLevel] = mapped_column(enum_column_type(SiteLevel), default=SiteLevel.STANDARD)
    address: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    opened_on: Mapped[date | None]
    # The day it was last deactivated (None while active, or for homes deactivated before this
    # was kept): a tally of an earlier period still lists the home, with its zeros.
    closed_on: Mapped[date | None]
    # The token printed in the poster QR; rotating it voids old posters.
    public_token: Mapped[str] = mapped_column(String(16), unique=True, default=new_site_token)

    township: Mapped[Township] = relationship(back_populates="sites")

    __table_args__ = (UniqueConstraint("township_id", "name", name="uq_sites_township_name"),)

    def set_active(self, active: bool, today: date) -> None:
        """Open or close the home for sign-ins, noting the day it closed."""
        self.active = active
        self.closed_on = None if active else today

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name}>"


class RetiredSiteToken(Base):
    """A poster token, or an activity link, that a rotation took away: it now says "no longer valid" instead of 404."""

    __tablename__ = "retired_site_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    # The activity whose link it was, so a form counted there and sent again finds its receipt;
    # None for a poster's token, and for links retired before this was kept (revision 1600).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who rotated it; None from the command line.
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    site: Mapped[Site] = relationship()
    activity: Mapped[Activity | None] = relationship()
