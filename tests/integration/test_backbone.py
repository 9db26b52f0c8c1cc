"""Delivery guarantees over the real wire servers: outbox, inbox, DLQ, broker loss."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from conftest import auth, eventually, run_apps, start_stack
from ocop_shared import log_epochs
from ocop_shared.consumer import EventConsumer, attach
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import REGISTRY, ProducerRegistered, dlq
from ocop_shared.inbox import after_commit, apply_batch
from ocop_shared.kafka import ensure_topics
from ocop_shared.mongo import ensure_collections, make_client
from ocop_shared.outbox import PENDING, BrokerLost, OutboxRelay, ensure_outbox_indexes, outbox_row
from ocop_shared.uow import MongoUnitOfWork
from tests.support.kafka import produce, read_topic, registered_event
from tests.support.registry import producer_body

pytestmark = pytest.mark.integration


class CountingService:
    """A consumer wired exactly like the services' (EventConsumer + FastStream subscriber, own group),
    whose effect is a counter, so applying an event twice would show."""

    def __init__(self, stack, name: str, *, held: str | None = None):
        self.held = held  # the producer whose effect waits for ``release``
        self.holding, self.release = asyncio.Event(), asyncio.Event()
        self.client = make_client(stack.mongo_url)
        self.db = self.client[f"count_{name}"]
        self.broker = KafkaBroker(stack.bootstrap, logger=None)
        self.results: list[str] = []
        self.by_event: list[tuple[bytes, str]] = []  # (record value, result): the topic holds earlier tests' events
        self.consumer = EventConsumer(REGISTRY, self.client, self.db, self._dlq, max_bytes=10_000)

        @self.consumer.on(ProducerRegistered)
        async def count(event, payload, session):
            if payload.producer.producer_id == self.held:
                self.holding.set()
                await self.release.wait()
            await self.db.effects.update_one(
                {"_id": payload.producer.producer_id}, {"$inc": {"n": 1}}, upsert=True, session=session
            )

        original = self.consumer.handle_batch

        async def recording(records):
            results = await original(records)
            self.results.extend(results)
            self.by_event.extend(zip((r.body for r in records), results, strict=False))
            return results

        self.consumer.handle_batch = recording
        attach(self.broker, self.consumer, f"test-{name}-{uuid.uuid4().hex[:6]}", title="test")

    async def _dlq(self, topic, body, headers, key):
        await self.broker.publish(body, topic=topic, key=key, headers=headers)

    async def __aenter__(self):
        await self.broker.start()
        return self

    async def __aexit__(self, *exc):
        await self.broker.stop()
        await self.client.close()

    async def count(self, producer_id: str) -> int:
        doc = await self.db.effects.find_one({"_id": producer_id})
        return int(doc["n"]) if doc else 0


async def test_same_event_delivered_twice_has_one_effect(stack):
    async with CountingService(stack, "dup") as svc:
        event = registered_event()
        body = event.model_dump_json().encode()
        await produce(stack, body, body, key=event.partitionkey.encode())

        # a new group reads the shared topic from its start: only the results for this event count
        def mine() -> list[str]:
            return [result for value, result in svc.by_event if value == body]

        await eventually(lambda: asyncio.sleep(0, len(mine()) >= 2))
        assert sorted(mine()[:2]) == ["applied", "duplicate"]
        assert await svc.count(event.partitionkey) == 1
        assert await svc.db.inbox.count_documents({"_id": event.id}) == 1


async def test_malformed_messages_go_to_dlq_and_consumer_continues(stack):
    async with CountingService(stack, "dlq") as svc:
        bad_json = b"\xff{ definitely not json " + uuid.uuid4().hex.encode()
        wrong_payload = registered_event().model_copy(update={"data": {"producer": {"name": 42}}})
        wrong_payload_body = wrong_payload.model_dump_json().encode()
        too_big = b'{"pad": "' + b"x" * 20_000 + b'"}'
        good = registered_event("HTX Hồng Xuân")
        await produce(stack, bad_json, wrong_payload_body, too_big, good.model_dump_json().encode())
        # hostile headers (not UTF-8) on an otherwise good event must not wedge the consumer
        odd = registered_event("HTX Hồng Xuân")
        await produce(stack, odd.model_dump_json().encode(), headers=[("x", b"\xff\xfe"), ("content-type", b"\xc3")])
        await eventually(lambda: svc.count(good.partitionkey))
        await eventually(lambda: svc.count(odd.partitionkey))
        assert await svc.count(good.partitionkey) == 1 and await svc.count(odd.partitionkey) == 1

        records = await read_topic(
            stack,
            dlq(REGISTRY),
            lambda rs: (
                {bad_json, wrong_payload_body} <= {r.value for r in rs} and any(len(r.value) >= 10_000 for r in rs)
            ),
        )
        reasons = {r.value: dict(r.headers)[("x-dlq-reason")].decode() for r in records}
        assert reasons[bad_json] == "invalid_json"
        assert reasons[wrong_payload_body] == "invalid_payload"
        assert "too_large" in reasons.values()
        assert svc.results.count("dead_lettered") >= 3


async def test_outbox_survives_crash_between_commit_and_publish(stack):
    """Commit with no relay running (the process died right after commit); a relay started later
    — as after a restart — publishes the event."""
    client = make_client(stack.mongo_url)
    db = client[f"crash_{uuid.uuid4().hex[:8]}"]
    await ensure_outbox_indexes(db)
    uow = MongoUnitOfWork(client, db, source="/test", on_commit=None)
    event = registered_event()
    async with uow:
        await db.things.insert_one({"_id": "state"}, session=uow.session)
        payload = ProducerRegistered.model_validate(event.data)
        emitted = uow.emit(payload, key=payload.producer.producer_id)
        await uow.commit()
    row = await db.outbox.find_one({"event_id": emitted.id})
    assert row["status"] == PENDING and await db.things.count_documents({}) == 1

    relay = OutboxRelay(db, stack.bootstrap, client_id="crash-test", idle_wait_s=0.1, consumers={REGISTRY: ()})
    await relay.start()
    try:
        records = await read_topic(stack, REGISTRY, lambda rs: any(emitted.id.encode() in r.value for r in rs))
        published = [json.loads(r.value) for r in records if emitted.id.encode() in r.value]
        assert len(published) == 1 and published[0]["type"] == "vn.ocop.registry.producer.registered.v1"
        # which log it belongs to: this database's relay, epoch 0 (consumers watch it: log_epochs)
        (mine,) = [r for r in records if emitted.id.encode() in r.value]
        assert log_epochs.epoch_of(mine) == (db.name, 0)
        assert (await db.outbox.find_one({"event_id": emitted.id}))["status"] in ("sent", "confirmed")
    finally:
        await relay.stop()
        await client.close()


async def test_aborted_unit_of_work_writes_nothing(stack):
    client = make_client(stack.mongo_url)
    db = client[f"abort_{uuid.uuid4().hex[:8]}"]
    await ensure_collections(db, ["things", "outbox"])
    try:
        with pytest.raises(RuntimeError):
            async with MongoUnitOfWork(client, db, source="/test") as uow:
                await db.things.insert_one({"_id": "state"}, session=uow.session)
                uow.emit(ProducerRegistered.model_validate(registered_event().data), key="k")
                raise RuntimeError("business said no")
        assert await db.things.count_documents({}) == 0
        assert await db.outbox.count_documents({}) == 0
    finally:
        await client.close()


async def test_after_commit_hooks_run_once_after_the_inbox_commit_and_never_after_an_abort(stack):
    """What a handler asks to be done after its batch commits (wake the relay or a worker, drop a cache entry):
    not before the commit, once even if asked twice, never if the batch aborts; at once outside a batch."""
    client = make_client(stack.mongo_url)
    db = client[f"hooks_{uuid.uuid4().hex[:8]}"]
    await ensure_collections(db, ["inbox", "effects"])
    calls: list[str] = []

    def hook() -> None:
        calls.append("woken")

    async def effect(session):
        await db.effects.insert_one({"_id": "x"}, session=session)
        after_commit(session, hook)
        after_commit(session, hook)
        assert calls == []  # the batch has not committed yet

    async def failing(session):
        after_commit(session, hook)
        raise RuntimeError("handler failed")

    try:
        assert await apply_batch(client, db, [(registered_event(), effect)]) == [True]
        assert calls == ["woken"]
        with pytest.raises(RuntimeError):
            await apply_batch(client, db, [(registered_event(), failing)])
        assert calls == ["woken"]
        after_commit(None, hook)
        assert calls == ["woken", "woken"]
    finally:
        await client.close()


async def test_a_replica_taking_over_the_lease_publishes_under_the_databases_epoch(stack):
    """Consumers rewind a partition when a source's epoch goes up (``log_epochs``): a replica that took over the
    lease and published under the epoch it read at its start, below the one its predecessor counted, would hide
    the next new log from them."""
    client = make_client(stack.mongo_url)
    db = client[f"replicas_{uuid.uuid4().hex[:8]}"]
    topic = f"test.replicas-{uuid.uuid4().hex[:6]}"
    await ensure_outbox_indexes(db)
    first = OutboxRelay(db, stack.bootstrap, client_id="first", idle_wait_s=0.1, consumers={topic: ()})
    second = OutboxRelay(db, stack.bootstrap, client_id="second", idle_wait_s=0.1, consumers={topic: ()})
    try:
        await first.start()
        await eventually(lambda: asyncio.sleep(0, first._holding))
        await second.start()  # reads epoch 0, waits for the lease
        await first.start_new_epoch()  # as after a broker loss: epoch 1
        await first.stop()
        await db.relay_state.update_one({"_id": "lease"}, {"$set": {"expires_at": utcnow()}})  # its lease ends
        row = outbox_row(topic, "k", uuid.uuid4().hex, "test.v1", b"after the take-over", utcnow())
        await db.outbox.insert_one(row)
        records = await read_topic(stack, topic, lambda rs: any(r.value == b"after the take-over" for r in rs))
        (mine,) = [r for r in records if r.value == b"after the take-over"]
        assert log_epochs.epoch_of(mine) == (db.name, 1)
        await second.start_new_epoch()  # counted from the database, not from what it read at its start
        assert (await db.relay_state.find_one({"_id": "relay"}))["epoch"] == 2
    finally:
        await second.stop()
        await client.close()


async def test_broker_lost_and_restarted_empty_loses_nothing(tmp_path):
    """Events published but not yet consumed when the memory-only broker dies are re-published from
    the outbox to the new, empty broker; consumers apply each exactly once."""
    stack = start_stack(tmp_path)
    suffix = "_loss"
    try:
        async with run_apps(stack, services=("registry",), db_suffix=suffix) as reg:
            ids = []
            for i in range(10):
                r = await reg["registry"].post(
                    "/api/v1/producers", json=producer_body(name=f"HTX số {i}"), headers=auth("official")
                )
                assert r.status_code == 201, r.text
                ids.append(r.json()["id"])
            relay = reg.runtime("registry").relay
            db = reg.runtime("registry").db
            await eventually(lambda: count_is(db.outbox, {"status": "sent"}, 10))
            stack.restart_broker(kill=True)  # everything published so far is gone
            await eventually(lambda: asyncio.sleep(0, relay.republished_epochs >= 1), timeout=30)

            async with run_apps(stack, services=("traceability",), db_suffix=suffix) as tr:
                for i in range(10, 15):
                    r = await reg["registry"].post(
                        "/api/v1/producers", json=producer_body(name=f"HTX số {i}"), headers=auth("official")
                    )
                    ids.append(r.json()["id"])
                tdb = tr.runtime("traceability").db
                await eventually(lambda: count_is(tdb.producers, {}, 15), timeout=60)
                assert await tdb.producers.count_documents({}) == 15
                assert sorted(d["_id"] for d in await tdb.producers.find({}).to_list()) == sorted(ids)
                assert await tdb.inbox.count_documents({}) == 15
                assert await tdb.producers.count_documents({"version": 1}) == 15
    finally:
        stack.stop()


async def test_offsets_committed_in_a_new_log_never_confirm_what_the_lost_log_held(tmp_path):
    """A consumer that was down when the broker lost its log commits offsets in the new log; those must not
    confirm the rows the lost log held (they would never be published again). Found by the chaos test:
    marketplace_sync, killed while the broker was lost, missed 13 events that traceability had consumed."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.structs import OffsetAndMetadata

    stack = start_stack(tmp_path)
    client = make_client(stack.mongo_url)
    db = client["relay_newlog"]
    topic, group = "test.relay-newlog", "test-slow-group"
    try:
        await ensure_outbox_indexes(db)
        rows = [
            outbox_row(topic, "same-key", uuid.uuid4().hex, "test.v1", f"old {i}".encode(), utcnow()) for i in range(5)
        ]
        await db.outbox.insert_many(rows)
        relay = OutboxRelay(db, stack.bootstrap, client_id="newlog", idle_wait_s=0.1, consumers={topic: (group,)})
        await relay.start()
        await eventually(lambda: count_is(db.outbox, {"status": "sent"}, 5))
        await relay.stop()
        partition = (await db.outbox.find_one({}))["partition"]

        stack.restart_broker(kill=True)  # the five records are gone; the slow group never read them
        await ensure_topics(stack.bootstrap, [topic], 3)
        await produce(stack, *(f"new {i}".encode() for i in range(8)), topic=topic, key=b"same-key")
        reader = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, group_id=group, enable_auto_commit=False)
        await reader.start()
        try:  # the group, back, reads the new log and commits past offset 5
            reader.assign([TopicPartition(topic, partition)])
            await reader.commit({TopicPartition(topic, partition): OffsetAndMetadata(8, "")})
        finally:
            await reader.stop()

        with pytest.raises(BrokerLost):
            await relay.confirm_and_check()
        await relay._close_producer()
        assert await db.outbox.count_documents({"status": "confirmed"}) == 0
        assert await db.outbox.count_documents({"status": "sent"}) == 5  # the next epoch publishes them again
    finally:
        await client.close()
        stack.stop()


