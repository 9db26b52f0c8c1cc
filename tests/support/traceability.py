"""Traceability records made over HTTP: growing areas, batches, stamp runs, and the waits for the copies of
registry records that traceability receives by event."""

from __future__ import annotations

import random
import uuid

import httpx

from conftest import RunningApps, auth, eventually
from tests.support.registry import evaluate, issue, make_producer, make_product


def polygon(dx: float = 0.0) -> dict:
    """A small square in Thái Nguyên (shifted east by ``dx`` degrees)."""
    x, y = 105.60 + dx, 22.10
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]]}


def area_body(producer_id: str, code: str, **fields) -> dict:
    """A growing area as the API takes it: a tea hill in Thái Nguyên unless ``fields`` say otherwise."""
    return {
        "code": code,
        "name": "Đồi chè",
        "crop": "chè Shan tuyết",
        "producer_id": producer_id,
        "province": "Thái Nguyên",
        "area_ha": 3,
        "geometry": polygon(),
    } | fields


async def add_area(tr: httpx.AsyncClient, headers: dict, producer_id: str, code: str, **fields) -> dict:
    r = await tr.post("/api/v1/growing-areas", headers=headers, json=area_body(producer_id, code, **fields))
    assert r.status_code == 201, r.text
    return r.json()


def batch_body(product_id: str, area_code: str, **fields) -> dict:
    """A batch as the API takes it: 50 kg harvested on 2 November 2026 unless ``fields`` say otherwise."""
    return {
        "product_id": product_id,
        "growing_area_code": area_code,
        "harvest_date": "2026-11-02",
        "quantity": 50,
        "unit": "kg",
    } | fields


async def add_batch(tr: httpx.AsyncClient, headers: dict, product_id: str, area_code: str, **fields) -> dict:
    r = await tr.post("/api/v1/batches", headers=headers, json=batch_body(product_id, area_code, **fields))
    assert r.status_code == 201, r.text
    return r.json()


async def order_stamps(tr: httpx.AsyncClient, headers: dict, batch_id: str, count: int) -> dict:
    """A stamp run ordered for the batch (accepted: it is generated in the background)."""
    r = await tr.post(f"/api/v1/batches/{batch_id}/stamp-runs", headers=headers, json={"count": count})
    assert r.status_code == 202, r.text
    return r.json()


async def until_ready(
    tr: httpx.AsyncClient, headers: dict, run_id: str, *, timeout: float = 60, interval: float = 0.05
) -> dict:
    """The stamp run's status once it is ready to print (fails at once should generating it fail)."""

    async def ready():
        status = (await tr.get(f"/api/v1/stamp-runs/{run_id}", headers=headers)).json()
        assert status["status"] != "failed", status
        return status if status["status"] == "ready" else None

    return await eventually(ready, timeout=timeout, interval=interval)


async def copied(apps: RunningApps, producer_id: str, product_id: str, certificate_id: str | None = None) -> None:
    """Wait until traceability holds its copies of the producer and the product (with that certificate)."""
    db = apps.runtime("traceability").db
    await eventually(lambda: db.producers.find_one({"_id": producer_id}))
    certified = {"certificate.certificate_id": certificate_id} if certificate_id else {}
    await eventually(lambda: db.products.find_one({"_id": product_id} | certified))


async def tea_producer(
    apps: RunningApps, *, gtin: str | None, certify: bool = True, issued_on: str = "2026-11-01"
) -> tuple[dict, dict, dict | None]:
    """A Chợ Đồn tea cooperative and its product, certified 4★ unless not ``certify``; both copied to
    traceability (the certificate too) before it returns."""
    producer = await make_producer(apps, name=f"HTX Chè {uuid.uuid4().hex[:4]}", commune="Xã Chợ Đồn")
    product = await make_product(apps, producer["id"], name=f"Chè Shan tuyết Chợ Đồn {uuid.uuid4().hex[:4]}", gtin=gtin)
    cert = None
    if certify:
        cert = (await issue(apps, (await evaluate(apps, product["id"], 33, 19, 25))["id"], issued_on=issued_on)).json()
    await copied(apps, producer["id"], product["id"], cert["id"] if cert else None)
    return producer, product, cert


async def make_run(
    apps: RunningApps,
    count: int = 20,
    *,
    gtin: str | None = "8934567890120",
    certify: bool = True,
    issued_on: str = "2026-11-01",
):
    """A certified product's batch (area, harvest event) with ``count`` active stamps; their URLs."""
    tr = apps["traceability"]
    producer, product, cert = await tea_producer(apps, gtin=gtin, certify=certify, issued_on=issued_on)
    owner = auth("producer", producer_id=producer["id"])
    code = f"VN-19-063-{random.randrange(10**6):06d}"
    await add_area(tr, owner, producer["id"], code, commune="Xã Chợ Đồn", geometry=polygon(0.1))
    batch = await add_batch(tr, owner, product["id"], code)
    await tr.post(
        f"/api/v1/batches/{batch['id']}/events",
        headers=owner,
        json={"type": "harvesting", "time": "2026-11-02T07:00:00+07:00", "place": "Đồi chè Bản Tàn", "note": "Hái tay"},
    )
    run = await order_stamps(tr, owner, batch["id"], count)
    await until_ready(tr, owner, run["id"])
    await tr.post(f"/api/v1/stamp-runs/{run['id']}/activate", json={}, headers=owner)
    urls = (await tr.get(f"/api/v1/stamp-runs/{run['id']}/codes.csv", headers=owner)).text.split()
    return producer, product, cert, run, urls


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def scan(tr: httpx.AsyncClient, url: str, *, json_: bool = True, client: httpx.AsyncClient | None = None):
    headers = {"Accept": "application/json"} if json_ else {"Accept": "text/html"}
    return await (client or tr).get(path_of(url), headers=headers)
