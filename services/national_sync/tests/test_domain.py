"""national_sync's pure rules: the net quantity read from the unit of sale, the readiness rules (each
missing item named in Vietnamese), and what the portal should hold (publish, withdraw, not ready)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ocop_national_sync.domain.net_quantity import NetQuantity, net_quantity
from ocop_national_sync.domain.readiness import MESSAGES, gtin_valid, missing_items, public_url
from ocop_national_sync.domain.record import NotReady, Organisation, PortalRecord, Publish, Stage, Withdraw, plan


@pytest.mark.parametrize(
    "unit, expected",
    [
        ("hộp 200 g", NetQuantity(200, "g")),
        ("túi 1 kg", NetQuantity(1, "kg")),
        ("túi 1,5 kg", NetQuantity(1.5, "kg")),
        ("chai 500 ml", NetQuantity(500, "ml")),
        ("lọ 200ML", NetQuantity(200, "ml")),
        ("can 2 lít", NetQuantity(2, "l")),
        ("hộp 6 gói x 25 g", NetQuantity(25, "g")),  # the last quantity named
        ("kg", None),  # sold by weight: no net quantity of a unit
        ("gói", None),
        ("hộp 0 g", None),
        ("", None),
        (None, None),
        ("hộp 200 gam", NetQuantity(200, "g")),
        ("200 giờ", None),  # "g" only as a unit of its own
    ],
)
def test_net_quantity_from_the_unit_of_sale(unit, expected):
    assert net_quantity(unit) == expected


def test_gtin_and_public_urls():
    assert gtin_valid("8934567890120") and gtin_valid("08939999000123") and gtin_valid("96385074")
    assert not gtin_valid("8934567890121") and not gtin_valid("893456789012") and not gtin_valid("abc")
    assert public_url("https://anh.ocop.example.vn/a.jpg") and public_url("https://8.8.8.8/a.jpg")
    for url in (
        "http://anh.ocop.example.vn/a.jpg",  # not https
        "https://localhost/a.jpg",
        "https://127.0.0.1/a.jpg",
        "https://10.0.0.5/a.jpg",
        "https://intranet/a.jpg",
        "https://nas.local/a.jpg",
        "https:///a.jpg",
        "https://[::1]/a.jpg",
    ):
        assert not public_url(url), url


READY = {
    "producer_known": True,
    "tax_code": "4700271835",
    "gtin": "8934567890120",
    "images": ["https://anh.ocop.example.vn/a.jpg"],
    "unit": "hộp 200 g",
    "stamps": 10,
    "stages": 1,
}


@pytest.mark.parametrize(
    "change, codes",
    [
        ({}, []),
        ({"gtin": None}, ["no_gtin"]),
        ({"gtin": "8934567890121"}, ["bad_gtin"]),
        ({"images": []}, ["no_image"]),
        ({"images": ["http://127.0.0.1/a.jpg"]}, ["no_image"]),
        ({"unit": "kg"}, ["no_net_quantity"]),
        ({"stamps": 0}, ["no_stamps"]),
        ({"stages": 0}, ["no_stages"]),
        ({"tax_code": None}, ["no_tax_code"]),
        ({"producer_known": False}, ["no_producer"]),
        ({"gtin": None, "images": [], "unit": None}, ["no_gtin", "no_image", "no_net_quantity"]),
    ],
)
def test_readiness_names_each_missing_item(change, codes):
    missing = missing_items(**(READY | change))
    assert [m.code for m in missing] == codes
    assert all(m.message == MESSAGES[m.code] for m in missing)


def test_the_messages_a_producer_reads():
    assert MESSAGES["no_image"] == "thiếu ảnh sản phẩm"
    assert MESSAGES["no_gtin"] == "chưa có mã GTIN"
    assert MESSAGES["no_net_quantity"] == "thiếu khối lượng tịnh"


def _record(**fields) -> PortalRecord:
    stage = Stage(
        trail_event_id="t1",
        batch_id="b1",
        lot="L1",
        stage="harvesting",
        time=datetime(2026, 11, 2, tzinfo=UTC),
        epcis_event_id="ni:///sha-256;ab?ver=CBV2.0",
        product_trace_code="https://id.gs1.org/01/08934567890120/10/L1",
    )
    base = {
        "id": "p1",
        "producer_id": "o1",
        "product": {"name": "Chè", "gtin": "8934567890120", "images": READY["images"], "unit": "hộp 200 g"},
        "certificate": {"status": "active", "stars": 4},
        "stamps": 5,
        "stages": {"t1": stage},
    }
    return PortalRecord.model_validate(base | fields)


ORG = Organisation(
    id="o1",
    name="HTX",
    public_name="HTX",
    kind="cooperative",
    tax_code="4700271835",
    province={"code": "19", "name": "Thái Nguyên"},
    commune={"name": "Xã Chợ Đồn"},
)


def test_plan():
    assert isinstance(plan(_record(), ORG), Publish)
    assert ORG.address == "Xã Chợ Đồn, Thái Nguyên"
    not_ready = plan(_record(product={"name": "Chè"}), ORG)
    assert isinstance(not_ready, NotReady) and [m.code for m in not_ready.missing] == [
        "no_gtin",
        "no_image",
        "no_net_quantity",
    ]
    assert [m.code for m in plan(_record(), None).missing] == ["no_producer"]
    # not certified: nothing on the portal → not ready; on the portal → withdraw
    revoked = {"status": "revoked", "stars": 4}
    assert [m.code for m in plan(_record(certificate=revoked), ORG).missing] == ["not_certified"]
    assert isinstance(plan(_record(certificate=revoked, portal_id="SP-1", on_portal=True), ORG), Withdraw)
    assert isinstance(plan(_record(certificate=None, portal_id="SP-1"), ORG), Withdraw)


def test_stages_to_push_skip_what_the_portal_holds():
    record = _record()
    assert [s.trail_event_id for s in record.stages_to_push()] == ["t1"]
    assert record.model_copy(update={"pushed": ["ni:///sha-256;ab?ver=CBV2.0"]}).stages_to_push() == []
