"""The units before the 07/2025 reform (63 provinces, their districts, 10,035 communes) and where each went,
from the data files the ``vietnamadminunits`` package ships (sapnhap.bando.com.vn; MIT licence).

The package itself is never imported: its ``convert_address`` works on free text, silently drops what it
cannot match, and for a split commune geocodes the address through ArcGIS over the network. We read its
SQLite dataset and JSON mappings read-only instead, match each level from structured fields, and take
today's codes and names from ``vietnam-provinces`` (the two packages differ on 123 commune codes: the
registry keeps one authority; ``current.commune_by_name`` pairs them by province and name).
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import threading
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ocop_shared.admin_units import current
from ocop_shared.admin_units.current import Names, Unit
from ocop_shared.admin_units.text import squash, tone_key, variants

PACKAGE = "vietnamadminunits"
# Hand-kept spellings people use that the data does not list (folded, no spaces → old province code).
PROVINCE_ALIASES = {"baccan": "06"}


def data_dir() -> Path:
    """Where the package keeps its data, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed (ocop-shared[admin-units])")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@cache  # reading a package's metadata costs milliseconds: once per process
def data_version() -> str:
    return f"{PACKAGE} {version(PACKAGE)} / vietnam-provinces {version('vietnam-provinces')}"


@dataclass(frozen=True, slots=True)
class Old:
    """One legacy commune (or an island district without communes: ``ward`` None) with its district and
    province, and the keys the package's mappings use."""

    province: Unit
    district: Unit
    ward: Unit | None
    pkey: str
    dkey: str
    wkey: str | None
    district_aliases: tuple[str, ...]
    ward_aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Successor:
    """A current commune (vietnam-provinces code and name) an old one became part of; ``default`` is the
    package's pick when an old commune was split, which we show but never apply by ourselves."""

    province: Unit
    commune: Unit
    default: bool


@dataclass
class Tables:
    rows: list[Old]
    by_province: dict[str, list[Old]]  # old province code → its rows
    provinces: dict[str, Unit]  # old code → Tỉnh Bắc Kạn
    province_names: Names
    province_of_new: dict[str, str]  # old province code → current province code
    constituents: dict[str, tuple[str, ...]]  # current province code → old province codes merged into it
    districts: dict[str, Names]  # old province code → its districts
    district_aliases: dict[str, dict[str, list[Unit]]]  # old province code → alias key → districts
    districts_everywhere: Names  # every old district (to say which province one is in)
    district_province: dict[str, str]  # old district code → old province code
    split_districts: dict[str, tuple[str, ...]]  # old district key → keys of the districts it was split into
    district_key: dict[str, str]  # old district code → its key in the mappings
    districts_of_key: dict[str, set[str]]  # district key → old district codes (a key is unique per province)
    wards: dict[str, Names]  # old province code → its communes
    ward_aliases: dict[str, dict[str, list[Unit]]]
    row_of_ward: dict[str, Old]  # old commune code → its row
    successors: dict[str, tuple[Successor, ...]]  # old commune code → the current communes it went to


_lock = threading.Lock()


def tables() -> Tables:
    """Built once per process (≈0.5 s, ≈30 MB); ``warm`` builds it at start-up, off the request path."""
    with _lock:
        return _tables()