async def test_a_consumer_reading_when_the_broker_restarts_empty_reads_the_new_log_from_its_start(tmp_path):
    """The broker is killed and restarted at once while a consumer handles a batch: the consumer keeps its fetch
    position and would read the new log from there, skipping every record below it (the chaos test lost 291
    events so). The records' epoch (``ocop_epoch``, stamped by the relay) shows it the new log."""
    stack = start_stack(tmp_path)
    source = "registry_epochs"
    old = [registered_event() for _ in range(120)]
    in_flight = registered_event()
    new = [registered_event() for _ in range(300)]
    try:
        await ensure_topics(stack.bootstrap, [REGISTRY, dlq(REGISTRY)], 3)
        service = CountingService(stack, "epochs", held=in_flight.partitionkey)
        async with service:
            epoch_1 = log_epochs.header(source, 1)
            await produce_all(stack, [e.model_dump_json().encode() for e in old], epoch_1)
            await eventually(lambda: service_counts(service, old, 1), timeout=30)
            await produce_all(stack, [in_flight.model_dump_json().encode()], epoch_1)
            await asyncio.wait_for(service.holding.wait(), 30)
            stack.restart_broker(kill=True)  # the consumer is inside a batch
            await ensure_topics(stack.bootstrap, [REGISTRY, dlq(REGISTRY)], 3)
            # the relay's new epoch: the lost record again, and the new ones, at offsets 0, 1, 2…
            again = [e.model_dump_json().encode() for e in [in_flight, *new]]
            await produce_all(stack, again, log_epochs.header(source, 2))
            service.release.set()
            await eventually(lambda: service_counts(service, new, 1), timeout=30)
            assert await service.count(in_flight.partitionkey) == 1
            assert all([await service.count(e.partitionkey) == 1 for e in old])
    finally:
        stack.stop()


