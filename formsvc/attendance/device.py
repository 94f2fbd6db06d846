""" "Remember me on this phone": the last entries, kept in a cookie on the device only.

A convenience, never something a flow depends on: WeChat and iOS clear cookies freely, and
nothing about the person ever goes into a URL.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Response, current_app, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from formsvc.attendance.models import Relation
from formsvc.attendance.services import match_roster
from formsvc.sites.models import Site
from formsvc.text import name_key
from formsvc.tokens import random_token

COOKIE = "fs_me"
MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetimes at about 400 days
REMEMBERED_FIELDS = ("child_name", "signed_by", "name", "relation", "phone", "village")
# The children last signed in from this phone, newest first: a grandmother of two taps the
# other one's name instead of typing it every day.
CHILDREN_KEY = "children"
CHILDREN_KEPT = 4


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="device-memory")


def _stored() -> dict:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    return data if isinstance(data, dict) else {}


def recall() -> dict[str, str]:
    return _fields(_stored())


def remembered_children() -> list[str]:
    return _children(_stored())


def remembered_children_at(site: Site) -> list[str]:
    """The children this phone signed in who are on this home's roster, by their roster names.

    Another home's child is not offered (one tap would put them in this home's review queue),
    nor a name the manager has since corrected (it would add the child again); a name merged
    into another child is offered as that child.
    """
    offered: list[str] = []
    for name in remembered_children():
        child = match_roster(site, name)
        if child is not None and child.name not in offered:
            offered.append(child.name)
    return offered


def _fields(data: dict) -> dict[str, str]:
    return {key: str(value) for key, value in data.items() if key in REMEMBERED_FIELDS and value}


def _children(data: dict) -> list[str]:
    """The children signed in from this phone, newest first (the last one alone, for a cookie
    written before the list was kept)."""
    children = data.get(CHILDREN_KEY)
    if not isinstance(children, list):
        children = [data["child_name"]] if isinstance(data.get("child_name"), str) else []
    return [name for name in children if isinstance(name, str) and name][:CHILDREN_KEPT]


def pick_token(name: str) -> str:
    """What a "this phone also signed in" link carries for a child: not the name (addresses end
    up in logs and WeChat's history), and not a position in the list, which a page brought back
    by Back would read against a list that has changed since."""
    digest = hmac.new(current_app.secret_key.encode(), f"pick:{name_key(name)}".encode(), hashlib.sha256)
    return digest.hexdigest()[:12]


def prefill(form, *, only: tuple[str, ...] = REMEMBERED_FIELDS) -> bool:
    """Fill the form's empty fields (of ``only``) from the device; True when anything was filled."""
    filled = False
    for key, value in _with_relation_from_signed_by(recall()).items():
        field = getattr(form, key, None)
        if key in only and field is not None and not field.data:
            field.data = value
            filled = True
    return filled


def _with_relation_from_signed_by(remembered: dict[str, str]) -> dict[str, str]:
    """The guardian form's relation, when the phone remembers none, is who signed a child in on it.

    A grandmother who chose 外婆 on the child form finds it chosen on a lecture's form too, as she
    finds the child's name there. A relation sent on the guardian form comes first (it was given
    with the adult's name), and "the child themself" is no guardian's relation.
    """
    signed_by = remembered.get("signed_by")
    if "relation" in remembered or signed_by in (None, Relation.SELF.value):
        return remembered
    return {**remembered, "relation": signed_by}


def remember(response: Response, form) -> None:
    """After a sign-in: the phone remembers the form's fields as they were sent.

    A field left empty is forgotten, not kept from before: on a shared phone the neighbour who
    emptied the grandmother's number and grandchild got them back under her own name. The
    fields the form does not have (the guardian form has no "signed by", the volunteer form no
    child) and the children signed in from this phone stay while the same adult signs in; another
    adult's name starts afresh, so nothing of the previous one is shown to the next.
    """
    stored = _stored()  # the cookie read once
    sent = {key: form[key].data or "" for key in REMEMBERED_FIELDS if key in form}
    if _another_adult(_fields(stored).get("name", ""), sent.get("name", "")):
        data, children = {}, []
    else:
        data, children = _fields(stored), _children(stored)
    for key, value in sent.items():
        if value:
            data[key] = value
        else:
            data.pop(key, None)
    if sent.get("child_name"):  # one place per child, however it was spelt
        key = name_key(sent["child_name"])
        children = [sent["child_name"], *(name for name in children if name_key(name) != key)]
    data[CHILDREN_KEY] = children[:CHILDREN_KEPT]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(data),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def _another_adult(remembered: str, sent: str) -> bool:
    """The form names another adult than the one the phone remembers (however the name is spaced).

    A phone that remembers no adult (only children, from the child form) takes the first one
    named as theirs: its children are that adult's. (The consent does not: an acceptance ticked
    with no adult known asks each adult who names a child, form_consent.py.)
    """
    return bool(name_key(remembered)) and bool(name_key(sent)) and name_key(sent) != name_key(remembered)


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE)


# A random id for this browser, kept in the signed session cookie (it ends with the browser
# session): per-phone rate limits count by it, so one Wi-Fi shared by a village is not one
# phone. Dropping the cookie only yields a fresh id, which the per-address bound still counts.
DEVICE_ID_KEY = "device_id"


def device_id() -> str | None:
    value = session.get(DEVICE_ID_KEY)
    return value if isinstance(value, str) else None


def ensure_device_id() -> None:
    if device_id() is None:
        session[DEVICE_ID_KEY] = random_token(12)
