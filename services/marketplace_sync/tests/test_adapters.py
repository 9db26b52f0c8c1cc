"""Adapters against the stand-ins over HTTP (in-process ASGI transport): happy path, 429 storms, 5xx
storms, validation failures, idempotent creates."""

import httpx
import pytest

from ocop_marketplace_sync.adapters.marketplace import PlatformError
from ocop_marketplace_sync.adapters.postmart import PostmartAdapter
from ocop_marketplace_sync.adapters.voso import VosoAdapter
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.standins import postmart, voso

FAST = {"backoff_initial_s": 0.01, "backoff_max_s": 0.05, "attempts": 30, "rate_per_s": 1000}


def adapters():
    v_app, p_app = voso.create_app(), postmart.create_app()
    return [
        (
            VosoAdapter("http://voso", "ocop-dev", "voso-dev-secret", transport=httpx.ASGITransport(app=v_app), **FAST),
            v_app.state.store,
        ),
        (
            PostmartAdapter(
                "http://postmart", "ocop-dev", "postmart-dev-secret", transport=httpx.ASGITransport(app=p_app), **FAST
            ),
            p_app.state.store,
        ),
    ]


def draft(**kw) -> ListingDraft:
    base = dict(
        product_id="p-1",
        version=3,
        name="Chè Shan tuyết Chợ Đồn",
        stars=4,
        group="beverage",
        description="Chè cổ thụ",
        price_vnd=250000,
        unit="hộp 200 g",
        images=["https://example.org/che.jpg"],
        seller="HKD Hà Thị Thoa",
        province="Thái Nguyên",
        decision_no="1611/QĐ-UBND",
        valid_until="2029-11-01",
    )
    return ListingDraft(**(base | kw))


@pytest.mark.parametrize("index", [0, 1])
async def test_create_update_delist_fetch(index):
    adapter, store = adapters()[index]
    placed = await adapter.upsert(draft(), None)
    ext = placed.external_id
    again = await adapter.upsert(draft(), None)  # a retried create (same product, version) is not a duplicate
    assert again == placed and len(store.products) == 1
    assert placed.url and placed.url.startswith("http") and ext in placed.url  # where a shopper buys it
    assert await adapter.upsert(draft(price_vnd=260000, version=4), ext) == placed
    remote = await adapter.fetch(ext)
    assert remote.status == "active" and "OCOP 4★" in str(remote.data)
    await adapter.delist(ext)
    assert (await adapter.fetch(ext)).status == "removed"
    await adapter.delist("does-not-exist")  # already gone is fine
    assert await adapter.fetch("does-not-exist") is None
    await adapter.close()


@pytest.mark.parametrize("index", [0, 1])
async def test_survives_429_and_5xx_storms(index):
    adapter, store = adapters()[index]
    store.faults = store.faults.model_copy(update={"failure_rate": 0.3, "rate_limit": 3, "rate_window_s": 0.05})
    ids = {(await adapter.upsert(draft(product_id=f"p-{i}"), None)).external_id for i in range(15)}
    assert len(ids) == 15 and len([p for p in store.products.values() if p["status"] == "active"]) == 15
    await adapter.close()


@pytest.mark.parametrize("index", [0, 1])
async def test_validation_failure_is_not_retried(index):
    adapter, store = adapters()[index]
    with pytest.raises(PlatformError) as err:
        await adapter.upsert(draft(price_vnd=0), None)
    assert not err.value.retryable and err.value.status in (400, 422) and "price" in err.value.reason
    assert store.products == {}
    await adapter.close()
