"""Guardian consent (PIPL Art. 31) before the first child sign-in from a phone.

The district admin edits the consent text; every edit is a new version and none is ever
changed, so a recorded consent always points at the words the guardian read. A phone that
accepted remembers the version in a signed cookie, with the adults who agreed to it there
(formsvc/privacy/acceptance.py); a newer version asks again, and so does the name of an adult
who has not agreed on the phone, typed on the guardian form (a shared phone). Refusing stores
nothing and clears what the phone remembers; "not me" forgets the acceptance too, as the next
person on a shared phone is another guardian who must read the text.

A fresh install has version 1 from the migration; should the table be empty (a test, a
restore of an old backup) the same text below is shown and saved with the first consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.units import format_unit
from flask import current_app
from flask_babel import get_locale
from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from formsvc.activities.models import Activity
from formsvc.attendance.models import Child, Submission
from formsvc.audit.services import record
from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.i18n import _
from formsvc.privacy.models import Consent, ConsentText, HowGiven
from formsvc.privacy.retention import parse_period

BODY_MAX = 2000

# Version 1, as the migration seeds it (a copy: migrations never import app code).
DEFAULT_BODY_ZH = (
    "签到时，儿童之家会保存孩子的姓名、签到时间和由谁代为签到，只用于统计参加活动的人数、"
    "安排活动和必要时联系家人。只有本儿童之家的专干和区妇联的工作人员能看到，不会公开，"
    "也不会提供给其他单位。您可以随时要求查看、更正或删除。"
)
DEFAULT_BODY_EN = (
    "When you sign a child in, the Children's Home keeps the child's name, the time and who "
    "signed in, only to count who takes part, to plan activities and to reach the family when "
    "needed. Only the Home's manager and the district Women's Federation staff see it; it is "
    "never published or given to anyone else. You can ask at any time to see, correct or delete it."
)


class ConsentConflict(DomainError):
    code = "consent_version_conflict"


@dataclass(frozen=True)
class ShownConsent:
    """What the phone shows: the version, its text in the phone's language, period and contact."""

    version: int
    body: str
    period: str
    contact: str
    text_id: int | None = None  # None until a first acceptance saves version 1


def current_text() -> ConsentText | None:
    return db.session.execute(select(ConsentText).order_by(ConsentText.version.desc()).limit(1)).scalar_one_or_none()


def text_by_version(version: int) -> ConsentText | None:
    return db.session.execute(select(ConsentText).where(ConsentText.version == version)).scalar_one_or_none()


def all_texts() -> list[ConsentText]:
    return list(db.session.execute(select(ConsentText).order_by(ConsentText.version.desc())).scalars())


def consents_by_version() -> dict[int, dict[HowGiven, int]]:
    """How many consents each version has, ticked and carried over apart."""
    rows = db.session.execute(
        select(ConsentText.version, Consent.how_given, func.count(Consent.id))
        .join(Consent, Consent.text_id == ConsentText.id)
        .group_by(ConsentText.version, Consent.how_given)
    ).all()
    counts: dict[int, dict[HowGiven, int]] = {}
    for version, how_given, count in rows:
        counts.setdefault(version, {})[how_given] = count
    return counts


def _locale() -> str:
    return str(get_locale() or "zh_Hans")


def retention_words(period: str | None = None) -> str:
    """'3y' → "3年" / "3 years", in the reader's language (CLDR units, no catalogue needed)."""
    number, unit = parse_period(period or current_app.config["RETENTION"])
    kind = {"y": "duration-year", "m": "duration-month", "d": "duration-day"}[unit]
    return format_unit(number, kind, length="long", locale=_locale())


def privacy_contact() -> str:
    return current_app.config.get("PRIVACY_CONTACT") or _(
        "the manager of your Children's Home, or the district Women's Federation office"
    )


