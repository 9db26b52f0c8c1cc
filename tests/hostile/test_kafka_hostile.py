"""Hostile Kafka messages against the services' real subscribers (not a test double).

For every topic a service actually subscribes to, published with aiokafka straight to the broker: bytes
that are not JSON, JSON that is not a CloudEvent, a CloudEvent of a type nobody knows, a known type
with an invalid payload, a wrong ``specversion``, a 900 KB event, a 1.5 MB message (past the consumers'
1 MB limit), headers that are not UTF-8 with a null key, a null value (tombstone). Then one valid event, on the same
partition. Each bad message lands exactly once per consuming service in ``<topic>.dlq`` with the reason
headers; the unknown type is ignored (a newer or another consumer's type must not flood the DLQ); the
valid event behind them is applied once: the consumers are alive. tests/integration/test_backbone.py
covers the same machinery through a test consumer; this file goes through the services themselves.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
from aiokafka import AIOKafkaProducer

from conftest import eventually
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import MARKETPLACE, NATIONAL, REGISTRY, TRACEABILITY, dlq
from tests.support.kafka import read_topic, registered_event

pytestmark = pytest.mark.integration

#: the reasons each consuming service must give, one message each (see _cases)
EXPECTED = Counter({"invalid_json": 3, "invalid_envelope": 3, "invalid_payload": 2, "too_large": 1})


def _envelope(type_: str, marker: str, **overrides) -> dict:
    return {
        "specversion": "1.0",
        "id": f"{marker}-{uuid.uuid4().hex[:6]}",
        "source": "/hostile",
        "type": type_,
        "time": utcnow().isoformat(),
        "datacontenttype": "application/json",
        "data": {"marker": marker},
    } | overrides


def _cases(topic: str, marker: str) -> list[tuple[str, bytes | None, bytes | None, list | None]]:
    """(name, value, key, headers); the marker is in every body that can carry it."""
    known = {
        REGISTRY: "vn.ocop.registry.producer.registered.v1",
        TRACEABILITY: "vn.ocop.traceability.stamp_run.issued.v1",
        MARKETPLACE: "vn.ocop.marketplace.listing.published.v1",
        NATIONAL: "vn.ocop.national.product.published.v1",
    }[topic]
    key = marker.encode()

    def enc(obj) -> bytes:
        return json.dumps(obj).encode()

    return [
        ("not_json", b"\xff\xfe{ not json " + key, key, None),
        ("json_not_event", enc([marker, 1, 2]), key, None),
        ("object_not_event", enc({"hello": marker}), key, None),
        ("unknown_type", enc(_envelope("vn.ocop.nobody.knows.v9", marker)), key, None),
        # with epoch marks a consumer must not choke on: a digit to isdigit() but not to int(), too many digits
        (
            "invalid_payload",
            enc(_envelope(known, marker)),
            key,
            [("ocop_epoch", "registry:²".encode()), ("ocop_epoch", b"registry:" + b"9" * 5000)],
        ),
        ("wrong_specversion", enc(_envelope(known, marker, specversion="0.3")), key, None),
        ("huge_900kb", enc(_envelope(known, marker, data={"marker": marker, "pad": "x" * 900_000})), key, None),
        ("beyond_limit_1_5mb", enc({"marker": marker, "pad": "y" * 1_500_000}), key, None),
        # aiokafka refuses a record with neither key nor value: a null key here, a null value (tombstone) next
        (
            "non_utf8_headers_null_key",
            b"\xc3\x28 " + key,
            None,
            [("content-type", b"\xff\xfe"), ("x-\xe9", b"\xc3\x28")],
        ),
        ("null_value", None, key, None),
    ]


async def _publish(stack, topic: str, messages) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", max_request_size=4_000_000)
    await producer.start()
    try:
        for _name, value, key, headers in messages:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def _summary(records) -> Counter:
    return Counter(
        (dict(r.headers).get("x-dlq-consumer", b"").decode(), dict(r.headers)["x-dlq-reason"].decode()) for r in records
    )


def _subscriptions(apps) -> dict[str, list[str]]:
    """topic → the services subscribed to it, from the running apps themselves."""
    out: dict[str, list[str]] = {}
    for service in ("registry", "traceability", "marketplace_sync", "national_sync"):
        for topic in apps.runtime(service).consumers:
            out.setdefault(topic, []).append(service)
    return out


@pytest.mark.timeout(240)
async def test_hostile_messages_on_every_consumed_topic(hostile_stack, hostile_apps):
    subscriptions = _subscriptions(hostile_apps)
    assert subscriptions == {
        REGISTRY: ["traceability", "marketplace_sync", "national_sync"],
        TRACEABILITY: ["registry", "national_sync"],
        MARKETPLACE: ["registry", "traceability"],
        NATIONAL: ["registry"],
    }
    markers = {topic: f"hostile-{uuid.uuid4().hex[:8]}" for topic in subscriptions}

    for topic, marker in markers.items():
        await _publish(hostile_stack, topic, _cases(topic, marker))

    # one valid event per topic, behind the garbage on the same partition
    producer_event = registered_event("HTX Sau Cơn Mưa")
    await _publish(
        hostile_stack,
        REGISTRY,
        [("valid", producer_event.model_dump_json().encode(), markers[REGISTRY].encode(), None)],
    )
    run = {
        "run_id": uuid.uuid4().hex,
        "batch_id": "b-1",
        "product_id": f"p-{uuid.uuid4().hex[:8]}",
        "producer_id": "pr-1",
        "count": 7,
        "issued_at": utcnow().isoformat(),
    }
    stamp_event = _envelope("vn.ocop.traceability.stamp_run.issued.v1", markers[TRACEABILITY], data=run)
    await _publish(
        hostile_stack, TRACEABILITY, [("valid", json.dumps(stamp_event).encode(), markers[TRACEABILITY].encode(), None)]
    )

    listing = _envelope(
        "vn.ocop.marketplace.listing.published.v1",
        markers[MARKETPLACE],
        data={"product_id": f"p-{uuid.uuid4().hex[:8]}", "platform": "voso", "version": 1, "external_id": "VO-1"},
    )
    await _publish(
        hostile_stack, MARKETPLACE, [("valid", json.dumps(listing).encode(), markers[MARKETPLACE].encode(), None)]
    )

    # the consumers are alive: the valid events are applied, once
    pid = producer_event.partitionkey
    for service in subscriptions[REGISTRY]:
        db = hostile_apps.runtime(service).db
        await eventually(lambda db=db: db.producers.find_one({"_id": pid}), timeout=60)
        assert await db.inbox.count_documents({"_id": producer_event.id}) == 1
    registry_db = hostile_apps.runtime("registry").db
    traced = await eventually(lambda: registry_db.traced_products.find_one({"_id": run["product_id"]}), timeout=60)
    assert traced["runs"] == 1 and traced["stamps"] == 7
    listed = await eventually(
        lambda: registry_db.listing_status.find_one({"_id": f"{listing['data']['product_id']}:voso"}), timeout=60
    )
    assert listed["status"] == "published" and await registry_db.inbox.count_documents({"_id": listing["id"]}) == 1
    traceability_db = hostile_apps.runtime("traceability").db
    await eventually(
        lambda: traceability_db.listings.find_one({"_id": f"{listing['data']['product_id']}:voso"}), timeout=60
    )
    assert await traceability_db.inbox.count_documents({"_id": listing["id"]}) == 1

    for topic, services in subscriptions.items():
        marker = markers[topic]
        want = Counter({(s, reason): n for s in services for reason, n in EXPECTED.items()})
        records = await read_topic(
            hostile_stack,
            dlq(topic),
            lambda rs, want=want: _summary(rs) >= want,
            timeout=60,
            linger=1.0,  # anything more (a duplicate) would arrive now
            describe=_summary,
            max_partition_fetch_bytes=4_000_000,
            fetch_max_bytes=8_000_000,
        )
        assert _summary(records) == want, f"{topic}: exactly one dead letter per bad message and service"
        for r in records:
            headers = {k: v.decode() for k, v in r.headers}
            assert headers["x-dlq-topic"] == topic and headers["x-dlq-error"], headers
            assert headers["x-dlq-origin"].startswith(f"{topic}[") and "@" in headers["x-dlq-origin"]
            assert r.value == b"" or marker.encode() in r.value, r.value[:100]  # only our messages, intact
            assert len(r.value) <= 1_000_000
        too_large = [r for r in records if dict(r.headers)["x-dlq-reason"] == b"too_large"]
        assert all(
            b"1500" in dict(r.headers)["x-dlq-error"] or b">" in dict(r.headers)["x-dlq-error"] for r in too_large
        )
        assert not any(b"nobody.knows" in r.value for r in records)  # unknown type: ignored, not dead-lettered

    # and still alive after all of it: a second valid event goes through
    later = registered_event("HTX Sau Cơn Mưa 2")
    await _publish(hostile_stack, REGISTRY, [("valid", later.model_dump_json().encode(), None, None)])
    for service in subscriptions[REGISTRY]:
        db = hostile_apps.runtime(service).db
        await eventually(lambda db=db: db.producers.find_one({"_id": later.partitionkey}), timeout=60)
