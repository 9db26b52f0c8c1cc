"""Chaos of the national portal sync, on the real process tree of ``ocop up``: the portal stand-in (served by
the test process: it plays the outside portal and survives whatever happens to our stack) answers 30 % of
API calls with a fault — 25 % 5xx, 5 % a hang past our timeout — and 429s beyond its rate limit, while
national_sync is killed with kill -9 again and again as ready products (certified, with GTIN, image, net
quantity, a stamp run and a harvest) arrive, and a tenth of them are revoked once they are on the portal.

Asserted: every ready product published exactly once (one portal product per our product, its stage once),
every revoked one withdrawn, every portal event national_sync emitted applied once by the registry, which
counts them on the national portal. Counts go to test-artifacts/chaos-national-portal.json. Size:
``OCOP_CHAOS_PORTAL_PRODUCTS`` (default 30 for CI; the issue's run is 500) and ``OCOP_CHAOS_PORTAL_KILLS``
(default 3, plus one during the revocations).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter

import pytest
from pymongo import MongoClient

from conftest import serve_standins
from ocop_national_sync import standin
from ocop_registry.domain.product import gtin_check_digit
from ocop_shared.standins import Faults, serve
from tests.chaos import harness as h

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

N = int(os.environ.get("OCOP_CHAOS_PORTAL_PRODUCTS", "30"))
REVOKE_EVERY = 10
KILLS = int(os.environ.get("OCOP_CHAOS_PORTAL_KILLS", "3"))
PORTAL_TYPES = (
    "vn.ocop.national.product.published.v1",
    "vn.ocop.national.product.withdrawn.v1",
    "vn.ocop.national.product.failed.v1",
)


def gtin(i: int) -> str:
    body = f"893{7_000_000 + i:09d}"
    return body + str(gtin_check_digit(body))


def ready_fields(i: int) -> dict:
    return {"gtin": gtin(i), "unit": "hộp 500 g", "images": [f"https://anh.ocop.example.vn/thu-tai/{i}.jpg"]}


def portal_view(portal) -> dict[str, list[dict]]:
    by_product: dict[str, list[dict]] = {}
    for item in list(portal.state.store.products.values()):
        by_product.setdefault(item["maThamChieu"], []).append(item)
    return by_product


def portal_counts(portal, ready: set[str], revoked: set[str]) -> dict[str, int]:
    held = portal_view(portal)
    live = ready - revoked
    return {
        "published": sum(1 for p in live if [i["trangThai"] for i in held.get(p, [])] == ["CONG_BO"]),
        "missing": sum(1 for p in live if not held.get(p)),
        "duplicate_products": sum(max(0, len(held.get(p, [])) - 1) for p in ready),
        "products_without_their_stage": sum(1 for p in live if held.get(p) and len(held[p][0]["congDoan"]) != 1),
        "duplicate_stages": sum(
            len(i["congDoan"]) - len({e["maSuKien"] for e in i["congDoan"]}) for items in held.values() for i in items
        ),
        "withdrawn": sum(1 for p in revoked if held.get(p) and all(i["trangThai"] == "THU_HOI" for i in held[p])),
        "revoked_still_published": sum(1 for p in revoked if any(i["trangThai"] == "CONG_BO" for i in held.get(p, []))),
    }


def converged(c: dict[str, int], live: int, revoked: int) -> bool:
    return (
        c["published"] == live
        and c["missing"] == c["duplicate_products"] == c["products_without_their_stage"] == 0
        and c["duplicate_stages"] == 0
        and c["withdrawn"] == revoked
        and c["revoked_still_published"] == 0
    )


def portal_event_accounting(mongo_url: str) -> dict:
    with MongoClient(mongo_url, directConnection=True) as client:
        emitted = {
            d["event_id"]
            for d in client.national_sync.outbox.find({"type": {"$in": list(PORTAL_TYPES)}}, projection={"event_id": 1})
        }
        applied = [
            d["_id"] for d in client.registry.inbox.find({"type": {"$in": list(PORTAL_TYPES)}}, projection={"_id": 1})
        ]
        on_portal = client.registry.portal_status.count_documents({"status": "published"})
    return {
        "emitted": len(emitted),
        "registry": {"applied": len(applied), "distinct": len(set(applied)), "lost": len(emitted - set(applied))},
        "registry_counts_published": on_portal,
    }


async def prepare(api: h.Api, product: dict, i: int, area: str) -> None:
    """A ready product: certified, a batch from the producer's growing area, its harvest, a stamp run."""
    await h.certify(api, product["id"], i)
    deadline = time.monotonic() + 180
    while True:  # traceability learns about the product from an event
        resp = await api.call(
            "POST",
            "traceability",
            "/api/v1/batches",
            json={
                "product_id": product["id"],
                "growing_area_code": area,
                "harvest_date": "2026-11-01",
                "quantity": 10,
                "unit": "kg",
                "lot": f"TT-{i}",
            },
        )
        if resp.status_code in (201, 409) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    assert resp.status_code in (201, 409), resp.text
    batches = await api.ok("GET", "traceability", "/api/v1/batches", params={"product_id": product["id"]})
    batch = batches[0]["id"]
    trail = await api.ok("GET", "traceability", f"/api/v1/batches/{batch}")
    if not trail["events"]:  # a retried request whose first answer was lost may have recorded it
        await api.ok(
            "POST",
            "traceability",
            f"/api/v1/batches/{batch}/events",
            json={"type": "harvesting", "time": "2026-11-01T06:30:00+07:00", "place": "Đồi chè", "note": ""},
        )
    runs = await api.ok("GET", "traceability", "/api/v1/stamp-runs", params={"batch_id": batch})
    if not runs:
        await api.ok("POST", "traceability", f"/api/v1/batches/{batch}/stamp-runs", expect=(202,), json={"count": 1})


