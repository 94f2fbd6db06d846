"""A site open all day whose public forms received hostile input, and the people who look at it.

Everything goes in through the real phone forms (CSRF on), as an attacker with a phone would
send it; the admin then opens the pages, PDFs and exports that show it.
"""

from __future__ import annotations

from dataclasses import dataclass

from formsvc.extensions import db
from tests.conftest import CONSENT, form_fields
from tests.security.test_admin_scoping import database_fingerprint  # noqa: F401  (re-exported)
from tests.survey_helpers import make_template, spec, use_at_site

ALL_DAY = {"opens": "00:00", "closes": "23:59"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}

# Markup and script: each must come back as text, never as a tag, attribute or URL.
MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "'><a href=javascript:x>",
    "{{7*7}}<b>t</b>",
]
# A spreadsheet would run these as formulas: exports must keep them text.
FORMULAS = [
    '=HYPERLINK("http://e.vil","x")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)",
]
PAYLOADS = MARKUP + FORMULAS
# Tags and handlers that would run if any payload were rendered as markup.
LIVE_MARKUP = ("<script>alert", "<img src=x", "<svg/onload", "<a href=javascript", "<b>t</b>")


@dataclass
class AttackWorld:
    site: dict
    activity: dict
    survey_token: str
    survey_id: int
    admin: dict
    manager: dict


def build(app, make, day) -> AttackWorld:
    site = make.site()
    activity = make.activity(
        site, day=day, kind="other", title="周末活动", children=True, guardians=True, volunteers=True, **ALL_DAY
    )
    survey_id = make_template(
        app, [spec("rating", "满意吗"), spec("short_text", "一句话"), spec("long_text", "建议")], site_id=site["id"]
    )
    token = use_at_site(app, survey_id, site["id"])
    admin = make.user("boss", role="admin")
    manager = make.user("amy", sites=[site])
    return AttackWorld(site, activity, token, survey_id, admin, manager)


def post_form(client, path: str, values: dict, headers=ZH):
    fields = form_fields(client.get(path, headers=headers).data)
    return client.post(path, data={**fields, **values}, headers=headers)


def sign_in_everywhere(app, world: AttackWorld, payloads=PAYLOADS) -> None:
    """Every payload into every public text field, each from a phone of its own.

    The name fields refuse signs no name has (<, =, @ …) and a name without a letter, in
    words; such a payload is then signed in under a stand-in name, and the stored names are
    set to it afterwards, as rows saved before names were checked (or typed in from a paper
    sheet) carry it. Every other field takes the payload as it is.
    """
    from sqlalchemy import update

    from formsvc.attendance.models import AdultSignIn, Child

    token = world.activity["token"]
    for number, payload in enumerate(payloads):
        phone = app.test_client()
        refused = post_form(phone, f"/a/{token}/child", {"child_name": payload, "signed_by": "mother", **CONSENT})
        name = payload if refused.status_code == 302 else f"王替身{'甲乙丙丁戊己庚辛壬癸'[number]}"
        child = refused if name == payload else post_form(
            phone, f"/a/{token}/child", {"child_name": name, "signed_by": "mother", **CONSENT}
        )  # fmt: skip
        guardian = post_form(
            phone,
            f"/a/{token}/guardian",
            # The child form's tick knew no adult, so the guardian naming a child ticks her own.
            {"name": name, "relation": "mother", "village": payload, "child_name": name, **CONSENT},
        )
        volunteer = post_form(phone, f"/a/{token}/volunteer", {"name": name, "village": payload})
        survey = post_form(phone, f"/q/{world.survey_token}", {"q1": "4", "q2": payload, "q3": payload})
        for response in (child, guardian, volunteer, survey):
            assert response.status_code == 302, (payload, response.status_code)
        if name != payload:
            with app.app_context():
                db.session.execute(update(Child).where(Child.name == name).values(name=payload))
                db.session.execute(update(AdultSignIn).where(AdultSignIn.name == name).values(name=payload))
                db.session.execute(update(AdultSignIn).where(AdultSignIn.child_name == name).values(child_name=payload))
                db.session.commit()


def rows(app, model) -> list:
    from sqlalchemy import select

    with app.app_context():
        return list(db.session.execute(select(model)).scalars())
