"""Dead-letter topics: look at what was set aside, and replay it once the cause is fixed.

A consumer sends what it cannot apply to ``<topic>.dlq`` with headers ``x-dlq-reason`` (invalid_json,
invalid_envelope, invalid_payload, too_large, rejected, handler_error, platform_rejected),
``x-dlq-error``, ``x-dlq-origin`` (topic[partition]@offset), ``x-dlq-topic`` and ``x-dlq-consumer``.
Replaying re-publishes the original bytes, with the original key, to the original topic: consumers that
had applied the event already skip it (their inbox), the one that failed applies it now. What fails again
lands in the DLQ again. Replay remembers how far it got (consumer group ``ocop-dlq-replay``), so running it
twice does not replay the same dead letters twice unless ``--from-start`` is given.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

REPLAY_GROUP = "ocop-dlq-replay"


@dataclass
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def reason(self) -> str:
        return self.headers.get("x-dlq-reason", "?")

    @property
    def consumer(self) -> str:
        return self.headers.get("x-dlq-consumer", "")


def _decode(headers) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in (headers or ()) if isinstance(v, bytes | bytearray)}


async def read(
    bootstrap: str, dlq_topic: str, *, group: str | None = None, from_start: bool = True, idle_s: float = 1.5
) -> tuple[list[DeadLetter], AIOKafkaConsumer]:
    """Every dead letter of the topic (or, with a group and not from_start, those after its committed
    offsets). Returns the consumer too (still started) so the caller can commit; stop it afterwards."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4_000_000,
    )
    await consumer.start()
    partitions = consumer.partitions_for_topic(dlq_topic) or await _partitions(consumer, dlq_topic)
    tps = [TopicPartition(dlq_topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    if from_start or group is None:
        await consumer.seek_to_beginning(*tps)
    letters: list[DeadLetter] = []
    while True:  # read until nothing more arrives (end offsets are not trusted: see README, Tansu)
        batch = await consumer.getmany(*tps, timeout_ms=int(idle_s * 1000))
        if not batch:
            break
        for records in batch.values():
            letters.extend(
                DeadLetter(r.partition, r.offset, r.key, r.value or b"", _decode(r.headers)) for r in records
            )
    return letters, consumer


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(20):
        await consumer.topics()  # fetches fresh cluster metadata
        found = consumer.partitions_for_topic(topic)
        if found:
            return found
        await asyncio.sleep(0.25)
    raise SystemExit(f"topic {topic} not found")


async def replay(
    bootstrap: str,
    dlq_topic: str,
    *,
    reason: str | None = None,
    consumer_name: str | None = None,
    from_start: bool = False,
    dry_run: bool = False,
) -> tuple[int, int]:
    """Re-publish matching dead letters to their origin topic. Returns (replayed, skipped)."""
    letters, consumer = await read(bootstrap, dlq_topic, group=REPLAY_GROUP, from_start=from_start)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4_000_000)
    await producer.start()
    replayed = skipped = 0
    try:
        for letter in letters:
            if (reason and letter.reason != reason) or (consumer_name and letter.consumer != consumer_name):
                skipped += 1
                continue
            origin = letter.headers.get("x-dlq-topic") or dlq_topic.removesuffix(".dlq")
            if not dry_run:
                await producer.send_and_wait(
                    origin,
                    letter.value,
                    key=letter.key,
                    headers=[("x-replayed-from", f"{dlq_topic}[{letter.partition}]@{letter.offset}".encode())],
                )
            replayed += 1
        if letters and not dry_run:
            last: dict[TopicPartition, int] = {}
            for letter in letters:
                tp = TopicPartition(dlq_topic, letter.partition)
                last[tp] = max(last.get(tp, -1), letter.offset)
            await consumer.commit({tp: offset + 1 for tp, offset in last.items()})
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed, skipped
