"""Marketplace benchmark: N certificates (default 1,000) through the embedded stack to both stand-ins.

Starts Tansu + nx-27017, the two stand-ins (real HTTP), and registry + marketplace_sync in-process over
the wire. Phase 1, faults on (30 % 5xx, tight rate limits): time until every certified product is
published exactly once on both platforms. Phase 2, faults off: certificate → published latency p50/p95.

Usage: ``python bench/marketplace.py [--certificates 1000] [--failure-rate 0.3]``
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
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from ocop_cli.stack import Stack, start_stack
from ocop_marketplace_sync.bootstrap import MarketplaceSyncSettings
from ocop_marketplace_sync.main import create_app as marketplace_app
from ocop_marketplace_sync.standins.serving import Standins, serve_standins
from ocop_registry.bootstrap import RegistrySettings
from ocop_registry.main import create_app as registry_app
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing

KEYS = KeyRing.generate()  # the registry signs with it; marketplace_sync is given its public keys


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(KEYS, role=role)}"}


def keys_in(directory: Path) -> Path:
    """KEYS written as the registry's key directory."""
    KeyRing.save(KEYS, directory)
    return directory


@contextlib.asynccontextmanager
async def services(stack: Stack, standins: Standins) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """registry and marketplace_sync in this process against the embedded servers, one HTTP client each."""
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
        yield clients


async def certify(client, headers, i: int, tax: str) -> str:
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
    r = await client.post(
        f"/api/v1/evaluations/{ev['id']}/certificate",
        headers=headers,
        json={"decision_no": f"{i}/QĐ-UBND", "issued_on": "2026-11-01"},
    )
    assert r.status_code == 201, r.text
    return product


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


async def run(n: int, failure_rate: float) -> None:
    async with serve_standins() as standins:
        await _run(standins, n, failure_rate)


async def _run(standins: Standins, n: int, failure_rate: float) -> None:
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
                latencies = []
                for i in range(min(n, 200)):
                    t = time.perf_counter()
                    product = await certify(apps["registry"], headers, n + i, f"48{i:08d}")
                    while True:
                        found = (
                            await apps["marketplace_sync"].get(
                                "/api/v1/listings", params={"product_id": product}, headers=auth("operator")
                            )
                        ).json()
                        if len(found) == 2 and all(e["status"] == "published" for e in found):
                            break
                        await asyncio.sleep(0.01)
                    latencies.append(time.perf_counter() - t)
                latencies.sort()
                p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
                print(
                    f"faults off: certificate → published on both, p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
                    f"(target p95 ≤ 1 s; includes issuing the certificate over HTTP)"
                )
        finally:
            stack.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--failure-rate", type=float, default=0.3)
    args = parser.parse_args()
    asyncio.run(run(args.certificates, args.failure_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
