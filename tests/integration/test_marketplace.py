"""Marketplace sync against the stand-ins over HTTP: certify → listed once on both platforms; revoke →
delisted; price change → updated; faults and 429s → still exactly once; reconciliation repairs drift."""

from __future__ import annotations

import time

import pytest

from conftest import auth, eventually
from tests.support.marketplace import OPERATOR, both, certified_product, listings
from tests.support.registry import OFFICIAL

pytestmark = pytest.mark.integration


def held(standins, product_id: str) -> dict[str, list[dict]]:
    out = {}
    for name, app in (("voso", standins.voso), ("postmart", standins.postmart)):
        out[name] = [
            p
            for p in app.state.store.products.values()
            if product_id in str(p.get("attributes", {}).get("ocop_product_id", "")) + p.get("external_ref", "")
        ]
    return out


async def test_certify_update_revoke_and_reconcile(apps, standins):
    _producer, product, cert = await certified_product(apps)
    found = await both(apps, product["id"], "published")
    assert all(e["external_id"] for e in found.values())
    items = held(standins, product["id"])
    assert len(items["voso"]) == 1 and len(items["postmart"]) == 1  # exactly once per platform
    assert items["voso"][0]["title"] == "Vải thiều Lục Ngạn — OCOP 4★" and items["voso"][0]["category_id"] == 1001
    assert items["postmart"][0]["sale_price"] == 160000 and items["postmart"][0]["category_code"] == "NS-DS"

    # a price change in the registry reaches both platforms
    r = await apps["registry"].patch(f"/api/v1/products/{product['id']}", json={"price_vnd": 175000}, headers=OFFICIAL)
    assert r.status_code == 200

    async def repriced():
        items = held(standins, product["id"])
        return items["voso"][0]["price"] == 175000 and items["postmart"][0]["sale_price"] == 175000

    await eventually(repriced, timeout=60)

    # deleted behind our back on voso: reconciliation puts it back (once)
    ext = found["voso"]["external_id"]
    standins.voso.state.store.products.pop(ext)
    assert (
        await apps["marketplace_sync"].post(
            "/api/v1/listings/resync", json={"product_id": product["id"]}, headers=OPERATOR
        )
    ).status_code == 202

    async def back():
        items = held(standins, product["id"])
        return len([i for i in items["voso"] if i["status"] == "active"]) == 1

    await eventually(back, timeout=60)

    # revoke → delisted everywhere, within 2 s
    t0 = time.monotonic()
    await apps["registry"].post(
        f"/api/v1/certificates/{cert['id']}/revoke",
        headers=OFFICIAL,
        json={"reason": "Vi phạm", "decision_no": "99/QĐ-UBND"},
    )

    async def removed_everywhere():
        items = held(standins, product["id"])
        return all(i["status"] == "removed" for group in items.values() for i in group)

    await eventually(removed_everywhere, timeout=10, interval=0.05)
    elapsed = time.monotonic() - t0
    print(f"revocation delisted on both stand-ins after {elapsed:.3f}s")
    assert elapsed < 2.0, f"delisting took {elapsed:.2f}s"
    await both(apps, product["id"], "delisted")
    items = held(standins, product["id"])
    assert all(i["status"] == "removed" for group in items.values() for i in group)

    # the registry learns where its product is listed from listing events (and so confirms them)
    async def registry_knows():
        got = (await apps["registry"].get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()
        return {(entry["platform"], entry["status"]) for entry in got["listings"]} == {
            ("voso", "delisted"),
            ("postmart", "delisted"),
        }

    await eventually(registry_knows, timeout=30)


async def test_faults_and_rate_limits_still_exactly_once(apps, standins):
    for app in (standins.voso, standins.postmart):
        store = app.state.store
        store.faults = store.faults.model_copy(
            update={"failure_rate": 0.3, "rate_limit": 5, "rate_window_s": 0.2, "timeout_rate": 0.1, "timeout_s": 3.0}
        )  # client gives up at 1 s
    try:
        products = []
        for _i in range(4):
            _p, product, _c = await certified_product(apps)
            products.append(product)
        for product in products:
            await both(apps, product["id"], "published", timeout=120)
            items = held(standins, product["id"])
            assert len(items["voso"]) == 1 and len(items["postmart"]) == 1
    finally:
        for app in (standins.voso, standins.postmart):
            store = app.state.store
            store.faults = store.faults.model_copy(
                update={"failure_rate": 0.0, "rate_limit": 50, "rate_window_s": 1.0, "timeout_rate": 0.0}
            )


async def test_platform_rejection_marks_failed(apps, standins):
    _producer, product, _cert = await certified_product(apps, price_vnd=0)  # voso needs a positive price

    async def failed():
        found = await listings(apps, product["id"])
        return found if found.get("voso", {}).get("status") == "failed" else None

    found = await eventually(failed, timeout=60)
    assert "price" in found["voso"]["last_error"]
    assert (
        await apps["marketplace_sync"].get("/api/v1/listings", headers=auth("producer", producer_id="x"))
    ).json() == []
