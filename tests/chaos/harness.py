"""The chaos harness: the real process tree of ``ocop up`` (nx-27017, Tansu, the three services as uvicorn
processes, supervised and restarted like in production) on free ports, the two marketplace stand-ins served
by the test process (they play the outside platforms, so they survive whatever happens to our stack), and
a client that keeps retrying like a real user would while services die under it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from conftest import ARTIFACTS
from ocop_cli.stack import free_port
from ocop_cli.supervisor import Ports, Supervisor
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing

# Settings the chaos services run with (everything else is the production default).
CHAOS_ENV = {
    "OCOP_LOG_LEVEL": "WARNING",
    "OCOP_VOSO_RATE_PER_S": "40",
    "OCOP_POSTMART_RATE_PER_S": "40",  # the stand-ins allow 100 requests/s
    "OCOP_PLATFORM_TIMEOUT_S": "2",
    "OCOP_SCAN_RATE_CAPACITY": "10000",  # the test scans many stamps from one address
}


def stack_ports(standins) -> Ports:
    return Ports(
        registry=free_port(),
        traceability=free_port(),
        marketplace_sync=free_port(),
        kafka=free_port(),
        mongo=free_port(),
        voso=int(standins.voso_url.rsplit(":", 1)[1]),
        postmart=int(standins.postmart_url.rsplit(":", 1)[1]),
    )


def start(data_dir: Path, ports: Ports, log: list[str]) -> Supervisor:
    sup = Supervisor(
        data_dir=data_dir,
        ports=ports,
        standins=False,
        extra_env=CHAOS_ENV,
        log=lambda m: log.append(f"{time.strftime('%H:%M:%S')} {m}"),
    )
    sup.build()
    sup.start(timeout=180)
    return sup


def kill_everything(sup: Supervisor) -> list[int]:
    """kill -9 every process of the stack at once (a power cut), then reap them."""
    pids = [item.child.proc.pid for item in sup.items if item.child.alive()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    sup.stop()
    return pids


@dataclass
class Api:
    """HTTP to the running stack, retrying through crashes (connection refused, 5xx, 429) like a patient
    user; every 4xx other than 429 is an answer and is returned."""

    sup: Supervisor
    key: KeyRing
    retries: int = 0
    client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=15))

    @classmethod
    def for_stack(cls, sup: Supervisor) -> Api:
        return cls(sup, KeyRing.load_or_create(sup.data_dir / "jwt"))

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{getattr(self.sup.ports, service)}{path}"

    def headers(self, role: str = "official") -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self.key, role=role, subject='chaos')}"}

    async def call(
        self, method: str, service: str, path: str, *, give_up_after: float = 240, role: str = "official", **kwargs: Any
    ) -> httpx.Response:
        deadline = time.monotonic() + give_up_after
        extra_headers = kwargs.pop("headers", {})
        while True:
            try:
                resp = await self.client.request(
                    method, self.url(service, path), headers={**self.headers(role), **extra_headers}, **kwargs
                )
                if resp.status_code < 500 and resp.status_code != 429:
                    return resp
                last = f"{resp.status_code} {resp.text[:200]}"
            except httpx.TransportError as exc:
                last = repr(exc)
            self.retries += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {service}{path} kept failing: {last}")
            await asyncio.sleep(0.3)

    async def ok(self, method: str, service: str, path: str, expect: tuple[int, ...] = (200, 201), **kw) -> Any:
        resp = await self.call(method, service, path, **kw)
        assert resp.status_code in expect, f"{method} {path}: {resp.status_code} {resp.text[:500]}"
        return resp.json()


async def make_catalogue(api: Api, producers: int, products: int, tag: str) -> list[dict]:
    """``producers`` producers and ``products`` products spread over them (through the import API)."""
    taxes = []
    for k in range(producers):
        tax = f"47{abs(hash((tag, k))) % 10**8:08d}"
        resp = await api.call(
            "POST",
            "registry",
            "/api/v1/producers",
            json={
                "name": f"HTX thử tải {tag} {k}",
                "kind": "cooperative",
                "tax_code": tax,
                "province": {"code": "19"},
                "commune": {"name": "Xã Chợ Đồn"},
            },
        )
        assert resp.status_code in (201, 409), resp.text
        taxes.append(tax)
    names = [f"Đặc sản {tag} số {i}" for i in range(products)]
    for start_at in range(0, products, 500):
        rows = [
            {
                "producer_tax_code": taxes[i % producers],
                "name": names[i],
                "group": "food",
                "unit": "gói",
                "price_vnd": 50_000 + i,
            }
            for i in range(start_at, min(products, start_at + 500))
        ]
        await api.ok("POST", "registry", "/api/v1/imports/products", json={"rows": rows})
    found: dict[str, dict] = {}
    skip = 0
    while True:
        page = await api.ok("GET", "registry", "/api/v1/products", params={"limit": 500, "skip": skip, "q": tag})
        found.update({p["name"]: p for p in page})
        if len(page) < 500:
            break
        skip += 500
    return [found[n] for n in names]


def certified_products(mongo_url: str) -> set[str]:
    """Products with a certificate in the registry's own database (any status)."""
    with MongoClient(mongo_url, directConnection=True) as client:
        return {d["product_id"] for d in client.registry.certificates.find({}, projection={"product_id": 1})}


