"""Placing addresses in today's units (``ocop_shared.admin_units``), without the network or the services.

The data files of the pinned ``vietnamadminunits`` are where we read them; every one of the 10,035 old
communes lands where the package's own mapping sends it (by codes and by names), split ones left for a
choice; the known cases of the issue and the seed documents' communes convert to today's codes of
``vietnam-provinces``; misspellings get the closest names; a split commune is never resolved by guessing."""

from __future__ import annotations

from collections import Counter

import pytest

from ocop_shared.addresses import UnitIn, describe
from ocop_shared.admin_units import AmbiguousUnit, UnknownUnit, current, legacy, place_units


def unit(value: str | None) -> UnitIn | None:
    if value is None:
        return None
    return UnitIn(code=value) if value.isdigit() else UnitIn(name=value)


def placed(province: str, district: str | None = None, commune: str | None = None, **kw):
    return place_units(unit(province), unit(district), unit(commune), **kw)  # type: ignore[arg-type]


def test_the_pinned_data_is_where_we_read_it_and_complete():
    folder = legacy.data_dir()
    for name in ("dataset.db", "converter_2025.json", "parser_legacy.json"):
        assert (folder / name).is_file(), name
    t = legacy.tables()
    assert len(t.provinces) == 63 and len(t.row_of_ward) == 10_035
    assert len(current.provinces()) == 34
    assert sum(len(current.communes(code).units) for code in current.provinces()) == 3_321
    assert set(t.province_of_new.values()) == set(current.provinces())  # every old province went somewhere
    assert "vietnamadminunits 1.0.4" in legacy.data_version()


def test_every_old_commune_has_todays_successors_and_471_were_split():
    t = legacy.tables()
    sizes = Counter(len(s) for s in t.successors.values())
    assert sum(sizes.values()) == 10_035 and sum(n for k, n in sizes.items() if k > 1) == 471
    for code, successors in t.successors.items():
        old = t.row_of_ward[code]
        assert sum(s.default for s in successors) == 1, code
        for s in successors:
            # today's code is vietnam-provinces', in the province the old one was merged into
            assert s.province.code == t.province_of_new[old.province.code]
            assert current.commune(s.province.code, s.commune.code) == s.commune


@pytest.mark.parametrize("by", ["codes", "names"])
def test_every_old_commune_is_placed_where_the_mapping_says(by):
    t = legacy.tables()
    wrong = []
    for code, successors in t.successors.items():
        o = t.row_of_ward[code]
        assert o.ward is not None
        units = [o.province, o.district, o.ward]
        written = [UnitIn(code=u.code) if by == "codes" else UnitIn(name=u.name) for u in units]
        p = place_units(*written, scheme="legacy" if by == "codes" else None, on_split="pending")
        if len(successors) == 1:
            ok = p.commune is not None and p.commune.code == successors[0].commune.code
        else:
            ok = p.commune is None and {c.code for c in p.current.candidates} == {s.commune.code for s in successors}
        ok = ok and p.province.code == successors[0].province.code and p.recorded.commune.code == code
        if not ok:
            wrong.append(code)
    assert wrong == []


@pytest.mark.parametrize(
    "written, province, commune",
    [
        (("Bắc Kạn",), "19", None),
        (("06",), "19", None),
        (("Bắc Giang",), "24", None),
        (("Quảng Bình",), "44", None),
        (("Bắc Kạn", None, "Bằng Phúc"), "19", "01933"),  # no district: searched in the whole old province
        (("06", None, "Bang Phuc"), "19", "01933"),  # no diacritics
        (("Bắc Kạn", "Ngân Sơn", "Thượng Quan"), "19", "01957"),
        (("Thái Nguyên", "Ngân Sơn", "Thượng Quan"), "19", "01957"),  # today's province, old district
        (("Thái Nguyên", None, "Thượng Quan"), "19", "01957"),  # today's province and commune
        (("Bắc Kạn", "TP Bắc Kạn", "Sông Cầu"), "19", "01843"),  # Bắc Kạn: old province, old city, today a ward
        (("Bắc Kạn", "Ba Bể", "TT Chợ Rã"), "19", "01912"),
        (("Bắc Kạn", None, "Cao Trĩ"), "19", "01912"),  # merged into Thượng Giáo before 2025: a former name
        (("Bắc Giang", "huyện Lục Ngạn", "Kiên Thành"), "24", "07552"),  # in thị xã Chũ, split from Lục Ngạn
        (("Quảng Bình", "Bố Trạch", "TT Phong Nha"), "44", "19165"),  # vietnam-provinces' code (not 19138)
        (("TP.HCM", "Q3", "P.01"), "79", "27160"),
        (("Bắc Ninh", None, "Phường Phượng Sơn"), "24", "07612"),
        (("Bac Can",), "19", None),  # a common spelling of Bắc Kạn
    ],
)
def test_known_cases(written, province, commune):
    p = placed(*written)
    assert p.province.code == province
    assert (p.commune.code if p.commune else None) == commune


