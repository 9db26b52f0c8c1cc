"""The portal adapter against the portal stand-in (in process, over httpx's ASGI transport): the token is
fetched once and refreshed before it expires; the stand-in validates every field (4xx with the fields at
fault); a repeated create answers the first product; events are kept once per id; 429 with Retry-After and
injected 5xx are retried; a 4xx is a PortalError with the portal's reason, not retried."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from ocop_national_sync import standin
from ocop_national_sync.adapters.portal import PRODUCTS, PortalAdapter
from ocop_national_sync.domain.portal import PortalError
from ocop_national_sync.domain.record import Organisation, PortalRecord, Stage
from ocop_shared.standins import Faults

ORG = Organisation(
    id="o1",
    name="Hộ kinh doanh Hà Thị Thoa",
    public_name="HKD Hà Thị Thoa",
    kind="household",
    tax_code="4700301122-001",
    province={"code": "19", "name": "Thái Nguyên"},
    commune={"name": "Xã Chợ Đồn"},
)


def record(**product) -> PortalRecord:
    return PortalRecord(
        id="p1",
        producer_id="o1",
        product={
            "name": "Chè Shan tuyết",
            "gtin": "8939999000123",
            "images": ["https://anh.ocop.example.vn/c.jpg"],
            "unit": "hộp 200 g",
        }
        | product,
        certificate={"status": "active", "stars": 4, "decision_no": "1/QĐ", "valid_until": "2029-11-01"},
        stamps=48,
    )


STAGE = Stage(
    trail_event_id="t1",
    batch_id="b1",
    lot="CD-2610-01",
    stage="harvesting",
    time=datetime(2026, 10, 28, 6, 30, tzinfo=UTC),
    epcis_event_id="ni:///sha-256;aa?ver=CBV2.0",
    product_trace_code="https://id.gs1.org/01/08939999000123/10/CD-2610-01",
    location_trace_code="https://tem.example/epcis/loc/growing-area/VN-19-064-02020-001",
    location_code="VN-19-064-02020-001",
)


@pytest.fixture
def portal():
    app = standin.create_app()
    adapter = PortalAdapter(
        "http://portal",
        "ocop-dev",
        "portal-dev-secret",
        attempts=4,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        transport=httpx.ASGITransport(app=app),
    )
    return app, adapter


async def publish(adapter: PortalAdapter, rec: PortalRecord) -> str:
    org_id, active = await adapter.register_organisation(ORG)
    assert active
    return await adapter.upsert_product(rec, ORG.model_copy(update={"portal_id": org_id, "activated": True}))


async def test_publish_once_with_events_once_then_withdraw(portal):
    app, adapter = portal
    first = await publish(adapter, record())
    again = await publish(adapter, record())  # a create repeated after a crash: the same product
    assert first == again and app.state.store.creates == 1
    assert len(app.state.store.organisations) == 1  # one organisation per tax code
    await adapter.add_event(first, STAGE)
    await adapter.add_event(first, STAGE)
    held = app.state.store.products[first]
    assert [e["maSuKien"] for e in held["congDoan"]] == [STAGE.epcis_event_id]
    assert held["congDoan"][0]["congDoan"] == "THU_HOACH" and held["congDoan"][0]["maDiaDiem"] == STAGE.location_code
    assert held["khoiLuongTinh"] == 200 and held["donViKhoiLuong"] == "g" and held["toChuc"]["diaChi"]
    assert "4700301122" not in str(held["toChuc"])  # the citizen's view names the producer, not its tax code
    updated = await adapter.upsert_product(
        record(name="Chè Shan tuyết cổ thụ").model_copy(update={"portal_id": first}),
        ORG.model_copy(update={"portal_id": held["idToChucHoSo"]}),
    )
    assert updated == first and app.state.store.products[first]["tenSanPham"] == "Chè Shan tuyết cổ thụ"
    await adapter.withdraw(first, "certificate revoked")
    assert app.state.store.products[first]["trangThai"] == "THU_HOI"
    await adapter.withdraw("SP-gone", "certificate revoked")  # already gone is what we wanted
    assert adapter.tokens_fetched == 1


@pytest.mark.parametrize(
    "product, field",
    [
        ({"gtin": "8939999000124"}, "gtin"),
        ({"images": []}, "hinhAnh"),
        ({"images": ["http://127.0.0.1/a.jpg"]}, "hinhAnh"),
        ({"unit": "kg"}, "khoiLuongTinh"),
        ({"name": ""}, "tenSanPham"),
    ],
)
async def test_the_portal_refuses_field_by_field(portal, product, field):
    _app, adapter = portal
    with pytest.raises(PortalError) as refused:
        await publish(adapter, record(**product))
    assert refused.value.status == 422 and not refused.value.retryable and field in refused.value.reason


async def test_inactive_organisation_then_activated(portal):
    app, adapter = portal
    app.state.settings["auto_activate"] = False
    org_id, active = await adapter.register_organisation(ORG)
    assert not active and not await adapter.organisation_active(org_id)
    with pytest.raises(PortalError) as refused:
        await adapter.upsert_product(record(), ORG.model_copy(update={"portal_id": org_id}))
    assert refused.value.status == 409
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal") as admin:
        assert (await admin.post(f"/__admin/organisations/{org_id}/activate")).status_code == 200
    assert await adapter.organisation_active(org_id)


async def test_token_refreshed_before_it_expires_and_after_a_401(portal):
    app, adapter = portal
    app.state.settings["token_ttl_s"] = 1.0
    await adapter.register_organisation(ORG)
    assert adapter.tokens_fetched == 1
    time.sleep(0.85)  # 80 % of the lifetime is past: the next call fetches a new one first
    await adapter.register_organisation(ORG)
    assert adapter.tokens_fetched == 2
    app.state.tokens.clear()  # the portal forgot every token: 401, then a new token and the call again
    await adapter.register_organisation(ORG)
    assert adapter.tokens_fetched == 3


async def test_429_and_5xx_are_retried_honouring_retry_after(portal):
    app, adapter = portal
    app.state.store.faults = Faults(rate_limit=1, rate_window_s=0.3)
    t0 = time.monotonic()
    for _ in range(3):
        await adapter.register_organisation(ORG)
    assert time.monotonic() - t0 >= 0.9  # waited Retry-After (1 s, rounded up) rather than hammering
    app.state.store.faults = Faults(failure_rate=1.0)
    with pytest.raises(PortalError) as failed:
        await adapter.register_organisation(ORG)
    assert failed.value.retryable and failed.value.status >= 500


async def test_stand_in_refuses_bad_events_and_unknown_products(portal):
    app, adapter = portal
    product = await publish(adapter, record())
    with pytest.raises(PortalError) as refused:
        await adapter.add_event(product, STAGE.model_copy(update={"product_trace_code": ""}))
    assert refused.value.status == 422 and "maTruyXuatSanPham" in refused.value.reason
    with pytest.raises(PortalError) as unknown:
        await adapter.add_event("SP-nope", STAGE)
    assert unknown.value.status == 404
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal") as anon:
        assert (await anon.get(f"{PRODUCTS}/{product}")).status_code == 401  # no token
        r = await anon.post(
            "/sso/connect/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        )
        assert r.status_code == 401
        seen = (await anon.get("/__inspect/products")).json()
        assert [p["tenSanPham"] for p in seen] == ["Chè Shan tuyết"] and seen[0]["congDoan"] == []
