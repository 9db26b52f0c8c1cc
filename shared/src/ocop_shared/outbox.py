"""Transactional outbox and its relay.

Writing: a unit of work inserts one ``outbox`` row per event in the same MongoDB transaction as the
state change (see :mod:`ocop_shared.uow`). Nothing reaches Kafka unless the change committed, and
nothing committed is lost, whatever crashes.

Relaying: :class:`OutboxRelay` publishes pending rows in order (acks=all) and marks them ``sent`` with
the partition/offset the broker gave. It is woken at once by commits in its own process (no fixed
one-second poll) and re-checks the collection after ``relay_idle_wait_s`` for rows written by other
processes or left by a crash between commit and publish.

Broker loss: the embedded broker keeps messages in memory only. A row stays ``sent`` until every
consumer group of its topic (``kafka.CONSUMERS``) has committed an offset past it; then it becomes
``confirmed``. The relay notices that the broker lost its log when an offset it is given is not past
the highest offset it already holds for that partition, or when a partition it published to is empty,
or when the topic is gone. It then starts a new *epoch*: every ``sent`` row goes back to
``pending`` and is published again in order. Consumers dedupe by event id (the inbox), so
re-publishing is always safe, and at-least-once + dedupe gives each effect exactly once. Every record says
its epoch (``ocop_shared.log_epochs``): a consumer that was reading the lost log reads the new one from its
start, not at the offset it had reached in the old one.

Row states are strings, not booleans: the embedded MongoDB-protocol server stores ``True`` set via
``$set`` as ``1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ocop_shared import log_epochs, metrics
from ocop_shared.events.envelope import utcnow
from ocop_shared.kafka import CONSUMERS, ensure_topics, make_producer
from ocop_shared.logging import get_logger
from ocop_shared.mongo import transaction_gate

log = get_logger(__name__)

PENDING, SENT, CONFIRMED = "pending", "sent", "confirmed"
LEASE = timedelta(seconds=10)


async def ensure_outbox_indexes(db: AsyncDatabase) -> None:
    # Single-field indexes: the embedded server does not use compound indexes for queries (a status
    # lookup on 10k rows took 48 ms with (status, created_at), 1.4 ms with status alone) and fails
    # inserts when a compound index includes _id.
    await db.outbox.create_index("status")
    await db.outbox.create_index("event_id", unique=True)


def outbox_row(
    topic: str,
    key: str,
    event_id: str,
    event_type: str,
    value: bytes,
    created_at: datetime,
    trace_id: str | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "topic": topic,
        "key": key,
        "type": event_type,
        "value": value,
        "status": PENDING,
        "created_at": created_at,
        "trace_id": trace_id,
        "epoch": None,
        "partition": None,
        "offset": None,
        "sent_at": None,
        "attempts": 0,
    }


class BrokerLost(Exception):
    """The broker answered with offsets older than what we already published: its log was lost."""


class OutboxRelay:
    def __init__(
        self,
        db: AsyncDatabase,
        bootstrap: str,
        *,
        client_id: str,
        partitions: int = 3,
        batch_size: int = 500,
        idle_wait_s: float = 0.5,
        confirm_interval_s: float = 2.0,
        consumers: dict[str, tuple[str, ...]] | None = None,
        retention: timedelta = timedelta(days=3),
    ) -> None:
        self.db = db
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.partitions = partitions
        self.batch_size = batch_size
        self.idle_wait_s = idle_wait_s
        self.confirm_interval_s = confirm_interval_s
        self.consumers = CONSUMERS if consumers is None else consumers
        self.retention = retention
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._checker: asyncio.Task | None = None
        self._lost: BrokerLost | None = None  # what the checker found, for the publishing loop to act on
        self._epoch_lock = asyncio.Lock()  # a check never spans a change of epoch
        self._producer: AIOKafkaProducer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._probe: AIOKafkaConsumer | None = None
        self._high: dict[tuple[str, int], int] = {}  # highest offset published per partition (this epoch)
        self._epoch = 0
        self._stopping = False
        self._lease_checked = -LEASE.total_seconds()  # loop time of the last renewal
        self._holding = False  # whether this relay holds the lease (only the holder publishes and checks)
        self._instance = f"{client_id}-{uuid.uuid4().hex[:8]}"
        self.published = 0
        self.republished_epochs = 0

    # -- lifecycle -------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        await self._adopt_epoch(reload=True)
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.client_id}")
        self._checker = asyncio.create_task(self._check(), name=f"outbox-check-{self.client_id}")

    async def stop(self, grace_s: float = 0.5) -> None:
        """Let the pass in hand finish (``grace_s`` at most: a batch published, then marked sent), then stop.
        A row published but not yet marked is published again after the next start (consumers dedupe)."""
        self._stopping = True
        self._wake.set()
        if self._checker:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._checker
        if self._task:
            await asyncio.wait([self._task], timeout=grace_s)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._close_producer()

    # -- main loop -------------------------------------------------------------------------
    async def _run(self) -> None:
        """Publish whatever is pending, then wait for a commit (or ``idle_wait_s``). The wake flag is cleared
        before each look at the outbox, so a commit landing while the relay is busy is never missed (it used
        to be cleared after the look: such a commit waited the whole idle wait)."""
        backoff = 0.2
        while not self._stopping:
            try:
                if self._lost is not None:
                    lost, self._lost = self._lost, None
                    raise lost
                if self._producer is None:
                    await ensure_topics(self.bootstrap, list(self.consumers), self.partitions)
                    self._producer = make_producer(self.bootstrap, self.client_id)
                    await self._producer.start()
                if not await self._hold_lease():
                    await asyncio.sleep(self.idle_wait_s)
                    continue
                self._wake.clear()
                sent = await self.publish_batch()
                backoff = 0.2
                if sent == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.idle_wait_s)
            except asyncio.CancelledError:
                raise
            except BrokerLost as exc:
                log.warning("outbox.broker_lost", detail=str(exc))
                async with self._epoch_lock:
                    await self.start_new_epoch()
            except Exception as exc:  # noqa: BLE001 - broker or database unavailable: retry with backoff
                log.warning("outbox.relay_error", error=repr(exc), retry_in_s=backoff)
                await self._close_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _check(self) -> None:
        """Every ``confirm_interval_s``, beside the publishing loop (its admin round trips and updates never
        delay a publish): consumer confirmations and broker-loss checks; every minute, pruning. A lost log is
        handed to the publishing loop, which starts the new epoch."""
        loop = asyncio.get_running_loop()
        last_prune = -60.0
        while not self._stopping:
            await asyncio.sleep(self.confirm_interval_s)
            if self._producer is None or not self._holding:  # reconnecting, or another replica publishes
                continue
            try:
                async with self._epoch_lock:
                    await self.confirm_and_check()
                if loop.time() - last_prune >= 60:
                    last_prune = loop.time()
                    await self.prune()
            except asyncio.CancelledError:
                raise
            except BrokerLost as exc:
                self._lost = exc
                self._wake.set()
            except Exception as exc:  # noqa: BLE001 - broker or database unavailable: next time
                log.warning("outbox.check_error", error=repr(exc))
                await self._close_probes()

    async def _hold_lease(self) -> bool:
        """One relay per service database publishes at a time (several replicas may run). A lease renewed less
        than a third of its term ago is still ours: no round trip before every batch."""
        clock = asyncio.get_running_loop().time()
        if clock - self._lease_checked < LEASE.total_seconds() / 3:
            return True
        now = utcnow()
        try:
            await self.db.relay_state.find_one_and_update(
                {"_id": "lease", "$or": [{"holder": self._instance}, {"expires_at": {"$lt": now}}]},
                {"$set": {"holder": self._instance, "expires_at": now + LEASE}},
                upsert=True,
            )
        except DuplicateKeyError:
            self._lease_checked = -LEASE.total_seconds()
            self._holding = False
            return False
        if not self._holding:  # taken over: another replica may have started epochs meanwhile
            async with self._epoch_lock:
                await self._adopt_epoch()
            self._holding = True
        self._lease_checked = clock
        return True  # the filter matched (ours or expired) or the upsert created it: we hold it

    async def _adopt_epoch(self, *, reload: bool = False) -> None:
        """The database's epoch, and what was published in it (at the start, and when the lease is taken over).
        Consumers take a source's epoch that goes up for a new log (``log_epochs``): a replica publishing under
        the epoch it read at its start would hide the next one."""
        state = await self.db.relay_state.find_one({"_id": "relay"})
        epoch = int(state["epoch"]) if state else 0
        if reload or epoch != self._epoch:
            self._epoch = epoch
            self._high.clear()
            await self._load_high_offsets()

    async def publish_batch(self) -> int:
        async with transaction_gate(self.db.client, self.db.name):
            rows = (
                await self.db.outbox.find({"status": PENDING}).sort("_id", ASCENDING).limit(self.batch_size).to_list()
            )
        metrics.OUTBOX_BACKLOG.labels(self.client_id).set(len(rows))
        if not rows:
            return 0
        producer = self._producer
        assert producer is not None  # publish_batch runs only once the loop has started it
        futures = [
            await producer.send(
                row["topic"],
                value=row["value"],
                key=row["key"].encode(),
                headers=[("ce_type", row["type"].encode()), log_epochs.header(self.db.name, self._epoch)],
            )
            for row in rows
        ]
        results = await asyncio.gather(*futures)
        now = utcnow()
        lost = False
        updates = []
        for row, md in zip(rows, results, strict=True):
            tp = (row["topic"], md.partition)
            lost = lost or md.offset <= self._high.get(tp, -1)
            self._high[tp] = max(self._high.get(tp, -1), md.offset)
            updates.append(
                UpdateOne(
                    {"_id": row["_id"]},
                    {
                        "$set": {
                            "status": SENT,
                            "partition": md.partition,
                            "offset": md.offset,
                            "epoch": self._epoch,
                            "sent_at": now,
                        },
                        "$inc": {"attempts": 1},
                    },
                )
            )
        if lost:  # not marked: the new epoch publishes these rows again, and no two rows of one epoch share
            # an offset (the checker, which runs beside this loop, judges the log by the row at an offset)
            raise BrokerLost("broker returned offsets at or below ones already published")
        async with transaction_gate(self.db.client, self.db.name):
            await self.db.outbox.bulk_write(updates, ordered=False)
        self.published += len(rows)
        metrics.EVENTS_PUBLISHED.labels(self.client_id).inc(len(rows))
        return len(rows)

    # -- confirmation and broker-loss detection ----------------------------------------------
    async def confirm_and_check(self) -> None:
        if self._admin is None:  # kept open between checks; closed and recreated after an error
            self._admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5000)
            await self._admin.start()
            self._probe = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap, request_timeout_ms=5000, enable_auto_commit=False
            )
            await self._probe.start()
        admin = self._admin
        topics = set(await admin.list_topics())
        for topic, groups in self.consumers.items():
            held = {p: o for (t, p), o in self._high.items() if t == topic}
            if held and topic not in topics:
                raise BrokerLost(f"topic {topic} disappeared")
            if not held:
                continue
            ends = await self._end_offsets(topic, list(held))
            for p, high in held.items():
                # Only "empty" counts: Tansu reports the base offset of the last record batch + 1
                # as the end offset, which is below the true end when records were batched.
                if ends.get(p, 0) == 0:
                    raise BrokerLost(f"{topic}[{p}] is empty but we published up to offset {high}")
            confirmed = await self._confirmed_offsets(admin, topic, groups, list(held))
            for p, upto in confirmed.items():
                if upto > 0 and await self._same_log(topic, p, min(upto, held[p] + 1) - 1):
                    async with transaction_gate(self.db.client, self.db.name):
                        await self.db.outbox.update_many(
                            {
                                "topic": topic,
                                "status": SENT,
                                "epoch": self._epoch,
                                "partition": p,
                                "offset": {"$lt": upto},
                            },
                            {"$set": {"status": CONFIRMED}},
                        )

    async def _same_log(self, topic: str, partition: int, offset: int) -> bool:
        """Whether the broker's log is the one this epoch published to, judged at the highest offset we
        published that every group has passed: the record there must be the row we published at that offset.
        Committed offsets alone cannot tell: after a broker restart the groups commit offsets in a new log, and
        rows of the lost log below them would be confirmed and never published again (the chaos test lost 13
        events of marketplace_sync, which was down while the broker was lost; traceability had consumed them).
        A record that differs is a lost log; when we cannot tell (no row of this epoch there, no record read),
        nothing is confirmed this time."""
        row = await self.db.outbox.find_one(
            {"topic": topic, "partition": partition, "offset": offset, "epoch": self._epoch}, projection={"value": 1}
        )
        if row is None:
            return False
        value = await self._record_at(topic, partition, offset)
        if value is None:
            return False
        if value != bytes(row["value"]):
            raise BrokerLost(f"{topic}[{partition}] holds another record at offset {offset}: the log was replaced")
        return True

    async def _record_at(self, topic: str, partition: int, offset: int) -> bytes | None:
        assert self._probe is not None  # started with the relay
        tp = TopicPartition(topic, partition)
        self._probe.assign([tp])
        self._probe.seek(tp, offset)
        batch = await self._probe.getmany(tp, timeout_ms=1000, max_records=1)
        for record in batch.get(tp, []):
            if record.offset == offset:
                return bytes(record.value) if record.value is not None else b""
        return None

    async def _end_offsets(self, topic: str, partitions: list[int]) -> dict[int, int]:
        assert self._probe is not None  # started with the relay
        ends = await self._probe.end_offsets([TopicPartition(topic, p) for p in partitions])
        return {tp.partition: off for tp, off in ends.items()}

    @staticmethod
    async def _confirmed_offsets(
        admin: AIOKafkaAdminClient, topic: str, groups: tuple[str, ...], partitions: list[int]
    ) -> dict[int, int]:
        """Per partition, the lowest offset committed across all consumer groups of the topic."""
        result: dict[int, int | None] = {p: None for p in partitions}
        for group in groups:
            committed = await admin.list_consumer_group_offsets(
                group, partitions=[TopicPartition(topic, p) for p in partitions]
            )
            for p in partitions:
                meta = committed.get(TopicPartition(topic, p))
                off = meta.offset if meta is not None and meta.offset >= 0 else 0
                known = result[p]
                result[p] = off if known is None else min(known, off)
        return {p: (o or 0) for p, o in result.items()}

    async def prune(self) -> int:
        """Delete rows every consumer confirmed more than ``retention`` ago (the outbox stays small)."""
        cutoff = utcnow() - self.retention
        async with transaction_gate(self.db.client, self.db.name):
            res = await self.db.outbox.delete_many({"status": CONFIRMED, "sent_at": {"$lt": cutoff}})
        return res.deleted_count

    async def start_new_epoch(self) -> None:
        """The broker lost its log: put every unconfirmed row back in the queue, in order."""
        state = await self.db.relay_state.find_one_and_update(  # atomic: epochs only go up, whoever counts
            {"_id": "relay"}, {"$inc": {"epoch": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        assert state is not None  # upserted and returned after the update
        self._epoch = int(state["epoch"])
        self.republished_epochs += 1
        async with transaction_gate(self.db.client, self.db.name):
            res = await self.db.outbox.update_many({"status": SENT}, {"$set": {"status": PENDING}})
        self._high.clear()
        self._lost = None  # what the checker found is handled by this epoch
        await self._close_producer()
        log.warning("outbox.new_epoch", epoch=self._epoch, requeued=res.modified_count)
        metrics.OUTBOX_EPOCHS.labels(self.client_id).inc()

    async def _load_high_offsets(self) -> None:
        """Highest offset published per partition in the current epoch (computed here, not with a
        ``$group`` on a compound key: the embedded server returns such keys unevaluated)."""
        query = {"epoch": self._epoch, "status": {"$in": [SENT, CONFIRMED]}}
        async for doc in self.db.outbox.find(query, projection={"topic": 1, "partition": 1, "offset": 1}):
            if doc.get("partition") is None or doc.get("offset") is None:
                continue
            key = (doc["topic"], int(doc["partition"]))
            self._high[key] = max(self._high.get(key, -1), int(doc["offset"]))

    async def _close_producer(self) -> None:
        """Drop every broker connection; the next pass reconnects (after a broker restart, too)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()
        await self._close_probes()

    async def _close_probes(self) -> None:
        """Drop the checker's connections; the next check reconnects."""
        probe, admin, self._probe, self._admin = self._probe, self._admin, None, None
        for client, stop in ((probe, "stop"), (admin, "close")):
            if client is not None:
                with contextlib.suppress(Exception):
                    await getattr(client, stop)()
