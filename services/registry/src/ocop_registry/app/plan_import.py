"""A plan's target tables read from a spreadsheet shaped like the seed plans' annexes: under a title, a header
row with "Đơn vị" and one column per indicator (worded as the plans word them), one row per unit, "Toàn
tỉnh" last. Several tables may follow each other on the sheet (KH 180/2024 has two): their columns are
merged per unit. Columns the configuration does not know (STT, notes) are ignored and named."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ocop_registry.adapters.spreadsheet import table_rows
from ocop_shared.admin_units.text import fold
from ocop_shared.errors import DomainError

# folded words of a header → the indicator it is (first match wins, so the more specific come first)
HEADER_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("chu the moi",), "new_producers"),
    (("cung co", "chu the"), "producers_consolidated"),
    (("3 sao",), "new_3star"),
    (("truy xuat",), "traced"),
    (("lien ket",), "linked"),
    (("chat luong tien tien",), "advanced_quality"),
)


MAX_ROWS = 2000
MAX_UPLOAD = 5 * 2**20  # a plan's annex is a few kilobytes


def targets_from_file(filename: str, content: bytes) -> dict[str, Any]:
    """The tables of an uploaded .xlsx (first sheet) or .csv (see ``targets_from_rows``)."""
    return targets_from_rows(table_rows(filename, content))


def indicator_of(header: str) -> str | None:
    words = fold(header)
    for needed, key in HEADER_WORDS:
        if all(w in words for w in needed):
            return key
    return None


def _count(value: Any, row: int, header: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise DomainError("invalid_target", f"Dòng {row}, cột '{header}': chỉ tiêu phải là số")
    if isinstance(value, int | float) and float(value).is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise DomainError("invalid_target", f"Dòng {row}, cột '{header}': '{value}' không phải số nguyên không âm")


def targets_from_rows(rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """``{"indicators", "targets", "ignored_columns"}`` from the sheet's rows; 422 when no table is found."""
    columns: dict[int, tuple[str, str]] | None = None  # cell index → (indicator, header)
    unit_col = 0
    order: list[str] = []
    values: dict[str, dict[str, int | None]] = {}
    ignored: list[str] = []
    indicators: list[str] = []
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise DomainError("too_many_rows", f"Bảng chỉ tiêu quá dài (tối đa {MAX_ROWS} dòng)")
        cells = ["" if c is None else str(c).strip() for c in row]
        folded = [fold(c) for c in cells]
        if "don vi" in folded:
            unit_col = folded.index("don vi")
            columns = {}
            for i, header in enumerate(cells):
                if i == unit_col or not header:
                    continue
                key = indicator_of(header)
                if key is None:
                    ignored.append(header)
                    continue
                columns[i] = (key, header)
                indicators += [key] if key not in indicators else []
            continue
        if columns is None or unit_col >= len(cells) or not cells[unit_col]:
            continue
        unit = cells[unit_col]
        if fold(unit).startswith(("kem theo", "ghi chu")):
            continue
        if unit not in values:
            order.append(unit)
            values[unit] = {}
        for i, (key, header) in columns.items():
            values[unit][key] = _count(row[i] if i < len(row) else None, number, header)
    if not indicators:
        raise DomainError("no_plan_table", "Không tìm thấy bảng chỉ tiêu (dòng tiêu đề có cột 'Đơn vị')")
    return {
        "indicators": indicators,
        "targets": [{"unit": u, "values": values[u]} for u in order],
        "ignored_columns": list(dict.fromkeys(ignored)),
    }