@cache
def _tables() -> Tables:
    folder = data_dir()
    con = sqlite3.connect(f"file:{folder / 'dataset.db'}?mode=ro", uri=True)
    try:
        rows = [_old(r) for r in con.execute(_LEGACY_SQL)]
        new_units = {
            (pk, wk): (pc, name) for pk, wk, pc, name in con.execute(_NEW_SQL) if wk is not None and name is not None
        }
        new_pcode = {pk: pc for (pk, _), (pc, _) in new_units.items()}
    finally:
        con.close()
    converter = json.loads((folder / "converter_2025.json").read_text(encoding="utf-8"))
    parser = json.loads((folder / "parser_legacy.json").read_text(encoding="utf-8"))

    by_province: dict[str, list[Old]] = {}
    for o in rows:
        by_province.setdefault(o.province.code, []).append(o)
    provinces = {code: rs[0].province for code, rs in by_province.items()}
    shorts = {code: rs[0].pkey for code, rs in by_province.items()}
    new_of_old_key = {old: new for new, olds in converter["DICT_PROVINCE"].items() for old in olds}
    province_of_new = {code: new_pcode[new_of_old_key[pkey]] for code, pkey in shorts.items()}
    constituents: dict[str, list[str]] = {}
    for old_code, new_code in sorted(province_of_new.items()):
        constituents.setdefault(new_code, []).append(old_code)

    districts: dict[str, Names] = {}
    district_aliases: dict[str, dict[str, list[Unit]]] = {}
    district_province: dict[str, str] = {}
    wards: dict[str, Names] = {}
    ward_aliases: dict[str, dict[str, list[Unit]]] = {}
    row_of_ward: dict[str, Old] = {}
    for code, rs in by_province.items():
        unique_districts = list({o.district.code: o for o in rs}.values())
        districts[code] = Names.of(o.district for o in unique_districts)
        district_aliases[code] = _aliases((o.district, o.district_aliases) for o in unique_districts)
        district_province |= {o.district.code: code for o in unique_districts}
        with_ward = [o for o in rs if o.ward is not None]
        wards[code] = Names.of(o.ward for o in with_ward if o.ward)
        ward_aliases[code] = _aliases((o.ward, o.ward_aliases) for o in with_ward if o.ward)
        row_of_ward |= {o.ward.code: o for o in with_ward if o.ward}

    whole = {o.district.code: o.district for o in rows}
    split = {
        dkey: tuple(v["districts"]) for p in parser["DICT_PROVINCE_DISTRICT_DIVIDED"].values() for dkey, v in p.items()
    }
    successors = _successors(rows, converter, new_units, new_of_old_key)
    return Tables(
        rows=rows,
        by_province=by_province,
        provinces=provinces,
        province_names=Names.of(provinces.values()),
        province_of_new=province_of_new,
        constituents={k: tuple(v) for k, v in constituents.items()},
        districts=districts,
        district_aliases=district_aliases,
        districts_everywhere=Names.of(whole.values()),
        district_province=district_province,
        split_districts=split,
        district_key={o.district.code: o.dkey for o in rows},
        districts_of_key=_codes_by_key(rows),
        wards=wards,
        ward_aliases=ward_aliases,
        row_of_ward=row_of_ward,
        successors=successors,
    )


_LEGACY_SQL = (
    "select provinceCode, province, districtCode, district, districtType, wardCode, ward, wardType,"
    " provinceKey, districtKey, wardKey, districtAlias, wardAlias from admin_units_legacy"
)
_NEW_SQL = "select provinceKey, wardKey, provinceCode, ward from admin_units"


# ten names of the data capitalise their type ("Thành Phố Bắc Kạn", "Thị Trấn Prao"): written as elsewhere
_TYPE_CASE = {"Thành Phố ": "Thành phố ", "Thị Xã ": "Thị xã ", "Thị Trấn ": "Thị trấn "}


def _typed(name: str) -> str:
    for wrong, right in _TYPE_CASE.items():
        if name.startswith(wrong):
            return right + name[len(wrong) :]
    return name


def _old(r: tuple[Any, ...]) -> Old:
    pcode, pname, dcode, dname, dtype, wcode, wname, wtype, pkey, dkey, wkey, d_alias, w_alias = r
    dname, wname = _typed(dname), _typed(wname) if wname else wname
    return Old(
        province=Unit(pcode, pname, pname.split(" ")[0] if pname.startswith("Tỉnh") else "Thành phố"),
        district=Unit(dcode, dname, dtype or ""),
        ward=Unit(wcode, wname, wtype or "") if wcode and wname else None,
        pkey=pkey,
        dkey=dkey,
        wkey=wkey,
        district_aliases=tuple(json.loads(d_alias)) if d_alias else (),
        ward_aliases=tuple(json.loads(w_alias)) if w_alias else (),
    )


def _codes_by_key(rows: list[Old]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for o in rows:
        out.setdefault(o.dkey, set()).add(o.district.code)
    return out


def _aliases(pairs: Any) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for unit, keys in pairs:
        for key in set(keys):
            if unit not in out.setdefault(key, []):
                out[key].append(unit)
    return out


def _successors(
    rows: list[Old],
    converter: dict[str, Any],
    new_units: dict[tuple[str, str], tuple[str, str]],
    new_of_old_key: dict[str, str],
) -> dict[str, tuple[Successor, ...]]:
    whole = {
        old: new for p in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].values() for new, olds in p.items() for old in olds
    }
    split = {old: c for p in converter["DICT_PROVINCE_WARD_DIVIDED"].values() for old, c in p.items()}
    out: dict[str, tuple[Successor, ...]] = {}
    for o in rows:
        if o.ward is None:
            continue
        key = f"{o.pkey}_{o.dkey}_{o.wkey}"
        picks = (
            [(whole[key], True)]
            if key in whole
            else [(c["newWardKey"], bool(c["isDefaultNewWard"])) for c in split[key]]
        )
        found = []
        for new_key, default in picks:
            pcode, name = new_units[(new_of_old_key[o.pkey], new_key)]
            commune = current.commune_by_name(pcode)[tone_key(name)]
            province = current.provinces()[pcode]
            found.append(Successor(province, commune, default))
        out[o.ward.code] = tuple(found)
    return out


