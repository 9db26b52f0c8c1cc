"""Serials, area codes and geometry rules (property tests included)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocop_traceability.adapters.qr import qr_version
from ocop_traceability.domain.codes import (
    CROCKFORD,
    DEFAULT_AREA_SCHEMES,
    SERIAL_LENGTH,
    InvalidCode,
    display_serial,
    new_serial,
    normalize_area_code,
    normalize_serial,
)
from ocop_traceability.domain.geometry import InvalidGeometry, check_geometry
from ocop_traceability.domain.stamps import stamp_url


def test_serials_are_valid_and_do_not_collide():
    serials = {new_serial() for _ in range(200_000)}
    assert len(serials) == 200_000
    assert all(normalize_serial(s) == s and len(s) == SERIAL_LENGTH for s in list(serials)[:1000])


@settings(max_examples=300)
@given(st.data())
def test_any_single_character_change_is_not_a_valid_serial(data):
    serial = new_serial()
    i = data.draw(st.integers(0, SERIAL_LENGTH - 1))
    replacement = data.draw(st.sampled_from([c for c in CROCKFORD if c != serial[i]]))
    mutated = serial[:i] + replacement + serial[i + 1 :]
    assert normalize_serial(mutated) is None


@settings(max_examples=300)
@given(st.data())
def test_adjacent_swaps_are_caught(data):
    serial = new_serial()
    i = data.draw(st.integers(0, SERIAL_LENGTH - 2))
    if serial[i] == serial[i + 1]:
        return
    swapped = serial[:i] + serial[i + 1] + serial[i] + serial[i + 2 :]
    assert normalize_serial(swapped) is None


def test_typed_codes_are_forgiving_about_case_separators_and_lookalikes():
    serial = new_serial()
    typed = display_serial(serial).lower().replace("0", "o").replace("1", "l")
    assert normalize_serial(typed) == serial
    assert normalize_serial("") is None and normalize_serial("x" * 40) is None


def test_stamp_urls_fit_small_qr_versions():
    serial = new_serial()
    short = stamp_url("https://trace.ocop.vn", serial, gtin=None, lot="261101-1")
    gs1 = stamp_url("https://trace.ocop.vn", serial, gtin="8934567890120", lot="261101-1")
    assert short == f"https://TRACE.OCOP.VN/S/{serial}"
    assert gs1 == f"https://TRACE.OCOP.VN/01/08934567890120/10/261101-1/21/{serial}"
    assert qr_version(short) <= 3 and qr_version(gs1) <= 4


@pytest.mark.parametrize("code", ["VN-19-063-02020-001", "vn-bgor-0104", "VN-TN-001", "VN-24-7612-15"])
def test_area_codes_accepted(code):
    normalized, _scheme = normalize_area_code(code, DEFAULT_AREA_SCHEMES)
    assert normalized == code.upper()


@pytest.mark.parametrize("code", ["VN", "VN-", "VN-19", "XX-19-063", "VN-19--063", "VN-1-2-3-4-5-6", "VN-19 063-1"])
def test_area_codes_refused(code):
    with pytest.raises(InvalidCode):
        normalize_area_code(code, DEFAULT_AREA_SCHEMES)


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.6, 22.1], [105.7, 22.1], [105.7, 22.2], [105.6, 22.2], [105.6, 22.1]]],
}


def test_geometry_rules():
    assert check_geometry(SQUARE)["type"] == "Polygon"
    bad = [
        {"type": "Point", "coordinates": [105.6, 22.1]},
        {"type": "Polygon", "coordinates": [[[105.6, 22.1], [105.7, 22.1], [105.7, 22.2], [105.6, 22.2]]]},  # open
        {"type": "Polygon", "coordinates": [[[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]]},  # Paris
        {
            "type": "Polygon",
            "coordinates": [[[105.6, 22.1], [105.7, 22.2], [105.7, 22.1], [105.6, 22.2], [105.6, 22.1]]],
        },  # bow-tie
        {"type": "Polygon", "coordinates": [[["a", 22.1], [105.7, 22.1], [105.7, 22.2], ["a", 22.1]]]},
        {"type": "Polygon", "coordinates": []},
        # regression: non-finite, non-numeric or extra members of a position were stored as sent
        {
            "type": "Polygon",
            "coordinates": [[[105.6, 22.1, float("inf")], [105.7, 22.1], [105.7, 22.2], [105.6, 22.1, float("inf")]]],
        },
        {
            "type": "Polygon",
            "coordinates": [[[105.6, 22.1, {"$where": 1}], [105.7, 22.1], [105.7, 22.2], [105.6, 22.1]]],
        },
        {"type": "Polygon", "coordinates": [[[105.6, 22.1, 1, 2], [105.7, 22.1], [105.7, 22.2], [105.6, 22.1]]]},
        {"type": "Polygon", "coordinates": [[[10**400, 22.1], [105.7, 22.1], [105.7, 22.2], [10**400, 22.1]]]},
    ]
    for geometry in bad:
        with pytest.raises(InvalidGeometry):
            check_geometry(geometry)
    with_altitude = {
        "type": "Polygon",
        "coordinates": [[[105.6, 22.1, 120], [105.7, 22.1, 121], [105.7, 22.2, 119], [105.6, 22.1, 120]]],
        "$junk": {"a.b": 1},
    }
    assert check_geometry(with_altitude) == {
        "type": "Polygon",
        "coordinates": [[[105.6, 22.1, 120.0], [105.7, 22.1, 121.0], [105.7, 22.2, 119.0], [105.6, 22.1, 120.0]]],
    }
