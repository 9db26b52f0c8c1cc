"""Placing a written address in today's units: the one entry point every service uses (``place``).

Which list the units come from is told by what is written: a district, or a province that no longer exists
(Bắc Kạn, '06'), means before 07/2025; a current province with a commune it has today means today's units;
a current province with a commune it does not have today is looked up among the old communes merged into
it (mixed addresses are common: 'xã Thượng Quan, tỉnh Thái Nguyên'). Codes alone cannot tell: seven
province codes changed meaning (24 was Bắc Giang, is Bắc Ninh) and most commune codes name another commune
today, so ``unit_scheme`` settles it when a caller knows better.

An old commune split between several new ones is never resolved by guessing: ``on_split="refuse"`` (the API
and the console: a person is there to choose) raises ``AmbiguousUnit`` with the candidates;
``on_split="pending"`` (bulk imports, migrations) places the province, leaves the commune unset and lists
the candidates for an official.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from ocop_shared.addresses import AddressFields, Candidate, CurrentUnits, Scheme, UnitIn
from ocop_shared.admin_units import current, legacy
from ocop_shared.admin_units.current import Unit
from ocop_shared.admin_units.errors import AmbiguousUnit, UnknownUnit, not_found
from ocop_shared.admin_units.text import closest
from ocop_shared.events.models import AdminUnit, RecordedAddress, RecordedUnit

SplitPolicy = Literal["refuse", "pending"]


@dataclass(frozen=True)
class Placement:
    """Today's province and commune (None: none written, or a split old commune waiting for a choice), the
    address as written and how it was placed."""

    province: AdminUnit
    commune: AdminUnit | None
    recorded: RecordedAddress
    current: CurrentUnits


def place(address: AddressFields, *, on_split: SplitPolicy = "refuse") -> Placement:
    return place_units(
        address.province,
        address.district,
        address.commune,
        choose=address.current_commune,
        scheme=address.unit_scheme,
        on_split=on_split,
    )


def place_units(
    province: UnitIn,
    district: UnitIn | None = None,
    commune: UnitIn | None = None,
    *,
    choose: UnitIn | None = None,
    scheme: Scheme | None = None,
    on_split: SplitPolicy = "refuse",
) -> Placement:
    now = _current_province(province, scheme)
    if scheme == "current" or (scheme is None and district is None and now is not None):
        if now is None:
            raise _unknown_province(province, "danh mục hiện hành (sau 07/2025)")
        if district is not None:
            raise UnknownUnit(
                "Từ 07/2025 không còn cấp huyện: bỏ huyện, hoặc ghi địa chỉ theo đơn vị trước sáp nhập",
                [{"level": "district", "given": district.given, "suggestions": []}],
            )
        return _today(province, now, commune, choose, allow_legacy=scheme is None, on_split=on_split)
    return _legacy(province, now, district, commune, choose, on_split)


# -- today's units ---------------------------------------------------------------------------------------


def _current_province(written: UnitIn, scheme: Scheme | None) -> Unit | None:
    """Today's province ``written`` names, or None for one that exists only in the old list. A code and a name
    must agree in one of the two lists ('24' 'Bắc Giang' is the old Bắc Giang, not today's 24 Bắc Ninh)."""
    if scheme == "legacy":
        return None
    if written.code:
        found = current.province(written.code)
        if found and (not written.name or current.same_name(written.name, found.name)):
            return found
        old = legacy.tables().provinces.get(f"{int(written.code):02d}") if scheme is None else None
        if old and (not written.name or current.same_name(written.name, old.name)):
            return None  # an old province code (and its old name)
        if found or scheme is None:
            raise _mismatch("province", written, found)
        return None
    return current.match_province(written.name)


def _today(
    province: UnitIn,
    now: Unit,
    commune: UnitIn | None,
    choose: UnitIn | None,
    *,
    allow_legacy: bool,
    on_split: SplitPolicy,
) -> Placement:
    recorded_province = RecordedUnit(given=province.given, code=now.code, name=now.name)
    if commune is None:
        _no_choice_without_commune(choose)
        return _placed("current", recorded_province, None, None, now, None, "exact")
    hits, how = _current_commune(now, commune)
    if len(hits) == 1:
        _choice_agrees(choose, hits[0])
        recorded = RecordedUnit(given=commune.given, code=hits[0].code, name=hits[0].name)
        return _placed("current", recorded_province, None, recorded, now, hits[0], "exact", match=how)
    if len(hits) > 1:
        raise AmbiguousUnit(
            f"'{commune.given}' là tên của nhiều xã/phường thuộc {now.name}: ghi rõ mã",
            [{"level": "commune", "given": commune.given, "reason": "same_name", "candidates": _units(hits)}],
        )
    if allow_legacy:  # today's province, a commune it had before 07/2025
        try:
            return _legacy(province, now, None, commune, choose, on_split)
        except UnknownUnit:
            pass
    pairs = [(u.name, {"code": u.code, "name": u.name}) for u in current.communes(now.code).units]
    if allow_legacy:
        olds = legacy.communes_of(legacy.tables().constituents[now.code], None)
        pairs += [(o.ward.name, _old_payload(o)) for o in olds if o.ward]
    suggestions = _suggest(commune.given, pairs)
    raise not_found("commune", commune.given, now.name, suggestions)


def _current_commune(now: Unit, written: UnitIn) -> tuple[tuple[Unit, ...], str | None]:
    if written.code:
        found = current.commune(now.code, written.code)
        if found is None:
            return (), None
        if written.name and not current.same_name(written.name, found.name):
            raise _mismatch("commune", written, found)
        return (found,), "code"
    return current.communes(now.code).match(written.name)


# -- before 07/2025 --------------------------------------------------------------------------------------


def _legacy(
    province: UnitIn,
    now: Unit | None,
    district: UnitIn | None,
    commune: UnitIn | None,
    choose: UnitIn | None,
    on_split: SplitPolicy,
) -> Placement:
    t = legacy.tables()
    pcodes = t.constituents[now.code] if now else _old_provinces(province)
    district_codes: set[str] | None = None
    recorded_district = None
    if district is not None:
        found = _old_district(district, pcodes)
        district_codes = legacy.with_successor_districts(found)
        pcodes = tuple(pc for pc in pcodes if pc in {t.district_province[u.code] for u in found})
        recorded_district = RecordedUnit(given=district.given, code=found[0].code, name=found[0].name)
    target = current.provinces()[t.province_of_new[pcodes[0]]]
    old_province = t.provinces[pcodes[0]] if len(pcodes) == 1 else (now or target)
    recorded_province = RecordedUnit(given=province.given, code=old_province.code, name=old_province.name)
    if commune is None:
        _no_choice_without_commune(choose)
        return _placed("legacy", recorded_province, recorded_district, None, target, None, "converted")
    rows, how = _old_commune(commune, pcodes, district_codes, recorded_district)
    if not rows and not commune.code:  # an old province written with today's commune name
        hits = current.communes(target.code).match(commune.name)[0]
        if len(hits) == 1:
            _choice_agrees(choose, hits[0])
            recorded = RecordedUnit(given=commune.given, code=hits[0].code, name=hits[0].name)
            return _placed(
                "legacy", recorded_province, recorded_district, recorded, target, hits[0], "converted", "current"
            )
    if not rows:
        pool = legacy.communes_of(pcodes, district_codes)
        suggestions = _suggest(commune.given, [(o.ward.name, _old_payload(o)) for o in pool if o.ward])
        where = recorded_district.name if recorded_district else old_province.name
        raise not_found("commune", commune.given, f"{where} (trước 07/2025)", suggestions)
    if len(rows) > 1:
        raise AmbiguousUnit(
            f"'{commune.given}' là tên của {len(rows)} xã/phường trước 07/2025: ghi rõ huyện",
            [
                {
                    "level": "commune",
                    "given": commune.given,
                    "reason": "several_districts",
                    "candidates": [_old_payload(o) for o in rows],
                }
            ],
        )
    return _successor(rows[0], province, district, commune, choose, on_split, how)


def _old_district(written: UnitIn, pcodes: tuple[str, ...]) -> list[Unit]:
    found, _how = legacy.find_districts(pcodes, written.code or written.name)
    if not found:
        raise _unknown_district(written, pcodes)
    if written.code and written.name and not current.same_name(written.name, found[0].name):
        raise _mismatch("district", written, found[0])
    return found


def _old_commune(
    written: UnitIn, pcodes: tuple[str, ...], district_codes: set[str] | None, district: RecordedUnit | None
) -> tuple[list[legacy.Old], str | None]:
    rows, how = legacy.find_communes(pcodes, district_codes, written.code or written.name)
    ward = rows[0].ward if rows else None
    if ward and written.code and written.name and not current.same_name(written.name, ward.name):
        raise _mismatch("commune", written, ward)
    if not rows and district_codes is not None and district is not None:
        elsewhere, _ = legacy.find_communes(pcodes, None, written.code or written.name)
        if elsewhere:
            names = ", ".join(f"{o.ward.name} ({o.district.name})" for o in elsewhere if o.ward)
            raise UnknownUnit(
                f"Xã/phường/thị trấn '{written.given}' không thuộc {district.name}: có {names}",
                [{"level": "commune", "given": written.given, "suggestions": [_old_payload(o) for o in elsewhere]}],
            )
    return rows, how


def _successor(
    o: legacy.Old,
    province: UnitIn,
    district: UnitIn | None,
    commune: UnitIn,
    choose: UnitIn | None,
    on_split: SplitPolicy,
    how: str | None,
) -> Placement:
    """Where the old commune ``o`` went: one current commune, or several (a split: chosen, pending or refused)."""
    assert o.ward is not None
    written = (
        RecordedUnit(given=province.given, code=o.province.code, name=o.province.name),
        RecordedUnit(given=district.given if district else "", code=o.district.code, name=o.district.name),
        RecordedUnit(given=commune.given, code=o.ward.code, name=o.ward.name),
    )
    successors = legacy.tables().successors[o.ward.code]
    target = successors[0].province
    if len(successors) == 1:
        _choice_agrees(choose, successors[0].commune)
        return _placed("legacy", *written, target, successors[0].commune, "converted", how)
    candidates = [Candidate(code=s.commune.code, name=s.commune.name, default=s.default) for s in successors]
    if choose is not None:
        picked = [s.commune for s in successors if _names(choose, s.commune)]
        if not picked:
            raise _split(o, candidates, f"'{choose.given}' không phải một trong các xã/phường này")
        return _placed("legacy", *written, target, picked[0], "chosen", how)
    if on_split == "pending":
        return _placed("legacy", *written, target, None, "pending_choice", how, candidates)
    raise _split(o, candidates, "ghi rõ xã/phường hiện nay (current_commune)")


def _old_provinces(written: UnitIn) -> tuple[str, ...]:
    t = legacy.tables()
    if written.code:
        code = f"{int(written.code):02d}"
        if code in t.provinces:
            return (code,)
    else:
        found = legacy.province_codes(written.name)
        if found:
            return found
    raise _unknown_province(written, "danh mục trước hoặc sau 07/2025")


# -- results and refusals --------------------------------------------------------------------------------


def _placed(
    scheme: Scheme,
    province: RecordedUnit,
    district: RecordedUnit | None,
    commune: RecordedUnit | None,
    now: Unit,
    now_commune: Unit | None,
    status: Any,
    match: str | None = None,
    candidates: list[Candidate] | None = None,
) -> Placement:
    today_province = AdminUnit(code=now.code, name=now.name)
    today_commune = AdminUnit(code=now_commune.code, name=now_commune.name) if now_commune else None
    return Placement(
        province=today_province,
        commune=today_commune,
        recorded=RecordedAddress(scheme=scheme, province=province, district=district, commune=commune, match=match),
        current=CurrentUnits(
            status=status,
            province=today_province,
            commune=today_commune,
            candidates=candidates or [],
            data=legacy.data_version() if scheme == "legacy" else f"vietnam-provinces {_vp_version()}",
        ),
    )


@cache
def _vp_version() -> str:
    from importlib.metadata import version

    return version("vietnam-provinces")


def _names(written: UnitIn, unit: Unit) -> bool:
    if written.code:
        return written.code.isdigit() and int(written.code) == int(unit.code)
    return current.same_name(written.name, unit.name)


def _choice_agrees(choose: UnitIn | None, unit: Unit) -> None:
    if choose is not None and not _names(choose, unit):
        raise UnknownUnit(
            f"Địa chỉ này nay thuộc {unit.name}, không phải '{choose.given}'",
            [
                {
                    "level": "current_commune",
                    "given": choose.given,
                    "suggestions": [{"code": unit.code, "name": unit.name}],
                }
            ],
        )


def _no_choice_without_commune(choose: UnitIn | None) -> None:
    if choose is not None:
        raise UnknownUnit(
            "current_commune chỉ dùng cùng xã/phường cũ đã bị chia tách",
            [{"level": "current_commune", "given": choose.given, "suggestions": []}],
        )


def _split(o: legacy.Old, candidates: list[Candidate], ask: str) -> AmbiguousUnit:
    ward = o.ward.name if o.ward else ""
    names = ", ".join(c.name + (" (thường gặp)" if c.default else "") for c in candidates)
    return AmbiguousUnit(
        f"{ward} ({o.district.name}, {o.province.name}) đã được chia cho nhiều xã/phường: {names} — {ask}",
        [
            {
                "level": "commune",
                "given": ward,
                "reason": "split",
                "recorded": {"code": o.ward.code if o.ward else None, "name": ward, "district": o.district.name},
                "candidates": [c.model_dump() for c in candidates],
            }
        ],
    )


def _mismatch(level: str, written: UnitIn, found: Unit | None) -> UnknownUnit:
    if found is None:
        return not_found(level, written.given, "", [])
    return UnknownUnit(
        f"Mã {written.code} là '{found.name}', không phải '{written.name}'",
        [
            {
                "level": level,
                "given": f"{written.code} {written.name}",
                "suggestions": [{"code": found.code, "name": found.name}],
            }
        ],
    )


def _unknown_province(written: UnitIn, where: str) -> UnknownUnit:
    t = legacy.tables()
    pairs = [(u.name, {"code": u.code, "name": u.name}) for u in current.provinces().values()]
    pairs += [(u.name, {"code": u.code, "name": u.name, "scheme": "legacy"}) for u in t.provinces.values()]
    return not_found("province", written.given, where, _suggest(written.given, pairs) if written.name else [])


def _unknown_district(written: UnitIn, pcodes: tuple[str, ...]) -> UnknownUnit:
    t = legacy.tables()
    elsewhere = t.districts_everywhere.match(written.name)[0] if written.name else ()
    if elsewhere:
        places = ", ".join(f"{u.name} ({t.provinces[t.district_province[u.code]].name})" for u in elsewhere)
        return UnknownUnit(
            f"Huyện/quận/thị xã '{written.given}' không thuộc "
            f"{' / '.join(t.provinces[pc].name for pc in pcodes)}: có {places}",
            [
                {
                    "level": "district",
                    "given": written.given,
                    "suggestions": [
                        {"code": u.code, "name": u.name, "province": t.provinces[t.district_province[u.code]].name}
                        for u in elsewhere
                    ],
                }
            ],
        )
    pairs = [
        (u.name, {"code": u.code, "name": u.name, "scheme": "legacy"}) for pc in pcodes for u in t.districts[pc].units
    ]
    where = " / ".join(t.provinces[pc].name for pc in pcodes)
    return not_found("district", written.given, f"{where} (trước 07/2025)", _suggest(written.given, pairs))


def _old_payload(o: legacy.Old) -> dict[str, Any]:
    return {
        "code": o.ward.code if o.ward else None,
        "name": o.ward.name if o.ward else "",
        "district": o.district.name,
        "province": o.province.name,
        "scheme": "legacy",
    }


def _units(units: tuple[Unit, ...]) -> list[dict[str, str]]:
    return [{"code": u.code, "name": u.name} for u in units]


def _suggest(query: str, pairs: list[tuple[str, dict[str, Any]]], limit: int = 5) -> list[dict[str, Any]]:
    """The closest names (``text.closest``), each with every unit of that name (one name, several districts)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for name, payload in pairs:
        by_name.setdefault(name, []).append(payload)
    return [p for name in closest(query, by_name) for p in by_name[name]][:limit]
