"""Backbone benchmark: write → outbox → broker → inbox, next to raw aiokafka produce → consume.

Runs its own embedded stack (Tansu + nx-27017) on free ports. For N events (default 10,000):

* backbone: concurrent use cases each commit a state change + one event in a Mongo transaction (unit of
  work); the outbox relay publishes (acks=all); a FastStream subscriber validates the CloudEvent and
  applies it through the inbox (effect + processed id in one transaction). Latency = commit start →
  effect committed.
* baseline: the same serialized CloudEvents produced with a raw AIOKafkaProducer (acks=all) and read by
  a raw AIOKafkaConsumer; latency = send → received.

Usage: ``python bench/backbone.py [--events 10000] [--writers 32]``. Prints figures and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import pct
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker

from ocop_cli.stack import start_stack
from ocop_shared.consumer import EventConsumer, attach
from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import REGISTRY, AdminUnit, ProducerRegistered, ProducerSnapshot
from ocop_shared.kafka import ensure_topics
from ocop_shared.logging import configure_logging
from ocop_shared.mongo import ensure_collections, make_client
from ocop_shared.outbox import OutboxRelay, ensure_outbox_indexes
from ocop_shared.uow import MongoUnitOfWork


def payload(i: int) -> ProducerRegistered:
    pid = f"bench-{i:06d}"
    return ProducerRegistered(
        producer=ProducerSnapshot(
            producer_id=pid,
            name=f"HTX số {i}",
            public_name=f"HTX số {i}",
            kind="cooperative",
            province=AdminUnit(code="06", name="Bắc Kạn"),
        ),
        version=1,
        registered_at=utcnow(),
    )


async def run_backbone(stack, n: int, writers: int) -> dict:
    client = make_client(stack.mongo_url)
    run = uuid.uuid4().hex[:6]
    src, dst = client[f"bench_src_{run}"], client[f"bench_dst_{run}"]
    await ensure_collections(src, ["outbox", "relay_state", "state"])
    await ensure_collections(dst, ["inbox", "copies"])
    await ensure_outbox_indexes(src)
    group = f"bench-{run}"
    relay = OutboxRelay(src, stack.bootstrap, client_id=f"bench-relay-{run}", consumers={REGISTRY: (group,)})
    started: dict[str, float] = {}
    committed: dict[str, float] = {}
    done: dict[str, float] = {}
    all_done = asyncio.Event()

    broker = KafkaBroker(stack.bootstrap, logger=None)

    async def to_dlq(topic, body, headers, key):
        await broker.publish(body, topic=topic, key=key, headers=headers)

    consumer = EventConsumer(REGISTRY, client, dst, to_dlq)

    @consumer.on(ProducerRegistered)
    async def apply(event, p: ProducerRegistered, session):
        await dst.copies.replace_one(
            {"_id": p.producer.producer_id}, {"name": p.producer.name}, upsert=True, session=session
        )

    original = consumer.handle_batch

    async def timed(records):
        results = await original(records)
        now = time.perf_counter()
        for record, result in zip(records, results, strict=True):
            pid = json.loads(record.body)["data"]["producer"]["producer_id"]
            if result == "applied" and pid not in done:
                done[pid] = now
        if len(done) >= n:
            all_done.set()
        return results

    consumer.handle_batch = timed
    attach(broker, consumer, group, title="bench")
    await relay.start()
    await broker.start()

    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def writer():
        while not queue.empty():
            i = queue.get_nowait()
            p = payload(i)
            started[p.producer.producer_id] = time.perf_counter()
            async with MongoUnitOfWork(client, src, source="/bench", on_commit=relay.wake) as uow:
                await src.state.insert_one({"_id": p.producer.producer_id}, session=uow.session)
                uow.emit(p, key=p.producer.producer_id)
                await uow.commit()
            committed[p.producer.producer_id] = time.perf_counter()

    async def report():
        while True:
            await asyncio.sleep(5)
            print(f"  … {n - queue.qsize()} written, {relay.published} published, {len(done)} applied", file=sys.stderr)

    reporter = asyncio.create_task(report())
    t0 = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    t_written = time.perf_counter()
    await asyncio.wait_for(all_done.wait(), timeout=max(120, n / 20))
    t1 = time.perf_counter()
    reporter.cancel()
    latencies = [done[k] - started[k] for k in done]
    after_commit = [max(0.0, done[k] - committed[k]) for k in done]
    await broker.stop()
    await relay.stop()
    await client.close()
    return {
        "events": len(done),
        "seconds": t1 - t0,
        "write_seconds": t_written - t0,
        "eps": len(done) / (t1 - t0),
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "commit_p50": pct(after_commit, 50),
        "commit_p95": pct(after_commit, 95),
    }


async def run_raw(stack, n: int) -> dict:
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    await ensure_topics(stack.bootstrap, [topic])
    bodies = []
    for i in range(n):
        p = payload(i)
        e = CloudEvent(
            id=new_event_id(),
            source="/bench",
            type="vn.ocop.registry.producer.registered.v1",
            time=utcnow(),
            partitionkey=p.producer.producer_id,
            data=p.model_dump(mode="json"),
        )
        bodies.append((p.producer.producer_id.encode(), e.model_dump_json(exclude_none=True).encode()))
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.bootstrap,
        group_id=f"raw-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=True,
    )
    await consumer.start()
    sent: dict[bytes, float] = {}
    received: dict[bytes, float] = {}

    async def consume():
        while len(received) < n:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    received.setdefault(r.key, now)

    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", linger_ms=2)
    await producer.start()
    reader = asyncio.create_task(consume())
    await asyncio.sleep(1.0)  # let the consumer join its group before timing
    t0 = time.perf_counter()
    futures = []
    for key, body in bodies:
        sent[key] = time.perf_counter()
        futures.append(await producer.send(topic, body, key=key))
    await asyncio.gather(*futures)
    await asyncio.wait_for(reader, timeout=120)
    t1 = time.perf_counter()
    await producer.stop()
    await consumer.stop()
    latencies = [received[k] - sent[k] for k in received]
    return {
        "events": len(received),
        "seconds": t1 - t0,
        "eps": len(received) / (t1 - t0),
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=32)
    args = parser.parse_args()
    configure_logging("bench", "ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp))
        try:
            raw = await run_raw(stack, args.events)
            backbone = await run_backbone(stack, args.events, args.writers)
        finally:
            stack.stop()
    print(f"events: {args.events}   writers: {args.writers}")
    print(f"{'path':<42}{'events/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'total s':>10}")
    for name, r in (("raw aiokafka produce→consume", raw), ("write→outbox→broker→inbox (ours)", backbone)):
        print(f"{name:<42}{r['eps']:>10.0f}{r['p50']:>10.1f}{r['p95']:>10.1f}{r['p99']:>10.1f}{r['seconds']:>10.1f}")
    print(
        f"backbone writes alone: {args.events / backbone['write_seconds']:.0f} commits/s "
        f"(transactions are serialized per database on the embedded server)"
    )
    print(
        f"backbone commit→applied (relay + broker + inbox only): p50 {backbone['commit_p50']:.1f} ms, "
        f"p95 {backbone['commit_p95']:.1f} ms"
    )
    print(
        f"ratio ours/raw throughput: {backbone['eps'] / raw['eps']:.3f}   "
        f"p95 latency ratio: {backbone['p95'] / max(raw['p95'], 1e-9):.1f}x"
    )
    ok = backbone["events"] == args.events and raw["events"] == args.events
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