def shown_consent() -> ShownConsent:
    text = current_text()
    version = text.version if text else 1
    if text is not None:
        body = text.body(_locale())
    else:
        body = DEFAULT_BODY_EN if _locale() == "en" else DEFAULT_BODY_ZH
    return ShownConsent(
        version=version, body=body, period=retention_words(), contact=privacy_contact(), text_id=text and text.id
    )


def ensure_current_text() -> ConsentText:
    """The newest version, saving version 1 first when there is none yet."""
    text = current_text()
    if text is not None:
        return text
    try:
        with db.session.begin_nested():
            text = ConsentText(version=1, body_zh=DEFAULT_BODY_ZH, body_en=DEFAULT_BODY_EN)
            db.session.add(text)
    except IntegrityError:  # another phone saved it a moment ago
        text = text_by_version(1)
        if text is None:
            raise
    return text


def publish_text(*, body_zh: str, body_en: str, user) -> ConsentText:
    """A new version of the consent text; phones that accepted an older one are asked again."""
    newest = current_text()
    if newest is not None and (newest.body_zh.strip(), (newest.body_en or "").strip()) == (
        body_zh.strip(),
        body_en.strip(),
    ):  # a new version would ask every phone again for the same words
        raise DomainError(
            _("The text is the same as version {version}, so no new version was saved.").format(version=newest.version),
            code="consent_unchanged",
        )
    if newest is not None:
        _refuse_an_outdated_english_text(newest, body_zh=body_zh, body_en=body_en)
    version = (newest.version if newest else 0) + 1
    text = ConsentText(version=version, body_zh=body_zh, body_en=body_en, created_by_id=user.id)
    try:
        with db.session.begin_nested():
            db.session.add(text)
    except IntegrityError as error:
        raise ConsentConflict(
            _("Someone saved a new version at the same moment. Please check the text and save again.")
        ) from error
    record("consent.publish", user=user, target=f"version:{version}", english=bool(body_en.strip()))
    return text


def _refuse_an_outdated_english_text(newest: ConsentText, *, body_zh: str, body_en: str) -> None:
    """A new Chinese text beside the previous English one, word for word, is refused.

    A consent records the version, and a phone set to English shows the English text
    (``ConsentText.body``). Left as it was, that English would be recorded as accepting the
    new version's terms, which English readers were never shown. An empty English text is
    fine: English phones then show the Chinese text, the very words of the version.
    """
    english = body_en.strip()
    chinese_changed = body_zh.strip() != newest.body_zh.strip()
    if chinese_changed and english and english == (newest.body_en or "").strip():
        raise DomainError(
            _(
                "You changed the Chinese text but left the English text as in version {version}: phones set to "
                "English would record consent to words they were not shown. Please update the English text too, "
                "or empty it so that English phones show the Chinese text."
            ).format(version=newest.version),
            code="consent_english_outdated",
        )


