"""The "page quality" section at the end of a run: the tables tests/quality's gates record.

A hook of the root tests/conftest.py, which imports it: with pytest-xdist the controller, which
collects no test, loads only that conftest, and a hook in tests/quality/conftest.py would never
run there.
"""

from __future__ import annotations


def _format_table(table: dict) -> list[str]:
    columns = table["columns"]
    widths = [len(column) for column in columns]
    for row in table["rows"]:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=False)]
    lines = [table["title"]]
    for row in [columns, *table["rows"]]:
        cells = [
            cell.ljust(width) if index == 0 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  " + "  ".join(cells))
    return lines


def pytest_terminal_summary(terminalreporter):
    tables = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            tables.extend(value for key, value in getattr(report, "user_properties", ()) if key == "quality")
    if not tables:
        return
    terminalreporter.section("page quality (tests/quality)")
    for table in sorted(tables, key=lambda table: table["title"]):
        for line in _format_table(table):
            terminalreporter.write_line(line)
        terminalreporter.write_line("")