async def certify(api: Api, product_id: str, n: int) -> str:
    """Evaluate and certify (4★). A response lost in a crash is retried; a 409 then means the first try
    went through, which the registry's own record confirms."""
    ev = await api.ok(
        "POST",
        "registry",
        f"/api/v1/products/{product_id}/evaluations",
        json={"level": "province", "scores": {"A": 32, "B": 20, "C": 25}, "evaluated_on": "2026-11-01"},
    )
    resp = await api.call(
        "POST",
        "registry",
        f"/api/v1/evaluations/{ev['id']}/certificate",
        json={"decision_no": f"{n}/QĐ-UBND", "issued_on": "2026-11-02"},
    )
    if resp.status_code == 201:
        return resp.json()["id"]
    assert resp.status_code == 409, resp.text
    certs = await api.ok("GET", "registry", "/api/v1/certificates", params={"product_id": product_id})
    active = [c for c in certs if c["status"] == "active"]
    assert len(active) == 1, certs
    return active[0]["id"]


async def revoke(api: Api, cert_id: str) -> None:
    resp = await api.call(
        "POST",
        "registry",
        f"/api/v1/certificates/{cert_id}/revoke",
        json={"reason": "Thử nghiệm sự cố: thu hồi", "decision_no": "99/QĐ-UBND"},
    )
    if resp.status_code == 409:  # revoked by a try whose answer was lost
        cert = await api.ok("GET", "registry", f"/api/v1/certificates/{cert_id}")
        assert cert["status"] == "revoked", cert
        return
    assert resp.status_code == 200, resp.text


