"""Every spreadsheet and CSV file the system writes goes through here, so none carries a live formula.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a line
break, what follows) as a formula: a product named ``=HYPERLINK("http://evil.example/","Bấm")`` would become
a live link in an official's Excel report (CSV/formula injection, OWASP). The rule, one place:

- **.xlsx**: text stays text. Such a cell is written with data type string (never ``f``, a formula) and the
  quote-prefix style, so Excel keeps it text even when someone edits the cell. The value is unchanged.
- **CSV**: the cell gets a leading ``'`` (a CSV has no types; that is what spreadsheets honour).

Numbers, dates and booleans are written as such; only text is checked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
# What a spreadsheet may read as the start of a formula: OWASP's list (= + - @ tab CR), a line feed and NUL,
# and the full-width forms some spreadsheet programs also accept.
FORMULA_START = frozenset("=+-@\t\r\n\0＝＋－＠")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula (leading spaces are skipped, as some do)."""
    stripped = text.lstrip(" ")
    return bool(stripped) and stripped[0] in FORMULA_START


def csv_cell(value: Any) -> str:
    """The text of one CSV cell: ``'`` before text that could start a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    if isinstance(value, str) and is_formula_like(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Sequence[Any]], *, lineterminator: str = "\r\n") -> str:
    """A whole CSV document (RFC 4180: CRLF lines, so a cell holding a lone CR is quoted too; every cell through
    :func:`csv_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue()


def xlsx_cell_value(value: Any) -> Any:
    """What openpyxl is given for a value: text, number, date or empty (lists are joined)."""
    if isinstance(value, list | tuple | set):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; the values are UTC
    if isinstance(value, str):
        # control characters cannot be stored in a worksheet (openpyxl raises): shown as U+FFFD, the stored
        # record unchanged (schemathesis found an audit entry of a hostile path crashing the audit's .xlsx)
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def append_row(ws: Worksheet, values: Iterable[Any], *, font: Font | None = None) -> None:
    """One row at the bottom of ``ws``; text cells stay text (never a formula). Cells are made here and handed
    to ``ws.append`` (``ws.max_row`` scans every cell: asking it per row made a report quadratic)."""
    cells = []
    for value in values:
        value = xlsx_cell_value(value)
        cell = Cell(ws, value=value)
        if isinstance(value, str):
            # openpyxl turns text starting with "=" into a formula cell: force a string, and the quote prefix
            # so that editing the cell in Excel does not turn it into one either.
            cell.data_type = "s"
            if is_formula_like(value):
                cell.quotePrefix = True
        if font is not None:
            cell.font = font
        cells.append(cell)
    ws.append(cells)


def table_xlsx(title: str, columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, Any]], sheet: str) -> bytes:
    """A one-sheet workbook: a bold title line, a header of column labels, one line per row (by column key)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    append_row(ws, [title], font=Font(bold=True, size=13))
    append_row(ws, [label for _, label in columns], font=Font(bold=True))
    keys = [k for k, _ in columns]
    for row in rows:
        append_row(ws, [row.get(k) for k in keys])
    for i, (_, label) in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = max(12, min(45, len(label) + 4))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


__all__ = ["CSV", "XLSX", "append_row", "csv_cell", "csv_text", "is_formula_like", "table_xlsx"]