async def produce_all(stack, values: list[bytes], header) -> None:
    """At once (one send after another, then wait for all), on one partition: the new log holds them before the
    consumer is back."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    await producer.start()
    try:
        sent = [await producer.send(REGISTRY, v, key=b"k", partition=1, headers=[header]) for v in values]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def service_counts(service: CountingService, events, n: int) -> bool:
    return all([await service.count(e.partitionkey) == n for e in events])


async def _status_is(client, path: str, status: int) -> bool:
    return (await client.get(path)).status_code == status


async def count_is(collection, query, expected: int) -> bool:
    return await collection.count_documents(query) >= expected


async def test_services_start_while_the_broker_is_down_and_catch_up(tmp_path):
    """A service (re)started during a broker outage serves its API (writes wait in the outbox), reports
    itself degraded, and connects once the broker is back: nothing written meanwhile is lost."""
    from ocop_cli.stack import Stack, free_port, start_broker, start_mongo

    bport, mport = free_port(), free_port()
    mongo = start_mongo("127.0.0.1", mport, tmp_path / "mongo")
    stack = Stack(tmp=tmp_path, broker_port=bport, mongo_port=mport, broker=None, mongo=mongo)
    try:
        async with run_apps(stack, services=("registry", "traceability"), db_suffix="_nobroker") as apps:
            health = await apps["registry"].get("/healthz")
            assert health.status_code == 503 and health.json()["checks"]["broker"] == "down"
            assert (await apps["registry"].get("/readyz")).status_code == 200  # it can serve: stay in rotation
            assert (await apps["traceability"].get("/livez")).status_code == 200
            r = await apps["registry"].post(
                "/api/v1/producers", json=producer_body(name="HTX giữa sự cố"), headers=auth("official")
            )
            assert r.status_code == 201, r.text
            stack.broker = start_broker("127.0.0.1", bport, tmp_path / "tansu.log")
            tdb = apps.runtime("traceability").db
            await eventually(lambda: count_is(tdb.producers, {"_id": r.json()["id"]}, 1), timeout=90)
            # the relay's producer and the subscribers reconnect on their own backoffs: not necessarily together
            await eventually(lambda: _status_is(apps["registry"], "/healthz", 200), timeout=30)
    finally:
        if stack.broker:
            stack.broker.stop()
        mongo.stop()


async def test_a_transaction_left_open_by_a_killed_process_is_ended_at_start(tmp_path):
    """kill -9 inside a transaction: on the embedded server the transaction would stay open for good and
    every later write on that database would sit inside it, never reaching the disk. The next start ends
    the dead session (journaled), so its half-done writes are rolled back and new ones are durable."""
    import subprocess
    import sys

    from ocop_cli.stack import free_port, start_mongo
    from ocop_shared import mongo as m

    port = free_port()
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    server = start_mongo("127.0.0.1", port, tmp_path / "mongo")
    journal = tmp_path / "journal"
    script = f"""