async def stamp_for(api: Api, product_id: str, producer_id: str, area_code: str) -> str:
    """One activated stamp for the product; returns its serial."""
    deadline = time.monotonic() + 120
    while (await api.call("GET", "traceability", f"/api/v1/producers/{producer_id}")).status_code != 200:
        assert time.monotonic() < deadline, "traceability never learnt about the producer"
        await asyncio.sleep(0.3)  # it learns from an event
    resp = await api.call(
        "POST",
        "traceability",
        "/api/v1/growing-areas",
        json={
            "code": area_code,
            "name": "Vùng thử nghiệm",
            "crop": "chè",
            "producer_id": producer_id,
            "province": {"code": "19", "name": "Thái Nguyên"},
            "area_ha": 2.0,
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[105.57, 22.18], [105.58, 22.18], [105.58, 22.19], [105.57, 22.18]]],
            },
        },
    )
    assert resp.status_code in (201, 409), resp.text
    deadline = time.monotonic() + 120
    while True:  # traceability learns about the product from an event
        resp = await api.call(
            "POST",
            "traceability",
            "/api/v1/batches",
            json={
                "product_id": product_id,
                "growing_area_code": area_code,
                "harvest_date": "2026-11-01",
                "quantity": 10,
                "unit": "kg",
            },
        )
        if resp.status_code == 201 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.3)
    assert resp.status_code == 201, resp.text
    run = await api.ok(
        "POST", "traceability", f"/api/v1/batches/{resp.json()['id']}/stamp-runs", expect=(202,), json={"count": 1}
    )
    while (await api.ok("GET", "traceability", f"/api/v1/stamp-runs/{run['id']}"))["status"] != "ready":
        await asyncio.sleep(0.2)
    await api.ok("POST", "traceability", f"/api/v1/stamp-runs/{run['id']}/activate", json={})
    codes = (await api.call("GET", "traceability", f"/api/v1/stamp-runs/{run['id']}/codes.csv")).text
    return re.search(r"/S/([0-9A-Z]+)", codes).group(1)


async def verdict(api: Api, serial: str) -> str:
    resp = await api.call("GET", "traceability", f"/S/{serial}", headers={"Accept": "application/json"})
    return resp.json()["verdict"]


def platform_view(standins) -> dict[str, dict[str, list[str]]]:
    """Per platform: product id → statuses of every listing record the platform holds for it."""
    out = {}
    for name, app in (("voso", standins.voso), ("postmart", standins.postmart)):
        by_product: dict[str, list[str]] = defaultdict(list)
        for item in list(app.state.store.products.values()):
            ref = item.get("attributes", {}).get("ocop_product_id") or item.get("external_ref")
            by_product[ref].append(item["status"])
        out[name] = dict(by_product)
    return out


def listing_counts(standins, certified: set[str], revoked: set[str]) -> dict[str, dict[str, int]]:
    """What each platform shows against what it should: listed, missing, duplicates, revoked still up."""
    counts = {}
    for name, held in platform_view(standins).items():
        listed = sum(1 for p in certified - revoked if held.get(p, []).count("active") == 1)
        counts[name] = {
            "listed": listed,
            "missing": len(certified - revoked)
            - listed
            - sum(1 for p in certified - revoked if held.get(p, []).count("active") > 1),
            "duplicates": sum(max(0, len(held.get(p, [])) - 1) for p in certified),
            "revoked_still_listed": sum(1 for p in revoked if "active" in held.get(p, [])),
        }
    return counts


def converged(counts: dict[str, dict[str, int]], expected_listed: int) -> bool:
    return all(
        c["listed"] == expected_listed and c["missing"] == 0 and c["revoked_still_listed"] == 0 for c in counts.values()
    )


def event_accounting(mongo_url: str, types: tuple[str, ...]) -> dict[str, Any]:
    """Certificate events the registry emitted (its outbox) against what each consumer recorded as applied
    (its inbox, written in the same transaction as the effects): lost = emitted but never applied."""
    with MongoClient(mongo_url, directConnection=True) as client:
        emitted = {
            d["event_id"]
            for d in client.registry.outbox.find({"type": {"$in": list(types)}}, projection={"event_id": 1})
        }
        out: dict[str, Any] = {"emitted": len(emitted)}
        for service in ("traceability", "marketplace_sync"):
            applied = [
                d["_id"] for d in client[service].inbox.find({"type": {"$in": list(types)}}, projection={"_id": 1})
            ]
            out[service] = {"applied": len(applied), "distinct": len(set(applied)), "lost": len(emitted - set(applied))}
        return out


def write_report(name: str, report: dict) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"chaos-{name}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\n{name}: {json.dumps(report, ensure_ascii=False)}")
    return path
