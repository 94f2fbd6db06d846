"""Upload forms of the imports: a filled-in sign-in sheet, a ledger, and the confirm step."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import Length

from formsvc.i18n import _l
from formsvc.sites.forms import ConfirmImportForm


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
