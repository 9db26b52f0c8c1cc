"""Administrative units checked against the ``vietnam-provinces`` package (GSO codes, post-07/2025 units).

A unit may be given by code (``"19"``, ``19``) or by name (``"Thái Nguyên"``, ``"tỉnh Thái Nguyên"``).
Records store the code and the name valid when recorded. Records made before the 07/2025 reform (they
carry a ``district``) keep the names they were made with: their province and commune are not checked
against today's list, which no longer has them.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward

from ocop_shared.errors import DomainError
from ocop_shared.events.models import AdminUnit


class UnknownUnit(DomainError, code="unknown_admin_unit"): ...


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().strip()
    for prefix in ("thành phố ", "tỉnh ", "tp. ", "tp ", "xã ", "phường ", "đặc khu ", "thị trấn "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return " ".join(text.split())


@cache
def _provinces() -> tuple[dict[str, Province], dict[str, Province]]:
    by_code, by_name = {}, {}
    for p in Province.iter_all():
        by_code[str(int(p.code))] = p
        by_name[_norm(p.name)] = p
    return by_code, by_name


@cache
def _wards(province_code: int) -> tuple[dict[str, Ward], dict[str, list[Ward]]]:
    by_code: dict[str, Ward] = {}
    by_name: dict[str, list[Ward]] = {}
    for w in Ward.iter_by_province(Province.from_code(ProvinceCode(province_code)).code):
        by_code[str(int(w.code))] = w
        by_name.setdefault(_norm(w.name), []).append(w)
    return by_code, by_name


def _code_key(code: str) -> str:
    return str(int(code)) if code.strip().isdigit() else code.strip()


def resolve_province(unit: AdminUnit) -> AdminUnit:
    by_code, by_name = _provinces()
    p = by_code.get(_code_key(unit.code)) if unit.code else by_name.get(_norm(unit.name))
    if p is None:
        raise UnknownUnit(message=f"Không tìm thấy tỉnh/thành phố '{unit.code or unit.name}' trong danh mục hiện hành")
    if unit.code and unit.name and _norm(unit.name) != _norm(p.name):
        raise UnknownUnit(message=f"Mã {unit.code} là '{p.name}', không phải '{unit.name}'")
    return AdminUnit(code=f"{int(p.code):02d}", name=p.name)


def resolve_commune(province: AdminUnit, unit: AdminUnit) -> AdminUnit:
    """A commune of ``province`` (a province as :func:`resolve_province` returns it: with its code)."""
    by_code, by_name = _wards(int(province.code or 0))
    if unit.code:
        w = by_code.get(_code_key(unit.code))
    else:
        matches = by_name.get(_norm(unit.name), [])
        exact = [w for w in matches if unicodedata.normalize("NFC", unit.name).strip().lower() == w.name.lower()]
        candidates = exact or matches
        w = candidates[0] if len(candidates) == 1 else None
        if len(candidates) > 1:
            raise UnknownUnit(message=f"'{unit.name}' trùng tên nhiều xã/phường của {province.name}: ghi rõ mã")
    if w is None:
        raise UnknownUnit(message=f"Không tìm thấy xã/phường '{unit.code or unit.name}' thuộc {province.name}")
    if unit.code and unit.name and _norm(unit.name) != _norm(w.name):
        raise UnknownUnit(message=f"Mã {unit.code} là '{w.name}', không phải '{unit.name}'")
    return AdminUnit(code=f"{int(w.code):05d}", name=w.name)


def resolve_units(
    province: AdminUnit, commune: AdminUnit | None, district: AdminUnit | None
) -> tuple[AdminUnit, AdminUnit | None, AdminUnit | None]:
    if district is not None:  # a record from before the 07/2025 reform: kept as written
        return province, commune, district
    p = resolve_province(province)
    return p, resolve_commune(p, commune) if commune else None, None
