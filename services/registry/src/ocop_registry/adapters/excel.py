"""Excel output of reports (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_xlsx(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append([report["title"]])
    ws["A1"].font = Font(bold=True, size=13)
    keys = [k for k, _ in report["columns"]]
    ws.append([label for _, label in report["columns"]])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in report["rows"]:
        ws.append([row.get(k) for k in keys])
    for i, (_, label) in enumerate(report["columns"], start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = max(12, min(45, len(label) + 4))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