def test_what_was_written_is_kept_with_the_old_codes():
    p = placed("tỉnh Bắc Kạn", None, "Bằng Phúc")
    assert p.province.model_dump() == {"code": "19", "name": "Thái Nguyên"}
    assert p.commune and p.commune.name == "Xã Đồng Phúc"
    assert p.recorded.scheme == "legacy" and p.current.status == "converted"
    assert (p.recorded.province.code, p.recorded.district.code, p.recorded.commune.code) == ("06", "064", "02041")
    assert p.recorded.province.given == "tỉnh Bắc Kạn" and p.recorded.district.given == ""
    assert describe(p.recorded) == "xã Bằng Phúc, huyện Chợ Đồn, tỉnh Bắc Kạn"
    today = placed("Thái Nguyên", None, "Xã Đồng Phúc")
    assert today.current.status == "exact" and today.recorded.scheme == "current" and today.commune == p.commune


@pytest.mark.parametrize(
    "written, candidates, default",
    [
        (("Thái Nguyên", "Phú Bình", "Thượng Đình"), {"Xã Điềm Thụy", "Xã Phú Bình"}, "Xã Điềm Thụy"),
        (("Thái Nguyên", "TP Thái Nguyên", "Cam Giá"), {"Phường Gia Sàng", "Phường Tích Lương"}, "Phường Gia Sàng"),
        (("Quảng Ninh", "Tiên Yên", "Hải Lạng"), {"Xã Hải Lạng", "Xã Hải Hòa", "Xã Ba Chẽ"}, "Xã Hải Lạng"),
    ],
)
def test_a_split_commune_is_refused_or_left_pending_never_guessed(written, candidates, default):
    with pytest.raises(AmbiguousUnit) as refused:
        placed(*written)
    detail = refused.value.details[0]
    assert detail["reason"] == "split" and {c["name"] for c in detail["candidates"]} == candidates
    assert [c["name"] for c in detail["candidates"] if c["default"]] == [default]

    pending = placed(*written, on_split="pending")
    assert pending.commune is None and pending.current.status == "pending_choice"
    assert {c.name for c in pending.current.candidates} == candidates and pending.province.code in {"19", "22"}

    chosen_name = sorted(candidates - {default})[0]
    chosen = place_units(*(unit(w) for w in written), choose=UnitIn(name=chosen_name))  # type: ignore[misc]
    assert chosen.commune and chosen.commune.name == chosen_name and chosen.current.status == "chosen"
    with pytest.raises(AmbiguousUnit):  # a choice must be one of the candidates
        place_units(*(unit(w) for w in written), choose=UnitIn(name="Xã Đồng Phúc"))  # type: ignore[misc]


def test_one_name_in_several_districts_asks_for_the_district():
    with pytest.raises(AmbiguousUnit) as refused:
        placed("Hồ Chí Minh", None, "Phường 1")
    detail = refused.value.details[0]
    assert detail["reason"] == "several_districts"
    assert "Quận 3" in {c["district"] for c in detail["candidates"]} and len(detail["candidates"]) == 11