# -- lookups --------------------------------------------------------------------------------------------


def province_codes(written_name: str) -> tuple[str, ...]:
    """The old provinces a province name may stand for: an old one ('Bắc Kạn', 'Bắc Ninh') itself; a name
    only today's list has ('Thành phố Huế' → Thừa Thiên Huế) every old province merged into it. Empty when
    neither list knows it."""
    t = tables()
    old = t.province_names.match(written_name)[0]
    if old:
        return tuple(u.code for u in old)
    now = current.match_province(written_name)
    if now:
        return t.constituents[now.code]
    key = squash(variants(written_name)[1][-1])
    return (PROVINCE_ALIASES[key],) if key in PROVINCE_ALIASES else ()


def find_districts(province_codes: tuple[str, ...], written: str) -> tuple[list[Unit], str | None]:
    """Districts of these old provinces that ``written`` names (by code, name or a former name)."""
    t = tables()
    if written.isdigit():
        code = f"{int(written):03d}"
        return [u for pc in province_codes for u in t.districts[pc].units if u.code == code], "code"
    return _first_tier(
        [t.districts[pc] for pc in province_codes], [t.district_aliases[pc] for pc in province_codes], written
    )


def _first_tier(
    names: list[Names], aliases: list[dict[str, list[Unit]]], written: str, within: Any = None
) -> tuple[list[Unit], str | None]:
    """The units of several provinces ``written`` names at the first tier that finds any (exact, then
    without diacritics, then a former name), so that one name in two merged provinces is seen twice."""
    for how in ("exact", "folded"):
        hits = [u for n in names for u in n.match(written, within, tiers=(how,))[0]]
        if hits and (how == "exact" or len(hits) == 1):
            return hits, how
    forms = variants(written)[1]
    hits = [u for a in aliases for form in forms for u in a.get(squash(form), ()) if within is None or within(u)]
    return (list(dict.fromkeys(hits)), "alias") if hits else ([], None)


def with_successor_districts(found: list[Unit]) -> set[str]:
    """The codes of ``found`` and of the districts each was split into shortly before 07/2025 (Lục Ngạn →
    Lục Ngạn and thị xã Chũ): a 2022 list still writes 'huyện Lục Ngạn, xã Kiên Thành'."""
    t = tables()
    codes = {u.code for u in found}
    provinces = {t.district_province[u.code] for u in found}
    for u in found:
        for key in t.split_districts.get(t.district_key[u.code], ()):
            codes |= {c for c in t.districts_of_key.get(key, ()) if t.district_province[c] in provinces}
    return codes


def find_communes(
    province_codes: tuple[str, ...], district_codes: set[str] | None, written: str
) -> tuple[list[Old], str | None]:
    """Old communes of these provinces (and districts, if given) that ``written`` names."""
    t = tables()

    def inside(o: Old | None) -> bool:
        return (
            o is not None
            and o.province.code in province_codes
            and (district_codes is None or o.district.code in district_codes)
        )

    if written.isdigit():
        row = t.row_of_ward.get(f"{int(written):05d}")
        return ([row] if row and inside(row) else []), "code"
    units, how = _first_tier(
        [t.wards[pc] for pc in province_codes],
        [t.ward_aliases[pc] for pc in province_codes],
        written,
        lambda u: inside(t.row_of_ward.get(u.code)),
    )
    return [t.row_of_ward[u.code] for u in units], how


def communes_of(province_codes: tuple[str, ...], district_codes: set[str] | None) -> list[Old]:
    t = tables()
    return [
        o
        for pc in province_codes
        for o in t.by_province[pc]
        if o.ward is not None and (district_codes is None or o.district.code in district_codes)
    ]


def warm() -> None:
    tables()