def record_consent(
    *,
    version: int | None,
    activity: Activity,
    child_id: int | None,
    attendance_id: int | None = None,
    adult_signin_id: int | None = None,
    shown: ShownConsent | None = None,
    how_given: HowGiven = HowGiven.TICKED,
    carried_from: ScalarSelect[int] | None = None,
) -> Consent:
    """The guardian accepted ``version`` (the one the form showed) with this sign-in.

    ``shown``: the consent this request already read, which saves reading it again inside
    the write transaction when the accepted version is still the newest.
    """
    consent = Consent(
        text_id=_text_id(version, shown),
        site_id=activity.site_id,
        activity_id=activity.id,
        child_id=child_id,
        attendance_id=attendance_id,
        adult_signin_id=adult_signin_id,
        how_given=how_given,
        carried_from_id=carried_from,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def _text_id(version: int | None, shown: ShownConsent | None) -> int:
    if shown is not None and shown.version == version and shown.text_id is not None:
        return shown.text_id
    return ((text_by_version(version) if version else None) or ensure_current_text()).id


def carry_over_consent(
    *,
    shown: ShownConsent,
    activity: Activity,
    child_id: int,
    attendance_id: int | None = None,
    adult_signin_id: int | None = None,
    carried_from_id: int | None = None,
) -> Consent | None:
    """A child signed in, or named on a guardian's sign-in, from a phone that accepted ``shown``
    earlier, so the form did not ask.

    The phone's acceptance was recorded with the sign-in on which it was ticked; without a
    row of its own, a later child from the same phone had no consent anyone could show. It
    gets one, marked as carried over and linked to the sign-in it came with, unless it already
    has a consent for this version (from any phone): one lookup on the sign-in path, and an
    insert once per child and version.

    ``carried_from_id``: the ticked consent the phone's cookie names for the adult concerned
    (formsvc/attendance/form_consent.py). The row points at it (and through it at the sign-in
    the acceptance was ticked on) when it is a consent of this version; the check is part of
    the insert, so it costs no statement of its own.
    """
    if shown.text_id is not None and _has_consent(child_id, shown.text_id):
        return None
    try:
        with db.session.begin_nested():
            return record_consent(
                version=shown.version,
                activity=activity,
                child_id=child_id,
                attendance_id=attendance_id,
                adult_signin_id=adult_signin_id,
                shown=shown,
                how_given=HowGiven.CARRIED_OVER,
                carried_from=_ticked_of_version(carried_from_id, shown) if carried_from_id else None,
            )
    except IntegrityError:  # another phone carried it over for this child a moment ago
        if not _has_consent(child_id, _text_id(shown.version, shown)):
            raise
        return None


def _ticked_of_version(consent_id: int, shown: ShownConsent):
    """``consent_id`` when it is a ticked consent of the version shown, else NULL, as a subquery of
    the insert: a cookie outlives a restore of an older backup, where the id may be missing or
    another row's."""
    ticked = aliased(Consent)
    return (
        select(ticked.id)
        .join(ConsentText, ConsentText.id == ticked.text_id)
        .where(
            ticked.id == consent_id,
            ticked.how_given == HowGiven.TICKED,
            ConsentText.version == shown.version,
        )
        .scalar_subquery()
    )


def ticked_with(submission: Submission) -> int | None:
    """The consent ticked with the sign-in ``submission`` made, when exactly one was.

    A form sent again (its answer lost on the way) records nothing new, but the phone must still
    remember the tick it sent. Two phones may each have ticked for one sign-in (a child already
    signed in from another phone); then which was this form's is not known, and nothing is named.
    """
    signed_in = (
        Consent.attendance_id == submission.attendance_id
        if submission.attendance_id is not None
        else Consent.adult_signin_id == submission.adult_signin_id
    )
    ticked = (
        db.session.execute(select(Consent.id).where(signed_in, Consent.how_given == HowGiven.TICKED).limit(2))
        .scalars()
        .all()
    )
    return ticked[0] if len(ticked) == 1 else None


def _has_consent(child_id: int, text_id: int) -> bool:
    found = db.session.execute(
        select(Consent.id).where(Consent.child_id == child_id, Consent.text_id == text_id).limit(1)
    ).first()
    return found is not None


def move_consents(child: Child, target: Child) -> None:
    """A merged child's consents cover the child it was merged into.

    A carried-over row of a version the target already has one of stays where it was (with
    the sign-in the merge voided as a duplicate, most likely): one carried-over row per child
    and version is enough, and the unique index allows no second.
    """
    kept = aliased(Consent)
    already_carried = (
        select(kept.id)
        .where(
            kept.child_id == target.id,
            kept.text_id == Consent.text_id,
            kept.how_given == HowGiven.CARRIED_OVER,
        )
        .exists()
    )
    db.session.execute(
        update(Consent)
        .where(Consent.child_id == child.id)
        .where(~((Consent.how_given == HowGiven.CARRIED_OVER) & already_carried))
        .values(child_id=target.id)
        .execution_options(synchronize_session=False)
    )
