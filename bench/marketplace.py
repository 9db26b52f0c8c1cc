"""Marketplace benchmark: N certificates (default 1,000) through the embedded stack to both stand-ins, and
how soon a scan shows a certificate decision.

Starts Tansu + nx-27017, the two stand-ins (real HTTP), and registry + traceability + marketplace_sync
in-process over the wire. Phase 1, faults on (30 % 5xx, tight rate limits): time until every certified
product is published exactly once on both platforms. Phase 2, faults off, one certificate at a time (each
product has a batch and an active stamp at traceability): from the certificate POST to (a) the stamp's verify
answer showing the certificate, (b) the product listed on both stand-ins; then from the revocation POST to
the verify verdict "revoked". p50/p95/p99 of each.

Usage: ``python bench/marketplace.py [--certificates 1000] [--failure-rate 0.3] [--samples 100]``. Targets:
certificate → scan verdict ≤ 200 ms, certificate → listed on both stand-ins p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from _common import pct
from asgi_lifespan import LifespanManager

from ocop_cli.stack import Stack, start_stack
from ocop_marketplace_sync.bootstrap import MarketplaceSyncSettings
from ocop_marketplace_sync.main import create_app as marketplace_app
from ocop_marketplace_sync.standins.serving import Standins, serve_standins
from ocop_registry.bootstrap import RegistrySettings
from ocop_registry.main import create_app as registry_app
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing
from ocop_traceability.bootstrap import TraceabilitySettings
from ocop_traceability.domain.batches import Batch
from ocop_traceability.domain.clients import client_of
from ocop_traceability.domain.stamps import StampRun, new_stamps
from ocop_traceability.main import create_app as traceability_app
from ocop_traceability.runtime import TraceabilityRuntime

KEYS = KeyRing.generate()  # the registry signs with it; marketplace_sync is given its public keys


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(KEYS, role=role)}"}


def keys_in(directory: Path) -> Path:
    """KEYS written as the registry's key directory."""
    KeyRing.save(KEYS, directory)
    return directory


@contextlib.asynccontextmanager
async def services(stack: Stack, standins: Standins) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """registry, traceability and marketplace_sync in this process against the embedded servers, one HTTP
    client each (``clients["traceability"].runtime``: its runtime)."""
    common = {
        "kafka_bootstrap": stack.bootstrap,
        "mongo_url": stack.mongo_url,
        "secret_key": "bench-marketplace",
        "data_dir": stack.tmp,
        "relay_idle_wait_s": 0.2,
        "relay_confirm_interval_s": 0.5,
        "log_level": "ERROR",
    }
    apps = {
        "registry": registry_app(RegistrySettings(**common, jwt_key_dir=keys_in(stack.tmp / "bench-jwt"))),
        "traceability": traceability_app(TraceabilitySettings(**common, jwt_public_keys=json.dumps(KEYS.jwks()))),
        "marketplace_sync": marketplace_app(
            MarketplaceSyncSettings(
                **common,
                jwt_public_keys=json.dumps(KEYS.jwks()),
                voso_url=standins.voso_url,
                postmart_url=standins.postmart_url,
                sync_attempts=12,
                voso_rate_per_s=200,
                postmart_rate_per_s=200,
            )
        ),
    }
    async with contextlib.AsyncExitStack() as es:
        clients = {}
        for name, app in apps.items():
            await es.enter_async_context(LifespanManager(app, startup_timeout=60, shutdown_timeout=30))
            clients[name] = await es.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}", timeout=60)
            )
            clients[name].runtime = app.state.runtime  # type: ignore[attr-defined]
        yield clients


async def certify(client, headers, i: int, tax: str) -> str:
    product, _producer, evaluation = await evaluated(client, headers, i, tax)
    await issue(client, headers, evaluation, i)
    return product


