"""What the service holds about one child, for a family that asks to see it (PIPL Art. 45).

The rules page promises "you can ask at any time to see" the child's data. This gathers it
from every table that holds some: the roster entry, the child's sign-ins, guardians' sign-ins
that named the child, and the consents that cover the child. Only records at sites
the reader may see are listed; a child's sign-ins are all at the child's own home, but the
scope is applied anyway, as on every admin query.

It also finds a child by name across every home the reader may see, so that the district
admin who takes a family's request does not have to guess the home.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from formsvc.accounts.models import User
from formsvc.accounts.scoping import visible_site_ids
from formsvc.activities.models import Activity
from formsvc.attendance.daybook import own_time
from formsvc.attendance.models import AdultSignIn, Attendance, Child
from formsvc.attendance.namesearch import name_matches, pinyin_sort_key
from formsvc.audit.services import record
from formsvc.extensions import db
from formsvc.places import in_place_order
from formsvc.privacy.models import Consent, ConsentText
from formsvc.sites.models import Site
from formsvc.text import erasures_shown, mask_phone


@dataclass(frozen=True)
class HeldSignIn:
    """One sign-in, the child's own or a guardian's that named the child."""

    record_id: int
    day: date
    signed_in_at: datetime
    # The moment to show: None for a paper or imported entry, whose time was made up to fit the
    # activity (``daybook.own_time``); the page then writes the activity's day alone.
    shown_time: datetime | None
    activity: str
    home: str
    how: str
    voided: bool
    void_reason: str = ""
    # Only for a guardian's sign-in: what the guardian gave about themselves.
    name: str = ""
    relation: str = ""
    phone: str = ""
    village: str = ""


@dataclass(frozen=True)
class HeldConsent:
    version: int
    accepted_at: datetime
    day: date
    activity: str
    home: str
    # Whose sign-in it came with: the child's own, or a guardian's that named the child.
    with_guardian_signin: bool
    # Ticked on that sign-in's form, or carried over from the phone's earlier acceptance (HowGiven.title).
    how: str


@dataclass(frozen=True)
class HeldAboutChild:
    child: Child
    home: str
    signins: list[HeldSignIn]
    guardian_signins: list[HeldSignIn]
    consents: list[HeldConsent]


def visible_child(user: User, child_id: int) -> Child | None:
    """The child, if it is at a site ``user`` may see; else None (reported as not found)."""
    return db.session.execute(
        select(Child)
        .where(Child.id == child_id, Child.site_id.in_(visible_site_ids(user)))
        .options(selectinload(Child.categories))
    ).scalar_one_or_none()


def held_about_child(child: Child, user: User, *, full_phones: bool) -> HeldAboutChild:
    """Everything held about ``child`` at sites ``user`` may see, oldest first, voided ones too."""
    visible = Activity.site_id.in_(visible_site_ids(user))
    visits = _naming_the_child(Attendance, child, visible)
    guardians = _naming_the_child(AdultSignIn, child, visible)
    return HeldAboutChild(
        child=child,
        home=child.site.name,
        signins=[_signin(visit, activity, home) for visit, activity, home in visits],
        guardian_signins=[
            _guardian_signin(signin, activity, home, full_phones=full_phones) for signin, activity, home in guardians
        ],
        consents=_consents(
            child,
            [visit.id for visit, _activity, _home in visits],
            [signin.id for signin, _activity, _home in guardians],
            visible,
        ),
    )


def _naming_the_child(model: type[Attendance] | type[AdultSignIn], child: Child, visible) -> list:
    """(record, activity, home name) of the child's sign-ins, or of the guardians' naming the child."""
    return db.session.execute(
        select(model, Activity, Site.name)
        .join(Activity, Activity.id == model.activity_id)
        .join(Site, Site.id == Activity.site_id)
        .where(model.child_id == child.id, visible)
        .order_by(Activity.on_date, model.signed_in_at, model.id)
    ).all()


def _signin(row: Attendance | AdultSignIn, activity: Activity, home: str) -> HeldSignIn:
    return HeldSignIn(
        record_id=row.id,
        day=activity.on_date,
        signed_in_at=row.signed_in_at,
        shown_time=own_time(row, activity),
        activity=activity.display_title,
        home=home,
        how=row.source.title,
        voided=row.voided_at is not None,
        void_reason=erasures_shown(row.void_reason),
    )


def _guardian_signin(signin: AdultSignIn, activity: Activity, home: str, *, full_phones: bool) -> HeldSignIn:
    return replace(
        _signin(signin, activity, home),
        name=signin.name,
        relation=signin.relation.title if signin.relation else "",
        phone=signin.phone if full_phones else mask_phone(signin.phone),
        village=signin.village,
    )


def _consents(child: Child, attendance_ids: list[int], adult_signin_ids: list[int], visible) -> list[HeldConsent]:
    """The consents recorded with these sign-ins, and those that cover the child (``child_id``).

    The latter include one that came with a sign-in a merge left with the merged name (voided
    as a duplicate): it still covers this child, and the sign-in path counts it as this child's.
    """
    rows = db.session.execute(
        select(Consent, ConsentText.version, Activity, Site.name)
        .join(ConsentText, ConsentText.id == Consent.text_id)
        .join(Activity, Activity.id == Consent.activity_id)
        .join(Site, Site.id == Consent.site_id)
        .where(
            or_(
                Consent.child_id == child.id,
                Consent.attendance_id.in_(attendance_ids),
                Consent.adult_signin_id.in_(adult_signin_ids),
            ),
            visible,
        )
        .order_by(Consent.accepted_at, Consent.id)
    ).all()
    return [
        HeldConsent(
            version=version,
            accepted_at=consent.accepted_at,
            day=activity.on_date,
            activity=activity.display_title,
            home=home,
            with_guardian_signin=consent.attendance_id is None,
            how=consent.how_given.title,
        )
        for consent, version, activity, home in rows
    ]


def record_viewing(child: Child, *, user: User) -> None:
    """Reading everything held about a child is an access to sensitive data: it is logged.

    The entry names the child by id only, so it holds nothing an erasure would have to take out.
    """
    record("child.view_held", user=user, site_id=child.site_id, target=f"child:{child.id}")


@dataclass(frozen=True)
class ChildFound:
    child_id: int
    name: str
    home: str
    township: str
    status: str


def find_children(user: User, query: str) -> list[ChildFound]:
    """Children whose name, pinyin or initials contain ``query``, at every home ``user`` may see.

    The same name at two homes is two children (two rows), listed apart with their homes.
    Erased and purged children have no name left to find.
    """
    if not query.strip():
        return []
    sites = in_place_order(db.session.execute(select(Site).where(Site.id.in_(visible_site_ids(user)))).scalars())
    order = {site.id: index for index, site in enumerate(sites)}
    by_id = {site.id: site for site in sites}
    children = db.session.execute(
        select(Child).where(Child.site_id.in_(list(by_id)), Child.purged_at.is_(None))
    ).scalars()
    found = [child for child in children if name_matches(child.name, query)]
    found.sort(key=lambda child: (pinyin_sort_key(child.name), order[child.site_id], child.id))
    return [
        ChildFound(
            child_id=child.id,
            name=child.name,
            home=by_id[child.site_id].name,
            township=by_id[child.site_id].township.name,
            status=child.status.title,
        )
        for child in found
    ]
