"""The broker's topics read and written straight with aiokafka, and a valid event to put on them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from ocop_cli.stack import Stack
from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import REGISTRY, AdminUnit, ProducerRegistered, ProducerSnapshot


def registered_event(name: str = "HTX dịch vụ tổng hợp Na Rì") -> CloudEvent:
    """A valid producer.registered event for a new producer (its id is the partition key)."""
    pid = uuid.uuid4().hex
    payload = ProducerRegistered(
        producer=ProducerSnapshot(
            producer_id=pid,
            name=name,
            public_name=name,
            kind="cooperative",
            province=AdminUnit(code="06", name="Bắc Kạn"),
        ),
        version=1,
        registered_at=utcnow(),
    )
    return CloudEvent(
        id=new_event_id(),
        source="/test",
        type="vn.ocop.registry.producer.registered.v1",
        time=utcnow(),
        partitionkey=pid,
        data=payload.model_dump(mode="json"),
    )


async def produce(stack: Stack, *values: bytes, topic: str = REGISTRY, key: bytes = b"k", headers=None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def read_topic(
    stack: Stack,
    topic: str,
    until: Callable[[list], object],
    timeout: float = 20.0,
    *,
    linger: float = 0.0,
    describe: Callable[[list], object] | None = None,
    **options,
) -> list:
    """The topic's records from the start (a new consumer group) as soon as ``until(records)`` holds. With
    ``linger``, reading goes on that many seconds more, so that what must not come (a duplicate) shows up.
    ``options`` go to the consumer (fetch sizes for large records); ``describe`` says what was seen when the
    condition is not met in time."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap,
        group_id=f"reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **options,
    )
    await consumer.start()
    seen: list = []

    async def fetch(timeout_ms: int) -> None:
        for records in (await consumer.getmany(timeout_ms=timeout_ms)).values():
            seen.extend(records)

    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            await fetch(300)
            if until(seen):
                if linger:
                    await asyncio.sleep(linger)
                    await fetch(500)
                return seen
        detail = f": {describe(seen)}" if describe else ""
        raise AssertionError(f"{topic}: condition not met, saw {len(seen)} records{detail}")
    finally:
        await consumer.stop()