@pytest.mark.parametrize(
    "written, closest",
    [
        (("Bắc Kạn", None, "Bang Phuk"), "Xã Bằng Phúc"),
        (("Bắc Kạn", "Chợ Đồng"), "Huyện Chợ Đồn"),
        (("Bắc Kạn", "Ba Bể", "Bằng Phúc"), "Huyện Chợ Đồn"),  # the commune is in another district: which
        (("Bắc Kạn", "Lục Ngạn"), "Tỉnh Bắc Giang"),  # a district of another province: which
        (("Bắc Kạnn",), "Bắc Kạn"),
        (("Bắc Kạn", "thành phố Bắc Bạn"), "Thành phố Bắc Kạn"),  # the seed documents' typo
        (("Thái Nguyên", None, "Xã Đồng Phúcc"), "Xã Đồng Phúc"),
    ],
)
def test_misspelled_or_mismatched_units_get_the_closest_names(written, closest):
    with pytest.raises(UnknownUnit) as refused:
        placed(*written)
    assert closest in refused.value.message
    assert closest in str(refused.value.details)


def test_a_code_and_a_name_must_agree_and_old_province_codes_keep_their_old_meaning():
    with pytest.raises(UnknownUnit):
        place_units(UnitIn(code="19", name="Bắc Ninh"))
    old_bac_giang = place_units(UnitIn(code="24", name="Bắc Giang"))  # 24 was Bắc Giang, is Bắc Ninh
    assert old_bac_giang.province.code == "24" and old_bac_giang.recorded.scheme == "legacy"
    old_bac_ninh = place_units(UnitIn(code="27"))  # no province has this code today
    assert old_bac_ninh.province.code == "24" and old_bac_ninh.recorded.province.name == "Tỉnh Bắc Ninh"
    with pytest.raises(UnknownUnit):
        place_units(UnitIn(code="99"))
    with pytest.raises(UnknownUnit):  # no district since 07/2025
        place_units(UnitIn(name="Thái Nguyên"), UnitIn(name="Chợ Đồn"), scheme="current")


# The communes and districts the seed planning documents (2018–2024) name, as written, with the province the
# document is about when the line does not say it; what each is today (vietnam-provinces codes).
SEED_COMMUNES: list[tuple[tuple[str, str | None, str], str, str]] = [
    (("Bắc Kạn", None, "xã Yến Dương"), "19", "01921"),
    (("Bắc Kạn", None, "xã Địa Linh"), "19", "01912"),
    (("Bắc Kạn", "huyện Ba Bể", "xã Quảng Khê"), "19", "01933"),
    (("Bắc Kạn", "huyện Bạch Thông", "xã Quang thuận"), "19", "02014"),
    (("Bắc Kạn", None, "xã Mỹ Phương"), "19", "01921"),
    (("Bắc Kạn", None, "xã Bằng Phúc"), "19", "01933"),
    (("tỉnh Bắc Kạn", "huyện Bạch Thông", "xã Vi Hương"), "19", "01969"),
    (("Bắc Kạn", None, "Kim Hỷ"), "19", "02143"),
    (("Bắc Kạn", "huyện Ba Bể", "xã Nam Mầu"), "19", "01906"),  # official: Nam Mẫu
    (("Bắc Kạn", "huyện Ba Bể", "Xã Cao Trĩ"), "19", "01912"),
    (("Bắc Kạn", "huyện Bạch Thông", "thị trấn Phủ Thông"), "19", "01969"),
    (("Bắc Kạn", "huyện Na Rì", "Kim Hỷ"), "19", "02143"),
    (("tỉnh Điện Biên", "huyện Điện Biên", "xã Nứa Ngam"), "11", "03358"),
    (("tỉnh An Giang", "huyện Tịnh Biên", "xã Văn Giáo"), "91", "30526"),
    (("tỉnh Bắc Ninh", "huyện Gia Bình", "xã Đại Bái"), "24", "09454"),
    (("Nam Định", "huyện Ý Yên", "thị trấn Lâm"), "37", "13795"),
    (("Hà Nội", "Thường Tín", "xã Hiền Giang"), "01", "10183"),
    (("Bắc Giang", "huyện Lục Ngạn", "Kiên Thành"), "24", "07552"),
]


@pytest.mark.parametrize("written, province, commune", SEED_COMMUNES)
def test_the_seed_documents_communes_convert(written, province, commune):
    p = placed(*written)
    assert p.province.code == province and p.recorded.scheme == "legacy"
    assert p.commune is not None and p.commune.code == commune