async def evaluated(client, headers, i: int, tax: str) -> tuple[str, str, str]:
    """A producer and its product with a passing evaluation: (product, producer, evaluation) ids."""
    r = await client.post(
        "/api/v1/producers",
        headers=headers,
        json={
            "name": f"HTX bench {i}",
            "kind": "cooperative",
            "tax_code": tax,
            "province": "19",
            "commune": "Xã Chợ Đồn",
        },
    )
    pid = r.json()["id"]
    r = await client.post(
        "/api/v1/products",
        headers=headers,
        json={"producer_id": pid, "name": f"Đặc sản số {i}", "group": "food", "price_vnd": 50000 + i, "unit": "gói"},
    )
    product = r.json()["id"]
    ev = (
        await client.post(
            f"/api/v1/products/{product}/evaluations",
            headers=headers,
            json={"level": "province", "scores": {"A": 30, "B": 18, "C": 22}, "evaluated_on": "2026-11-01"},
        )
    ).json()
    return product, pid, ev["id"]


async def issue(client, headers, evaluation: str, i: int) -> str:
    """The certificate of a passed evaluation; its id."""
    r = await client.post(
        f"/api/v1/evaluations/{evaluation}/certificate",
        headers=headers,
        json={"decision_no": f"{i}/QĐ-UBND", "issued_on": "2026-11-01"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def active_stamp(trace: TraceabilityRuntime, product: str, producer: str, i: int) -> str:
    """A batch of ``product`` with one active stamp at traceability (written through its repositories once its
    copy of the product has arrived); the stamp's serial."""
    uow = trace.uow()
    while await uow.products.get(product) is None:
        await asyncio.sleep(0.01)
    lot = f"L{i:05d}"
    batch = Batch(
        id=f"bench-batch-{i}",
        product_id=product,
        producer_id=producer,
        lot=lot,
        growing_area_code="VN-19-063-02020-001",  # no area record: the scan shows none, the verdict is the same
        harvest_date="2026-10-28",
        quantity=50,
        unit="kg",
        created_at=datetime.now(UTC),
    )
    run = StampRun(id=f"bench-run-{i}", batch_id=batch.id, product_id=product, producer_id=producer, lot=lot, count=1)
    stamps = new_stamps(run, trace.settings.stamp_base_url, 1, 1)
    async with uow:
        await uow.batches.add(batch)
        await uow.stamp_runs.add(run)
        await uow.commit()
    stamps[0].state = "active"
    await uow.stamps.insert(stamps)
    return stamps[0].id


def listed_on_both(standins: Standins, product: str) -> bool:
    return all(
        any(
            p["status"] == "active"
            and (p.get("attributes", {}).get("ocop_product_id") or p.get("external_ref")) == product
            for p in app.state.store.products.values()
        )
        for app in (standins.voso, standins.postmart)
    )


def active_counts(standins) -> dict[str, int]:
    out = {}
    for name, app in (("voso", standins.voso), ("postmart", standins.postmart)):
        refs = [
            p.get("attributes", {}).get("ocop_product_id") or p.get("external_ref")
            for p in app.state.store.products.values()
            if p["status"] == "active"
        ]
        out[name] = (len(refs), len(set(refs)))
    return out


async def decisions(apps, standins: Standins, n: int, samples: int) -> None:
    """Phase 2: one certificate at a time; when the scan shows it, when both platforms list the product, and
    when the scan says "revoked" after the revocation (made once the scan shows where to buy: nothing in flight)."""
    headers = auth("official")
    trace: TraceabilityRuntime = apps["traceability"].runtime
    scanner = client_of("203.0.113.9", "bench", "bench-salt")
    shown, listed, where, revoked, issued_answer, revoked_answer = [], [], [], [], [], []
    for i in range(samples):
        product, producer, evaluation = await evaluated(apps["registry"], headers, n + i, f"48{i:08d}")
        serial = await active_stamp(trace, product, producer, i)
        assert (await trace.scan.verify(serial, scanner, record=False)).get("certificate") is None
        t = time.perf_counter()
        certificate = await issue(apps["registry"], headers, evaluation, n + i)
        issued_answer.append(time.perf_counter() - t)
        seen = scan_at = listed_at = None
        while scan_at is None or listed_at is None:
            now = time.perf_counter()
            if scan_at is None:
                seen = await trace.scan.verify(serial, scanner, record=False)
                if (seen.get("certificate") or {}).get("status") == "active":
                    scan_at = now
            if listed_at is None and listed_on_both(standins, product):
                listed_at = now
            if now - t > 30:
                raise TimeoutError(f"certificate {certificate}: scan {scan_at}, listed {listed_at}")
            await asyncio.sleep(0.002)
        shown.append(scan_at - t)
        listed.append(listed_at - t)
        # the listings' own events (listing.published → the scan's "where to buy") are in flight now; a
        # revocation measured behind them would time the queue, not the revocation
        while len((await trace.scan.verify(serial, scanner, record=False)).get("where_to_buy") or ()) < 2:
            if time.perf_counter() - t > 30:
                raise TimeoutError(f"certificate {certificate}: the scan never showed where to buy")
            await asyncio.sleep(0.002)
        where.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = await apps["registry"].post(
            f"/api/v1/certificates/{certificate}/revoke",
            headers=headers,
            json={"reason": "Bench: thu hồi để đo", "decision_no": f"{i}/QĐ-TH"},
        )
        assert r.status_code == 200, r.text
        revoked_answer.append(time.perf_counter() - t)
        while (await trace.scan.verify(serial, scanner, record=False))["verdict"] != "revoked":
            if time.perf_counter() - t > 30:
                raise TimeoutError(f"certificate {certificate}: revocation not seen by the scan")
            await asyncio.sleep(0.002)
        revoked.append(time.perf_counter() - t)
    print(f"faults off, {samples} certificates one at a time (from the POST that issues or revokes):")
    for name, values, target in (
        ("certificate POST answered", issued_answer, "part of the two below"),
        ("certificate → scan shows it", shown, "≤ 200 ms"),
        ("certificate → listed on both stand-ins", listed, "p95 ≤ 150 ms"),
        ("certificate → scan shows where to buy", where, "none: the listings' events"),
        ("revocation POST answered", revoked_answer, "part of the one below"),
        ("revocation → scan verdict revoked", revoked, "≤ 200 ms"),
    ):
        print(
            f"  {name:<40} p50 {pct(values, 50):6.0f} ms   p95 {pct(values, 95):6.0f} ms   "
            f"p99 {pct(values, 99):6.0f} ms   max {max(values) * 1000:6.0f} ms   (target {target})"
        )


async def run(n: int, failure_rate: float, samples: int) -> None:
    async with serve_standins() as standins:
        await _run(standins, n, failure_rate, samples)


async def _run(standins: Standins, n: int, failure_rate: float, samples: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp))
        try:
            async with services(stack, standins) as apps:
                headers = auth("official")
                for app in (standins.voso, standins.postmart):
                    app.state.store.faults = app.state.store.faults.model_copy(
                        update={"failure_rate": failure_rate, "rate_limit": 100, "rate_window_s": 1.0}
                    )
                t0 = time.perf_counter()
                products = []
                for i in range(n):
                    products.append(await certify(apps["registry"], headers, i, f"47{i:08d}"))
                t_cert = time.perf_counter() - t0
                while True:
                    counts = active_counts(standins)
                    if all(total >= n for total, _u in counts.values()):
                        break
                    await asyncio.sleep(0.2)
                t_all = time.perf_counter() - t0
                duplicates = {k: total - unique for k, (total, unique) in counts.items()}
                print(
                    f"faults on ({failure_rate:.0%} 5xx): {n} certificates issued in {t_cert:.1f} s; all published "
                    f"on both platforms after {t_all:.1f} s; duplicates {duplicates}"
                )

                for app in (standins.voso, standins.postmart):
                    app.state.store.faults = app.state.store.faults.model_copy(
                        update={"failure_rate": 0.0, "rate_limit": 1000}
                    )
                await decisions(apps, standins, n, samples)
        finally:
            stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--failure-rate", type=float, default=0.3)
    parser.add_argument("--samples", type=int, default=100, help="phase 2: certificates issued one at a time")
    args = parser.parse_args()
    asyncio.run(run(args.certificates, args.failure_rate, args.samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
