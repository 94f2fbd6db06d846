"""Upload forms of the imports: a filled-in sign-in sheet, a ledger, and the confirm step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import Length

from formsvc.errors import DomainError
from formsvc.extensions import db
from formsvc.forms import form_problem
from formsvc.i18n import _, _l
from formsvc.sites.forms import ConfirmImportForm
from formsvc.text import clean_text
from formsvc.uploads import discard_upload, keep_upload, load_upload

T = TypeVar("T")


class SheetUploadForm(FlaskForm):
    file = FileField(
        _l("The filled-in sign-in sheet (Excel)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["xlsx", "csv"], message=_l("Please upload the sheet's XLSX file.")),
        ],
    )


class LedgerImportForm(FlaskForm):
    file = FileField(
        _l("Ledger (CSV or XLSX)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["csv", "xlsx", "txt"], message=_l("Please upload a CSV or XLSX file.")),
        ],
    )


class ConfirmUploadForm(ConfirmImportForm):
    """The kept upload's token, and the name the file had on the clerk's computer."""

    filename = HiddenField(validators=[Length(max=200)])


# The two steps every import shares: read the chosen file, show what it would change and keep
# it under a token; on confirm, read it back under the name it had on the clerk's computer
# (the audit log keeps that name).


def read_upload(form, default_name: str) -> tuple[bytes, str]:
    """The uploaded bytes and file name; a large upload's temporary file is closed at once."""
    storage = form.file.data
    try:
        return storage.read(), clean_text(storage.filename or "")[:200] or default_name
    finally:
        storage.close()


def confirm_form_for(raw: bytes, filename: str) -> ConfirmUploadForm:
    return ConfirmUploadForm(upload=keep_upload(raw, filename), filename=filename)


def stored_upload(form: ConfirmUploadForm) -> tuple[bytes, str] | None:
    """The kept bytes and the real file name, or None when the upload expired or the form is bad."""
    stored = load_upload(form.upload.data) if form.validate_on_submit() else None
    if stored is None:
        return None
    raw, kept_name = stored  # kept under a random name; the form carries the real one
    return raw, clean_text(form.filename.data or "") or kept_name


def check_upload(form, plan_file: Callable[[bytes, str], T], *, ready: Callable[[T], bool], default_name="upload.xlsx"):
    """An import page's first step, the same for every import: read the uploaded file, plan it
    (nothing is written), and offer the confirm button when ``ready(plan)`` says the plan is
    clean and writes something. Returns (plan, problem, confirm_form), each None when absent."""
    plan = problem = confirm_form = None
    if form.validate_on_submit():
        raw, filename = read_upload(form, default_name)
        try:
            plan = plan_file(raw, filename)
        except DomainError as error:
            problem = error.message
        else:
            if ready(plan):
                confirm_form = confirm_form_for(raw, filename)
    elif form.is_submitted():
        problem = form_problem(form)
    return plan, problem, confirm_form


def confirm_upload(apply: Callable[[bytes, str], T], *, category: str = "message") -> T | None:
    """An import's confirm step, the same for every import: ``apply(raw, filename)`` on the upload
    kept at the check, committed, and the kept file discarded. None, with the reason flashed
    (``category``) and nothing written, when the kept upload expired or the import refuses it."""
    form = ConfirmUploadForm()
    stored = stored_upload(form)
    if stored is None:
        flash(_("The upload has expired. Please choose the file again."), category)
        return None
    try:
        result = apply(*stored)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, category)
        return None
    db.session.commit()
    discard_upload(form.upload.data)
    return result
