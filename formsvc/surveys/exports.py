"""Survey results as a printable PDF and as an Excel workbook, both from one ``SurveyResults``.

Hidden (abusive) comments are never in either: the caller computes the results with
``include_hidden=False``. Cells go through ``formsvc.documents.spreadsheet.xlsx_value``, so a
comment such as ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

from dataclasses import asdict

from formsvc.documents.spreadsheet import fit_columns, print_to_fit, workbook_bytes, xlsx_value
from formsvc.i18n import _
from formsvc.surveys.figures import charts_for, mean_text, percent
from formsvc.surveys.results import SurveyResults


def results_pdf(results: SurveyResults, *, scope_label: str, period_label: str) -> bytes:
    from formsvc.documents.pdf import render_pdf

    return render_pdf(
        "pdf/survey_results.html",
        {
            "title": results.title,
            "scope_label": scope_label,
            "period_label": period_label,
            "results": asdict(results),
            "charts": charts_for(results),
            "percent": percent,
            "mean_text": mean_text,
        },
    )


def _append(sheet, row) -> None:
    sheet.append([xlsx_value(value) for value in row])


def _rate_note(results: SurveyResults) -> str | None:
    """Why the response rate cell is empty although the survey ran at activities."""
    if not results.more_responses_than_guardians:
        return None
    return _(
        "There are more answers ({answers}) than guardians signed in ({guardians}): anyone at the home can "
        "answer from the poster page without signing in, so no rate is given."
    ).format(answers=results.activity_responses, guardians=results.guardian_sign_ins)


def _keep_header_in_view(sheet, *, header_row: int) -> None:
    """The rows down to the column headings stay on screen while scrolling, and head every printed page."""
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"1:{header_row}"


def results_xlsx(results: SurveyResults, *, scope_label: str, period_label: str) -> bytes:
    from openpyxl import Workbook  # heavy: imported only when a workbook is made
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    linked = results.has_activity_links
    for row in (
        (_("Survey"), results.title),
        (_("Where"), scope_label),
        (_("Period"), period_label),
        (_("Responses"), results.responses),
        (_("Responses after activities"), results.activity_responses if linked else None),
        (
            _("Guardians signed in at those activities"),
            results.guardian_sign_ins if linked else None,
        ),
        (_("Response rate"), results.response_rate, _rate_note(results)),
    ):
        _append(summary, row)
        summary.cell(row=summary.max_row, column=1).font = bold
    summary.cell(row=summary.max_row, column=2).number_format = "0%"
    summary.append([])
    _append(summary, (_("Township"), _("Children's Home"), _("Responses"), _("Mean rating")))
    for cell in summary[summary.max_row]:
        cell.font = bold
    for site in results.sites:
        _append(summary, (site.township_name, site.site_name, site.responses, site.mean_rating))
        summary.cell(row=summary.max_row, column=4).number_format = "0.00"

    comments = []
    for version in results.versions:
        sheet = workbook.create_sheet(_("Version {number}").format(number=version.number)[:31])
        _append(sheet, (version.title, _("Responses"), version.responses))
        header = (_("No."), _("Question"), _("Kind"), _("Answered"), _("Answer"), _("Count"), _("Share"))
        _append(sheet, (*header, _("Mean rating"), _("Share of 4 and 5"), _("Condition")))
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for question in version.questions:
            _append(
                sheet,
                (
                    question.number,
                    question.title,
                    question.kind_title,
                    question.answered,
                    None,
                    None,
                    None,
                    question.mean,
                    question.top_share,
                    question.condition_hint or None,
                ),
            )
            sheet.cell(row=sheet.max_row, column=8).number_format = "0.00"
            sheet.cell(row=sheet.max_row, column=9).number_format = "0%"
            for option in question.options:
                _append(sheet, (None, None, None, None, option.label, option.count, option.share))
                sheet.cell(row=sheet.max_row, column=7).number_format = "0%"
            for comment in question.comments or []:
                comments.append((version.number, question.number, question.title, comment))
        fit_columns(sheet, first_row=2)
        _keep_header_in_view(sheet, header_row=2)

    sheet = workbook.create_sheet(_("Comments")[:31])
    _append(sheet, (_("Version"), _("No."), _("Question"), _("Date"), _("Children's Home"), _("Comment")))
    for cell in sheet[1]:
        cell.font = bold
    for version_number, number, title, comment in comments:
        _append(sheet, (version_number, number, title, comment.on_date, comment.site_name, comment.text))
        sheet.cell(row=sheet.max_row, column=4).number_format = "yyyy-mm-dd"
    fit_columns(sheet, maximum=80)
    _keep_header_in_view(sheet, header_row=1)
    fit_columns(summary)
    for each in workbook.worksheets:
        print_to_fit(each)
    return workbook_bytes(workbook)
