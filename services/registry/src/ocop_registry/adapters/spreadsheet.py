"""Reading the lists staff upload: the first sheet of an .xlsx (openpyxl) or a UTF-8 .csv, as rows of cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import load_workbook

from ocop_shared.errors import AppError


def table_rows(filename: str, content: bytes) -> Iterator[Sequence[Any]]:
    """The rows of the file, header first; 400 for a file that is not a readable .xlsx or .csv."""
    if filename.lower().endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # any unreadable workbook is the user's file, not our bug
            raise AppError("unreadable_file", f"Không đọc được tệp Excel: {exc}") from exc
        return wb.worksheets[0].iter_rows(values_only=True)
    if filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AppError("unreadable_file", "Tệp CSV phải mã hoá UTF-8") from exc
        return csv.reader(io.StringIO(text))
    raise AppError("unsupported_file", "Chỉ nhận tệp .xlsx hoặc .csv")
