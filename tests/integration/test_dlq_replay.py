"""Operations: a dead letter set aside by a consumer is replayed once the cause is fixed, and applied once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from typer.testing import CliRunner

from conftest import auth, eventually
from ocop_cli import dlq
from ocop_cli.main import app as cli
from tests.support.kafka import registered_event

pytestmark = pytest.mark.integration


async def test_replay_applies_what_was_set_aside_once(apps, stack):
    consumer = f"ocop-test-{uuid.uuid4().hex[:8]}"  # the shared DLQ holds other tests' letters too
    event = registered_event("HTX được phát lại")
    producer_id = event.partitionkey

    def headers(reason):
        return [
            (k, v.encode())
            for k, v in {
                "x-dlq-reason": reason,
                "x-dlq-error": "KeyError('province') (a bug since fixed)",
                "x-dlq-topic": "ocop.registry.v1",
                "x-dlq-origin": "ocop.registry.v1[0]@41",
                "x-dlq-consumer": consumer,
            }.items()
        ]

    kafka = AIOKafkaProducer(bootstrap_servers=stack.bootstrap)
    await kafka.start()
    try:
        await kafka.send_and_wait(
            "ocop.registry.v1.dlq",
            event.model_dump_json().encode(),
            key=producer_id.encode(),
            headers=headers("handler_error"),
        )
        await kafka.send_and_wait("ocop.registry.v1.dlq", b"\xff not json", headers=headers("invalid_json"))
    finally:
        await kafka.stop()

    shown = await asyncio.to_thread(  # the CLI runs its own event loop
        CliRunner().invoke,
        cli,
        ["dlq", "show", "--topic", "ocop.registry.v1", "--bootstrap", stack.bootstrap],
        env={"COLUMNS": "250"},
    )
    assert shown.exit_code == 0 and "handler_error" in shown.output and "invalid_json" in shown.output, shown.output

    trace = apps["traceability"]
    assert (await trace.get(f"/api/v1/producers/{producer_id}", headers=auth("official"))).status_code == 404
    dry = await dlq.replay(
        stack.bootstrap, "ocop.registry.v1.dlq", reason="handler_error", consumer_name=consumer, dry_run=True
    )
    assert dry[0] == 1
    replayed, skipped = await dlq.replay(
        stack.bootstrap, "ocop.registry.v1.dlq", reason="handler_error", consumer_name=consumer
    )
    assert replayed == 1 and skipped >= 1  # the invalid JSON stays aside

    async def copied():
        return (await trace.get(f"/api/v1/producers/{producer_id}", headers=auth("official"))).status_code == 200

    await eventually(copied, timeout=30)

    # a second replay finds nothing new; replaying everything again is harmless (inbox)
    again, _ = await dlq.replay(stack.bootstrap, "ocop.registry.v1.dlq", reason="handler_error", consumer_name=consumer)
    assert again == 0
    forced, _ = await dlq.replay(
        stack.bootstrap, "ocop.registry.v1.dlq", reason="handler_error", consumer_name=consumer, from_start=True
    )
    assert forced == 1
    db = apps.runtime("traceability").db

    async def deduped():
        return await db.inbox.count_documents({"_id": event.id}) == 1

    await eventually(deduped)
    assert await db.producers.count_documents({"_id": producer_id}) == 1
