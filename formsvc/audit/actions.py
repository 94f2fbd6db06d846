"""What each audit action code means, in the reader's language.

The log stores stable codes (``sheet.print_full_phones``); a district clerk looking for who
printed full phone numbers reads 打印签到表（完整手机号）. A code missing here is shown as stored.
"""

from __future__ import annotations

from formsvc.i18n import _l

ACTION_TITLES = {
    "activity.create": _l("Activity scheduled"),
    "activity.edit": _l("Activity changed or cancelled"),
    "activity.cancel": _l("Activity cancelled"),
    "activity.restore": _l("Activity restored"),
    "series.create": _l("Repeating activity scheduled"),
    "series.stop": _l("Repeating activity stopped"),
    "rollcall.present": _l("Roll-call: present"),
    "rollcall.absent": _l("Roll-call: tick taken back"),
    "paper.enter": _l("Paper sheet typed in"),
    "sheet.upload": _l("Sign-in sheet uploaded"),
    "ledger.import": _l("Ledger imported"),
    "attendance.void": _l("Child's sign-in voided"),
    "adult_signin.void": _l("Adult's sign-in voided"),
    "child.create": _l("Child added to the roster"),
    "roster.import": _l("Roster imported from a spreadsheet"),
    "child.update": _l("Child's details changed"),
    "child.confirm": _l("New name confirmed"),
    "child.merge": _l("Names merged"),
    "child.reject": _l("Name rejected"),
    "child.take_off": _l("Child added by mistake taken off the roster"),
    "child.erase": _l("Child's personal data erased"),
    "child.view_held": _l("What is held about a child viewed"),
    "sheet.print": _l("Sign-in sheet printed"),
    "sheet.print_full_phones": _l("Sign-in sheet printed with full phone numbers"),
    "sheet.export": _l("Sign-in sheet exported to Excel"),
    "sheet.export_full_phones": _l("Sign-in sheet exported with full phone numbers"),
    "poster.print": _l("Poster printed"),
    "poster.print_all": _l("Posters printed"),
    "tally.export": _l("Tally exported"),
    "survey.create": _l("Survey created"),
    "survey.edit": _l("Survey changed"),
    "survey.question_add": _l("Survey question added"),
    "survey.question_edit": _l("Survey question changed"),
    "survey.question_up": _l("Survey question moved up"),
    "survey.question_down": _l("Survey question moved down"),
    "survey.question_delete": _l("Survey question deleted"),
    "survey.use": _l("Survey put in use"),
    "survey.stop": _l("Survey stopped"),
    "survey.export": _l("Survey results exported"),
    "survey.answer_hide": _l("Survey comment hidden"),
    "survey.answer_show": _l("Survey comment shown again"),
    "site.create": _l("Children's Home added"),
    "site.edit": _l("Children's Home changed"),
    "site.activate": _l("Children's Home reopened"),
    "site.deactivate": _l("Children's Home closed"),
    "site.import": _l("Children's Homes imported"),
    "site.rotate_token": _l("Poster QR code replaced"),
    "user.create": _l("Account created"),
    "user.edit": _l("Account changed"),
    "user.enable": _l("Account enabled"),
    "user.disable": _l("Account disabled"),
    "user.unlock": _l("Account unlocked"),
    "user.password_reset": _l("Password reset"),
    "user.password_change": _l("Password changed"),
    "consent.publish": _l("Consent text published"),
    "privacy.purge": _l("Old records purged"),
}


def action_title(code: str) -> str:
    title = ACTION_TITLES.get(code)
    return str(title) if title is not None else code