import asyncio, os, signal
from ocop_shared.mongo import make_client, note_transaction, set_transaction_journal
async def main():
    client = make_client({url!r})
    set_transaction_journal({str(journal)!r})
    db = client["wedge"]
    await db.docs.insert_one({{"_id": "before"}})
    session = client.start_session()
    await session.start_transaction()
    await note_transaction(client, "wedge", session, open_=True)
    await db.docs.insert_one({{"_id": "ghost"}}, session=session)
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
"""
    previous = m._journal
    try:
        died = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
        assert died.returncode == -9, died.stderr[-2000:]
        client = make_client(url)
        m.set_transaction_journal(journal)
        assert await m.end_abandoned_transaction(client, "wedge") is True
        assert not list(journal.glob("wedge*.lsid"))
        db = client["wedge"]
        assert await db.docs.find_one({"_id": "ghost"}) is None  # the dead transaction was rolled back
        async with client.start_session() as session:
            await session.start_transaction()
            await db.docs.insert_one({"_id": "after"}, session=session)
            await session.commit_transaction()
        await client.close()
        server.stop()  # the proof of durability: what the server reads back from disk after a restart
        server = start_mongo("127.0.0.1", port, tmp_path / "mongo")
        client = make_client(url)
        assert {d["_id"] async for d in client["wedge"].docs.find({})} == {"before", "after"}
        await client.close()
    finally:
        m.set_transaction_journal(previous)
        server.stop()