@pytest.mark.timeout(1800)
async def test_kill_9_national_sync_while_ready_products_reach_a_faulty_portal(tmp_path):
    log: list[str] = []
    portal = standin.create_app()
    portal.state.store.faults = Faults(failure_rate=0.25, timeout_rate=0.05, timeout_s=3, rate_limit=60)
    async with serve_standins() as standins, serve([portal]) as (portal_url,):
        env = {
            "OCOP_NATIONAL_PORTAL_URL": portal_url,
            "OCOP_PORTAL_TIMEOUT_S": "1.5",
            "OCOP_PORTAL_RETRY_BASE_S": "0.5",
        }
        sup = await asyncio.to_thread(h.start, tmp_path / "data", h.stack_ports(standins, portal_url), log, env)
        watcher = sup.watch_in_background()
        api = h.Api.for_stack(sup)
        t0 = time.monotonic()
        try:
            producers = max(2, N // 25)
            catalogue = await h.make_catalogue(api, producers=producers, products=N, tag="cổng", fields=ready_fields)
            areas: dict[str, str] = {}
            for k, producer_id in enumerate(sorted({p["producer_id"] for p in catalogue})):
                areas[producer_id] = f"VN-19-064-03030-{k + 1:03d}"
                await h.add_area(api, producer_id, areas[producer_id])
            kills: list[dict] = []
            prepared = {"count": 0}
            semaphore = asyncio.Semaphore(6)

            async def one(i: int, product: dict) -> None:
                async with semaphore:
                    await prepare(api, product, i, areas[product["producer_id"]])
                    prepared["count"] += 1

            async def killer() -> None:
                for k in range(KILLS):
                    while prepared["count"] < (k + 1) * N / (KILLS + 1):
                        await asyncio.sleep(0.1)
                    item = sup.item("national_sync")
                    while not (item.child.alive() and await asyncio.to_thread(item.ready)):
                        await asyncio.sleep(0.1)
                    await asyncio.sleep(random.uniform(0.0, 1.0))  # somewhere inside a push
                    pid = await asyncio.to_thread(sup.kill, "national_sync")
                    kills.append({"at_prepared": prepared["count"], "pid": pid})

            await asyncio.gather(killer(), *(one(i, p) for i, p in enumerate(catalogue)))
            ready = {p["id"] for p in catalogue}
            prepared_s = time.monotonic() - t0

            # a tenth is revoked once on the portal, and national_sync is killed once more meanwhile
            chosen = [p["id"] for i, p in enumerate(catalogue) if i % REVOKE_EVERY == 0]
            deadline = time.monotonic() + 600
            while not all([i["trangThai"] for i in portal_view(portal).get(p, [])] == ["CONG_BO"] for p in chosen):
                assert time.monotonic() < deadline, "the products to revoke never reached the portal"
                await asyncio.sleep(0.5)
            certs = {
                c["product_id"]: c["id"]
                for c in await api.ok("GET", "registry", "/api/v1/certificates", params={"limit": 1000})
                if c["status"] == "active"
            }
            revoked: set[str] = set()
            for n, product_id in enumerate(chosen):
                await h.revoke(api, certs[product_id])
                revoked.add(product_id)
                if n == len(chosen) // 2:
                    kills.append({"at_revocation": n, "pid": await asyncio.to_thread(sup.kill, "national_sync")})

            deadline = time.monotonic() + 900
            while True:
                counts = portal_counts(portal, ready, revoked)
                if converged(counts, len(ready - revoked), len(revoked)) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            converged_s = time.monotonic() - t0
            deadline = time.monotonic() + 120
            while True:
                accounting = portal_event_accounting(f"mongodb://127.0.0.1:{sup.ports.mongo}")
                # (the portal may show a withdrawal a moment before national_sync records it and emits its event)
                settled = accounting["registry_counts_published"] == len(ready - revoked)
                if (accounting["registry"]["lost"] == 0 and settled) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            store = portal.state.store
            report = {
                "products": N,
                "revoked": len(revoked),
                "faults": store.faults.model_dump(),
                "kills": kills,
                "portal": counts,
                "portal_creates": store.creates,
                "portal_organisations": len(store.organisations),
                "create_replays": store.replays,  # creates repeated after a lost answer: the first product
                "event_replays": store.event_replays,  # stages sent again: kept once
                "prepared_s": round(prepared_s, 1),
                "converged_s": round(converged_s, 1),
                "events": accounting,
                "client_retries": api.retries,
                "restarts": {i.child.name: i.restarts for i in sup.items if i.restarts},
            }
            path = h.write_report("national-portal", report)
            print(f"national portal chaos: {report} -> {path}")
            assert converged(counts, len(ready - revoked), len(revoked)), report
            assert store.creates == len(ready), report  # one product created per ready product, ever
            assert Counter(i["maThamChieu"] for i in store.products.values()).most_common(1)[0][1] == 1
            assert accounting["registry"]["lost"] == 0, report
            assert accounting["registry"]["applied"] == accounting["registry"]["distinct"], report
            assert accounting["registry_counts_published"] == len(ready - revoked), report  # the KPI agrees
            assert len(kills) == KILLS + 1 and sup.item("national_sync").restarts >= KILLS + 1, report
        finally:
            watcher.stop()
            await api.client.aclose()
            await asyncio.to_thread(sup.stop)
