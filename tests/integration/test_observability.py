"""Observability: the metrics an operator watches, and one certificate followed by its W3C trace id from
the HTTP request through the registry's event to marketplace_sync's platform calls and listing event."""

from __future__ import annotations

import secrets

import pytest
from aiokafka import AIOKafkaProducer

from conftest import auth, eventually
from tests.support.marketplace import both
from tests.support.registry import evaluate, make_producer, make_product
from tests.support.traceability import make_run, scan

pytestmark = pytest.mark.integration


def metric_sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def metrics_text(apps, service: str) -> str:
    resp = await apps[service].get("/metrics")
    assert resp.status_code == 200
    return resp.text


async def test_operator_metrics_move_with_the_system(apps, stack):
    # in-process apps share one Prometheus registry: compare before/after, per label
    before = await metrics_text(apps, "registry")
    _producer, product, _cert, _run, urls = await make_run(apps, count=2)
    await both(apps, product["id"], "published")
    assert (await scan(apps["traceability"], urls[0])).json()["verdict"] == "genuine"
    assert (
        await apps["traceability"].get("/S/0000000000000000A", headers={"Accept": "application/json"})
    ).status_code == 404
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait("ocop.registry.v1", b"not json " + secrets.token_hex(4).encode())
    finally:
        await producer.stop()

    async def dead_lettered():
        text = await metrics_text(apps, "traceability")
        return metric_sum(text, "ocop_dlq_events_total", topic="ocop.registry.v1", reason="invalid_json") > metric_sum(
            before, "ocop_dlq_events_total", topic="ocop.registry.v1", reason="invalid_json"
        )

    await eventually(dead_lettered, timeout=30)

    after = await metrics_text(apps, "registry")
    grew = {
        name: metric_sum(after, name, **labels) - metric_sum(before, name, **labels)
        for name, labels in {
            "ocop_events_published_total": {},
            "ocop_events_consumed_total": {"result": "applied"},
            "ocop_scan_verdicts_total": {"verdict": "genuine"},
            "ocop_listing_operations_total": {"platform": "voso", "operation": "upsert", "result": "ok"},
        }.items()
    }
    assert all(v >= 1 for v in grew.values()), grew
    assert metric_sum(after, "ocop_scan_verdicts_total", verdict="unknown") >= 1
    assert metric_sum(after, "ocop_listing_operations_total", platform="postmart", operation="upsert", result="ok") >= 1
    for gauge in ("ocop_outbox_backlog", "ocop_consumer_lag_seconds", "ocop_consumer_lag_records"):
        assert f"\n{gauge}{{" in after, gauge
    lag = [
        float(line.rsplit(" ", 1)[1])
        for line in after.splitlines()
        if line.startswith("ocop_consumer_lag_seconds{") and 'topic="ocop.registry.v1"' in line
    ]
    assert lag and all(0 <= v < 120 for v in lag), lag


async def test_one_certificate_followed_by_its_trace_id(apps):

    producer = await make_producer(apps, name="HTX dấu vết", commune="Xã Chợ Đồn")
    product = await make_product(apps, producer["id"], name="Chè dấu vết", gtin=None)
    evaluation = await evaluate(apps, product["id"], 33, 19, 25)
    trace_id = secrets.token_hex(16)
    resp = await apps["registry"].post(
        f"/api/v1/evaluations/{evaluation['id']}/certificate",
        json={"decision_no": "77/QĐ-UBND", "issued_on": "2026-11-01"},
        headers={**auth("official"), "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
    )
    assert resp.status_code == 201, resp.text
    assert resp.headers.get("traceparent", "").split("-")[1] == trace_id

    registry_db = apps.runtime("registry").db
    issued = await registry_db.outbox.find_one({"type": "vn.ocop.registry.certificate.issued.v1", "key": product["id"]})
    assert issued["trace_id"] == trace_id  # the CloudEvent carries the request's trace

    await both(apps, product["id"], "published")
    market_db = apps.runtime("marketplace_sync").db
    listing = await market_db.listings.find_one({"_id": f"{product['id']}:voso"})
    assert listing["traceparent"].split("-")[1] == trace_id  # picked up by the consumer
    published = await market_db.outbox.find(
        {"type": "vn.ocop.marketplace.listing.published.v1", "key": product["id"]}
    ).to_list()
    assert published and {row["trace_id"] for row in published} == {trace_id}  # and continued by the sync worker

    trace_db = apps.runtime("traceability").db

    async def copied():
        doc = await trace_db.products.find_one({"_id": product["id"]})
        return doc and (doc.get("certificate") or {}).get("status") == "active"

    await eventually(copied)
