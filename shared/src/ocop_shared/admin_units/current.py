"""Today's units (since 07/2025: 34 provinces, 3,321 communes, no districts) from ``vietnam-provinces``, the
registry's authority for codes and names. Looked up by code or by name as people write it (``text``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward

from ocop_shared.admin_units.text import bare, squash, tone_key, type_hint, variants


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of one list: its GSO code (zero-padded: '19', '01933'), official name and type word."""

    code: str
    name: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Names:
    """Units indexed the ways a name may be written: exact (tone placement aside) and without diacritics."""

    units: tuple[Unit, ...]
    exact: dict[str, tuple[Unit, ...]]
    folded: dict[str, tuple[Unit, ...]]

    @classmethod
    def of(cls, units: Iterable[Unit], short: dict[str, str] | None = None) -> Names:
        exact: dict[str, list[Unit]] = {}
        folded: dict[str, list[Unit]] = {}
        listed = tuple(units)
        for u in listed:
            forms = {u.name, (short or {}).get(u.code) or variants(u.name)[1][-1]}
            for key in {tone_key(f) for f in forms}:
                exact.setdefault(key, []).append(u)
            for key in {squash(f) for f in forms}:
                folded.setdefault(key, []).append(u)
        return cls(listed, {k: tuple(v) for k, v in exact.items()}, {k: tuple(v) for k, v in folded.items()})

    def match(
        self, written: str, within: Callable[[Unit], bool] | None = None, tiers: tuple[str, ...] = ("exact", "folded")
    ) -> tuple[tuple[Unit, ...], str | None]:
        """The units ``written`` names (among those ``within`` accepts) and how it matched ('exact' or
        'folded'); a folded match counts only when it is unique. The type word written only breaks ties
        ('Thị trấn Ba Tơ' vs 'Xã Ba Tô')."""
        hint, forms = variants(written)
        for how, index, key in (("exact", self.exact, tone_key), ("folded", self.folded, squash)):
            if how not in tiers:
                continue
            for form in forms:
                hits = tuple(u for u in index.get(key(form), ()) if within is None or within(u))
                if hits and hint:
                    hits = tuple(u for u in hits if type_hint(u.kind) == hint) or hits
                if hits and (how == "exact" or len(hits) == 1):
                    return hits, how
        return (), None


def _code(value: object, width: int) -> str:
    return f"{int(str(value)):0{width}d}"


@cache
def provinces() -> dict[str, Unit]:
    return {
        _code(int(p.code), 2): Unit(_code(int(p.code), 2), p.name, p.division_type.value) for p in Province.iter_all()
    }


# Names people write for a province that its official name does not contain (folded, no spaces → code).
PROVINCE_ALIASES = {"hcm": "79", "tphcm": "79", "saigon": "79", "hn": "01", "tphn": "01"}


@cache
def province_names() -> Names:
    return Names.of(provinces().values())


def match_province(written: str) -> Unit | None:
    """Today's province ``written`` names ('Thái Nguyên', 'tỉnh Thai Nguyen', 'TP.HCM'), if exactly one."""
    hits = province_names().match(written)[0]
    if len(hits) == 1:
        return hits[0]
    code = PROVINCE_ALIASES.get(squash(written)) or PROVINCE_ALIASES.get(squash(bare(written)))
    return provinces()[code] if code else None


@cache
def communes(province_code: str) -> Names:
    """The communes (xã, phường, đặc khu) of a current province."""
    return Names.of(
        Unit(_code(int(w.code), 5), w.name, w.division_type.value.capitalize())
        for w in Ward.iter_by_province(ProvinceCode(int(province_code)))
    )


@cache
def commune_by_name(province_code: str) -> dict[str, Unit]:
    """tone_key(official name) → commune: how converted legacy communes find their vietnam-provinces code."""
    return {tone_key(u.name): u for u in communes(province_code).units}


def province(code: str) -> Unit | None:
    return provinces().get(_code(code, 2)) if code.isdigit() else None


def commune(province_code: str, code: str) -> Unit | None:
    if not code.isdigit():
        return None
    wanted = _code(code, 5)
    return next((u for u in communes(province_code).units if u.code == wanted), None)


def same_name(a: str, b: str) -> bool:
    """Two names of one unit, as written and as listed ('tỉnh Thai Nguyen' and 'Thái Nguyên')."""
    return squash(bare(a)) == squash(bare(b))
