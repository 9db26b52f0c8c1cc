"""Backbone benchmark: write → outbox → broker → inbox, next to raw aiokafka produce → consume.

Runs its own embedded stack (Tansu + nx-27017) on free ports. For N events (default 10,000):

* backbone: concurrent use cases each commit a state change + one event in a Mongo transaction (unit of
  work); the outbox relay publishes (acks=all); a FastStream subscriber validates the CloudEvent and
  applies it through the inbox (effect + processed id in one transaction). Latency = commit start →
  effect committed.
* baseline: the same serialized CloudEvents produced with a raw AIOKafkaProducer (acks=all) and read by
  a raw AIOKafkaConsumer with the same fetch wait; latency = send → received.

Two runs of each: full speed (``--events`` with ``--writers`` concurrent writers: throughput, ratio to raw)
and paced (``--rate`` events/s started on a fixed schedule: commit → applied p50/p95/p99 and each hop's
share — commit → relay publish, publish → broker ack, broker → consumer fetch, apply).

Usage: ``python bench/backbone.py [--events 10000] [--writers 32] [--rate 50] [--fetch-wait-ms 25]
[--batch-wait-ms 10]``. Target: commit → applied p95 ≤ 100 ms at 50 events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import pct
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from ocop_cli.stack import start_stack
from ocop_shared import outbox
from ocop_shared.consumer import EventConsumer, Waits, attach
from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import REGISTRY, AdminUnit, ProducerRegistered, ProducerSnapshot
from ocop_shared.kafka import ensure_topics, make_producer
from ocop_shared.logging import configure_logging
from ocop_shared.mongo import ensure_collections, make_client
from ocop_shared.outbox import OutboxRelay, ensure_outbox_indexes
from ocop_shared.settings import ServiceSettings
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


class Timeline:
    """When each event (by producer id) passed each hop of the backbone."""

    HOPS = (
        ("commit → relay publish", "committed", "sent"),
        ("publish → broker ack", "sent", "acked"),
        ("broker → consumer fetch", "acked", "fetched"),
        ("apply (inbox transaction)", "fetched", "applied"),
    )

    def __init__(self) -> None:
        self.at: dict[str, dict[str, float]] = {
            name: {} for name in ("started", "committed", "sent", "acked", "fetched", "applied")
        }

    def mark(self, name: str, pid: str, t: float | None = None) -> None:
        self.at[name].setdefault(pid, time.perf_counter() if t is None else t)

    def hops(self) -> list[tuple[str, list[float]]]:
        """Per hop, its duration for every applied event. Hops are made monotonic (a consumer may fetch a
        record before the producer has read its ack) so they add up to commit → applied exactly."""
        out: dict[str, list[float]] = {name: [] for name, _a, _b in self.HOPS}
        for pid, applied in self.at["applied"].items():
            t = self.at["committed"][pid]
            for name, _a, b in self.HOPS:
                nxt = applied if b == "applied" else max(t, self.at[b].get(pid, t))
                out[name].append(nxt - t)
                t = nxt
        return list(out.items())


def timed_producers(timeline: Timeline):
    """``make_producer`` for the relay, whose producer notes when it sends each record and when the broker
    acknowledged it (the relay itself is untouched)."""

    def make(bootstrap: str, client_id: str):
        producer = make_producer(bootstrap, client_id)
        send = producer.send

        async def timed_send(topic, value=None, key=None, **kw):
            pid = key.decode()
            timeline.mark("sent", pid)
            future = await send(topic, value=value, key=key, **kw)
            future.add_done_callback(lambda _f: timeline.mark("acked", pid))
            return future

        producer.send = timed_send  # type: ignore[method-assign]
        return producer

    return make


async def run_backbone(stack, n: int, writers: int, waits: Waits, rate: float = 0.0) -> dict:
    """``rate`` 0: ``writers`` concurrent writers as fast as they go; else one write started every 1/rate s
    (open loop: a slow write does not delay the next one)."""
    client = make_client(stack.mongo_url)
    run = uuid.uuid4().hex[:6]
    src, dst = client[f"bench_src_{run}"], client[f"bench_dst_{run}"]
    await ensure_collections(src, ["outbox", "relay_state", "state"])
    await ensure_collections(dst, ["inbox", "copies"])
    await ensure_outbox_indexes(src)
    group = f"bench-{run}"
    settings = ServiceSettings()
    relay = OutboxRelay(
        src,
        stack.bootstrap,
        client_id=f"bench-relay-{run}",
        consumers={REGISTRY: (group,)},
        idle_wait_s=settings.relay_idle_wait_s,
        confirm_interval_s=settings.relay_confirm_interval_s,
    )
    timeline = Timeline()
    all_done = asyncio.Event()

    broker = KafkaBroker(stack.bootstrap, acks="all", logger=None)

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
        fetched = time.perf_counter()
        results = await original(records)
        now = time.perf_counter()
        for record, result in zip(records, results, strict=True):
            pid = json.loads(record.body)["data"]["producer"]["producer_id"]
            if pid not in timeline.at["started"]:
                continue  # not one of this run's writes
            timeline.mark("fetched", pid, fetched)
            if result == "applied":
                timeline.mark("applied", pid, now)
        if len(timeline.at["applied"]) >= n:
            all_done.set()
        return results

    consumer.handle_batch = timed
    attach(broker, consumer, group, title="bench", waits=waits)
    outbox.make_producer = timed_producers(timeline)  # the relay's producer notes send and ack times
    await relay.start()
    await broker.start()
    await asyncio.sleep(1.0)  # let the consumer join its group before timing

    async def write(i: int) -> None:
        p = payload(i)
        pid = p.producer.producer_id
        timeline.mark("started", pid)
        async with MongoUnitOfWork(client, src, source="/bench", on_commit=relay.wake) as uow:
            await src.state.insert_one({"_id": pid}, session=uow.session)
            uow.emit(p, key=pid)
            await uow.commit()
        timeline.mark("committed", pid)

    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)

    async def writer():
        while not queue.empty():
            await write(queue.get_nowait())

    async def paced():
        start = time.perf_counter()
        tasks = []
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(write(i)))
        await asyncio.gather(*tasks)

    async def report():
        while True:
            await asyncio.sleep(5)
            written, applied = len(timeline.at["committed"]), len(timeline.at["applied"])
            print(f"  … {written} written, {relay.published} published, {applied} applied", file=sys.stderr)

    reporter = asyncio.create_task(report())
    t0 = time.perf_counter()
    if rate:
        await paced()
    else:
        await asyncio.gather(*(writer() for _ in range(writers)))
    t_written = time.perf_counter()
    await asyncio.wait_for(all_done.wait(), timeout=max(120, n / 20))
    t1 = time.perf_counter()
    reporter.cancel()
    at = timeline.at
    done = at["applied"]
    latencies = [done[k] - at["started"][k] for k in done]
    after_commit = [max(0.0, done[k] - at["committed"][k]) for k in done]
    hops = timeline.hops()
    await broker.stop()
    await relay.stop()
    outbox.make_producer = make_producer
    await client.close()
    return {
        "events": len(done),
        "seconds": t1 - t0,
        "write_seconds": t_written - t0,
        "eps": len(done) / (t1 - t0),
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "commit": after_commit,
        "hops": hops,
    }


async def run_raw(stack, n: int, waits: Waits, rate: float = 0.0) -> dict:
    """The same CloudEvents produced by a raw AIOKafkaProducer (acks=all, the relay's linger) and read by a raw
    AIOKafkaConsumer with the services' fetch wait: the broker's own cost, the floor for the backbone."""
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
        fetch_max_wait_ms=waits.fetch_ms,
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

    producer = make_producer(stack.bootstrap, "bench-raw")
    await producer.start()
    reader = asyncio.create_task(consume())
    await asyncio.sleep(1.0)  # let the consumer join its group before timing
    t0 = time.perf_counter()
    futures = []
    for i, (key, body) in enumerate(bodies):
        if rate:
            delay = t0 + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
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


def print_table(rows) -> None:
    print(f"{'path':<44}{'events/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'total s':>10}")
    for name, r in rows:
        print(f"{name:<44}{r['eps']:>10.0f}{r['p50']:>10.1f}{r['p95']:>10.1f}{r['p99']:>10.1f}{r['seconds']:>10.1f}")


def print_hops(backbone: dict) -> None:
    commit = backbone["commit"]
    total = sum(commit) or 1e-9
    print(
        f"commit → applied: p50 {pct(commit, 50):.1f} ms, p95 {pct(commit, 95):.1f} ms, "
        f"p99 {pct(commit, 99):.1f} ms; per hop:"
    )
    print(f"  {'hop':<30}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'share':>8}")
    for name, values in backbone["hops"]:
        print(
            f"  {name:<30}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}{pct(values, 99):>9.1f}"
            f"{sum(values) / total:>8.0%}"
        )


@contextlib.asynccontextmanager
async def fresh_stack():
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp))
        try:
            yield stack
        finally:
            stack.stop()


async def main() -> int:
    settings = ServiceSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="full-speed run (0: skip it)")
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--rate", type=float, default=50, help="paced run: events per second (0: skip it)")
    parser.add_argument("--paced-events", type=int, default=0, help="default: 20 s worth at --rate")
    parser.add_argument("--fetch-wait-ms", type=int, default=settings.consumer_fetch_wait_ms)
    parser.add_argument("--batch-wait-ms", type=int, default=settings.consumer_batch_wait_ms)
    args = parser.parse_args()
    waits = Waits(args.fetch_wait_ms, args.batch_wait_ms)
    paced_n = args.paced_events or int(args.rate * 20)
    configure_logging("bench", "ERROR")
    ok = True
    # each phase on a new stack: a consumer group reads the registry topic from its start
    if args.events:
        async with fresh_stack() as stack:
            raw = await run_raw(stack, args.events, waits)
        async with fresh_stack() as stack:
            backbone = await run_backbone(stack, args.events, args.writers, waits)
        ok &= backbone["events"] == args.events and raw["events"] == args.events
    if args.rate:
        async with fresh_stack() as stack:
            raw_paced = await run_raw(stack, paced_n, waits, rate=args.rate)
        async with fresh_stack() as stack:
            paced = await run_backbone(stack, paced_n, args.writers, waits, rate=args.rate)
        ok &= paced["events"] == paced_n and raw_paced["events"] == paced_n
    print(f"consumer waits: fetch_max_wait {waits.fetch_ms} ms, batch {waits.batch_ms} ms")
    if args.events:
        print(f"\nfull speed: {args.events} events, {args.writers} writers")
        print_table((("raw aiokafka produce→consume", raw), ("write→outbox→broker→inbox (ours)", backbone)))
        print(
            f"backbone writes alone: {args.events / backbone['write_seconds']:.0f} commits/s "
            f"(transactions are serialized per database on the embedded server)"
        )
        print_hops(backbone)
        print(f"ratio ours/raw throughput: {backbone['eps'] / raw['eps']:.3f}")
    if args.rate:
        print(f"\npaced: {paced_n} events at {args.rate:g}/s (open loop)")
        print_table((("raw aiokafka produce→consume", raw_paced), ("write→outbox→broker→inbox (ours)", paced)))
        print_hops(paced)
        target = "met" if pct(paced["commit"], 95) <= 100 else "NOT met"
        print(
            f"target commit → applied p95 ≤ 100 ms at {args.rate:g}/s: {target}; "
            f"p95 ratio ours (commit → applied) / raw: {pct(paced['commit'], 95) / max(raw_paced['p95'], 1e-9):.1f}x"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
