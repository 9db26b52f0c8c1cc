"""Where today's units came from: the old (pre-07/2025) districts and provinces a current commune was formed
from, and the old units a plan written before the reform names. Plans set targets per old district; a record
placed in today's units counts towards the old district its commune came from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ocop_shared.admin_units import legacy
from ocop_shared.admin_units.current import Unit
from ocop_shared.admin_units.errors import AmbiguousUnit, UnknownUnit


@dataclass(frozen=True, slots=True)
class Origin:
    """The old units (codes) a current commune was formed from (several when communes of several old
    districts or provinces were merged into it)."""

    districts: frozenset[str]
    provinces: frozenset[str]


@cache
def _origins() -> dict[str, Origin]:
    t = legacy.tables()
    districts: dict[str, set[str]] = {}
    provinces: dict[str, set[str]] = {}
    for old_code, successors in t.successors.items():
        row = t.row_of_ward[old_code]
        for s in successors:
            districts.setdefault(s.commune.code, set()).add(row.district.code)
            provinces.setdefault(s.commune.code, set()).add(row.province.code)
    return {c: Origin(frozenset(districts[c]), frozenset(provinces[c])) for c in districts}


def origin(commune_code: str) -> Origin:
    """The old districts and provinces today's commune ``commune_code`` came from (empty when unknown)."""
    return _origins().get(commune_code, Origin(frozenset(), frozenset()))


def commune_district(old_commune_code: str) -> tuple[str, str] | None:
    """(old district code, old province code) of an old commune."""
    row = legacy.tables().row_of_ward.get(old_commune_code)
    return (row.district.code, row.province.code) if row else None


def old_province(written: str) -> Unit:
    """The old province ``written`` names (by code or name); 422 when none or several."""
    t = legacy.tables()
    if written.isdigit():
        found = t.provinces.get(f"{int(written):02d}")
        if found:
            return found
        raise UnknownUnit(f"Không có tỉnh cũ mã '{written}'")
    codes = legacy.province_codes(written)
    if len(codes) != 1:
        raise (AmbiguousUnit if codes else UnknownUnit)(f"Không xác định được tỉnh cũ '{written}'")
    return t.provinces[codes[0]]


def old_district(province_code: str, written: str) -> Unit:
    """The old district of old province ``province_code`` that ``written`` names; 422 when none or several."""
    found, _how = legacy.find_districts((province_code,), written)
    if len(found) != 1:
        raise (AmbiguousUnit if found else UnknownUnit)(
            f"Không tìm thấy huyện '{written}' của {legacy.tables().provinces[province_code].name} (trước 07/2025)"
        )
    return found[0]
