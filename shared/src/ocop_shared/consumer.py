"""Event consumers: one FastStream subscriber per topic and service, typed handlers per event type.

Messages are consumed in batches (in partition order). Each is parsed as a CloudEvent and its ``data``
validated against the payload model of its type. Anything malformed (not JSON, not a CloudEvent,
invalid payload, too large) goes to ``<topic>.dlq`` with the reason and error in headers, and the
consumer moves on. Valid events are applied through the inbox in one transaction per batch; if a
handler fails, the batch is retried event by event so only the bad event is dead-lettered. A
transient failure (database down) is retried, then the batch is NACKed so Kafka redelivers it; the
inbox makes any redelivery a no-op.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import IllegalStateError
from faststream import AckPolicy
from faststream.kafka.annotations import KafkaMessage
from pydantic import BaseModel, ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from ocop_shared import metrics
from ocop_shared.events.envelope import CloudEvent, utcnow
from ocop_shared.events.models import EVENT_TYPES, TYPE_OF, dlq
from ocop_shared.inbox import apply_batch
from ocop_shared.log_epochs import EpochWatch
from ocop_shared.logging import bound_contextvars, get_logger
from ocop_shared.tracing import reset_traceparent, set_traceparent, trace_id_of

log = get_logger(__name__)

Handler = Callable[[CloudEvent, Any, AsyncClientSession], Awaitable[None]]
DlqPublisher = Callable[[str, bytes, dict[str, str], bytes | None], Awaitable[None]]


class Rejected(Exception):
    """A handler's verdict that the event can never be applied (sent to the DLQ, not retried)."""


@dataclass
class Record:
    body: bytes
    key: bytes | None = None
    origin: str = ""


@dataclass
class _Ready:
    record: Record
    event: CloudEvent
    payload: Any
    handler: Handler


class EventConsumer:
    def __init__(
        self,
        topic: str,
        client: AsyncMongoClient,
        db: AsyncDatabase,
        publish_dlq: DlqPublisher,
        *,
        max_bytes: int = 1_000_000,
        transient_retries: int = 5,
        name: str = "",
    ) -> None:
        self.topic = topic
        self.name = name  # who dead-letters (x-dlq-consumer): several services consume one topic
        self.client = client
        self.db = db
        self.publish_dlq = publish_dlq
        self.max_bytes = max_bytes
        self.transient_retries = transient_retries
        self.handlers: dict[str, tuple[type[BaseModel], Handler]] = {}

    def on(self, model: type[BaseModel]) -> Callable[[Handler], Handler]:
        event_type = TYPE_OF[model]
        if EVENT_TYPES[event_type][0] != self.topic:
            raise ValueError(f"{event_type} is not carried on {self.topic}")

        def register(handler: Handler) -> Handler:
            self.handlers[event_type] = (model, handler)
            return handler

        return register

    async def handle_raw(self, body: bytes, *, key: bytes | None = None, origin: str = "") -> str:
        """Process one message; returns applied | duplicate | ignored | dead_lettered."""
        return (await self.handle_batch([Record(body, key, origin)]))[0]

    async def handle_batch(self, records: Sequence[Record]) -> list[str]:
        results: list[str | None] = [None] * len(records)
        ready: list[tuple[int, _Ready]] = []
        for i, record in enumerate(records):
            parsed = await self._parse(record)
            if isinstance(parsed, str):
                results[i] = parsed
            else:
                ready.append((i, parsed))
        if ready:
            outcomes = await self._apply([r for _, r in ready])
            for (i, r), outcome in zip(ready, outcomes, strict=True):
                results[i] = outcome
                metrics.EVENTS_CONSUMED.labels(self.topic, r.event.type, outcome).inc()
        return results  # type: ignore[return-value]

    async def _parse(self, record: Record) -> _Ready | str:
        body = record.body
        if len(body) > self.max_bytes:
            return await self._dead_letter(record, "too_large", f"{len(body)} bytes > {self.max_bytes}")
        try:
            raw = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return await self._dead_letter(record, "invalid_json", str(exc))
        try:
            event = CloudEvent.model_validate(raw)
        except ValidationError as exc:
            return await self._dead_letter(record, "invalid_envelope", _short(exc))
        registered = self.handlers.get(event.type)
        if registered is None:
            metrics.EVENTS_CONSUMED.labels(self.topic, "other", "ignored").inc()
            return "ignored"  # a type this service does not need (or a newer one it does not know)
        model, handler = registered
        try:
            payload = model.model_validate(event.data)
        except ValidationError as exc:
            return await self._dead_letter(record, "invalid_payload", _short(exc))
        return _Ready(record, event, payload, handler)

    def _effect(self, r: _Ready):
        async def effect(session: AsyncClientSession) -> None:
            token = set_traceparent(r.event.traceparent)
            try:
                with bound_contextvars(
                    event_id=r.event.id, trace_id=trace_id_of(r.event.traceparent), event_type=r.event.type
                ):
                    await r.handler(r.event, r.payload, session)
            finally:
                reset_traceparent(token)

        return effect

    async def _apply(self, ready: list[_Ready]) -> list[str]:
        if len(ready) > 1:
            try:
                applied = await self._with_retries(
                    lambda: apply_batch(self.client, self.db, [(r.event, self._effect(r)) for r in ready])
                )
                self._log_applied(ready, applied)
                return ["applied" if a else "duplicate" for a in applied]
            except _Permanent:
                pass  # isolate the bad event: one by one below
        outcomes = []
        for r in ready:
            try:
                applied = await self._with_retries(functools.partial(self._apply_one, r))
                self._log_applied([r], applied)
                outcomes.append("applied" if applied[0] else "duplicate")
            except _Permanent as exc:
                outcomes.append(await self._dead_letter(r.record, exc.reason, exc.error, r.event))
        return outcomes

    async def _apply_one(self, r: _Ready) -> list[bool]:
        return await apply_batch(self.client, self.db, [(r.event, self._effect(r))])

    async def _with_retries(self, call: Callable[[], Awaitable[list[bool]]]) -> list[bool]:
        delay = 0.1
        for attempt in range(self.transient_retries + 1):
            try:
                return await call()
            except Rejected as exc:
                raise _Permanent("rejected", str(exc)) from exc
            except PyMongoError as exc:
                if not _is_transient(exc):
                    raise _Permanent("handler_error", repr(exc)) from exc
                if attempt == self.transient_retries:
                    raise  # NACK: Kafka redelivers later
                log.warning("event.retry", error=repr(exc), attempt=attempt + 1)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3.0)
            except Exception as exc:
                log.exception("event.handler_failed")
                raise _Permanent("handler_error", repr(exc)) from exc
        raise AssertionError("unreachable")

    @staticmethod
    def _log_applied(ready: list[_Ready], applied: list[bool]) -> None:
        for r, a in zip(ready, applied, strict=True):
            log.info(
                "event.applied" if a else "event.duplicate",
                event_id=r.event.id,
                event_type=r.event.type,
                trace_id=trace_id_of(r.event.traceparent),
            )

    async def _dead_letter(self, record: Record, reason: str, error: str, event: CloudEvent | None = None) -> str:
        headers = {
            "x-dlq-reason": reason,
            "x-dlq-error": error[:2000],
            "x-dlq-origin": record.origin,
            "x-dlq-topic": self.topic,
            "x-dlq-at": utcnow().isoformat(),
        }
        if self.name:
            headers["x-dlq-consumer"] = self.name
        await self.publish_dlq(dlq(self.topic), record.body[: self.max_bytes], headers, record.key)
        metrics.DLQ_EVENTS.labels(self.topic, reason).inc()
        log.warning(
            "event.dead_lettered",
            reason=reason,
            error=error[:500],
            origin=record.origin,
            event_id=event.id if event else None,
        )
        return "dead_lettered"


class LogStartUnknown(Exception):
    """The broker did not say in time where a new log starts; the batch is delivered again (NACK)."""


class _Permanent(Exception):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(error)
        self.reason = reason
        self.error = error


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10])


def _is_transient(exc: PyMongoError) -> bool:
    return (
        isinstance(exc, ConnectionFailure)
        or exc.has_error_label("TransientTransactionError")
        or getattr(exc, "code", None) == 11000
    )  # a concurrent duplicate: retry sees it as processed


def _usable_header(value: Any) -> bool:
    if not isinstance(value, bytes | bytearray):
        return False
    try:
        value.decode()
    except UnicodeDecodeError:
        return False
    return True


async def _safe_batch_parser(records: Any, original: Callable) -> Any:
    """FastStream's parser decodes every header as UTF-8; a hostile header would crash it and the
    batch would be redelivered forever. We do not use headers, so drop any that do not decode."""
    clean = tuple(
        dataclasses.replace(r, headers=[(k, v) for k, v in (r.headers or ()) if _usable_header(v)]) for r in records
    )
    return await original(clean)


async def _raw_bodies(message: Any) -> list[bytes]:  # never let FastStream decode: we validate ourselves
    return [r.value or b"" for r in message.raw_message]


@dataclass(frozen=True)
class Waits:
    """How long a consumer waits for records; together they bound the broker → handler hop.

    ``fetch_ms``: aiokafka's ``fetch_max_wait_ms``, how long the broker may hold a fetch that finds nothing.
    The embedded broker (Tansu 0.6) holds *every* fetch that long (below 250 ms), records or not, and looks
    for records only when the fetch arrives: a record waits up to twice this before it is handed over
    (aiokafka's default, 500 ms, made commit → applied p50 305 ms). ``batch_ms``: FastStream's
    ``batch_timeout_ms``, how long one poll waits for buffered records; after an empty poll FastStream sleeps
    as long again, so a record arriving then waits up to this on top. ``session_ms`` / ``heartbeat_ms``: how long
    the group waits for a silent member, and how often a member says it is alive. The embedded broker completes a
    join only after half the session timeout (at least 1 s): with aiokafka's 10 s, every service start and every
    rebalance after a restart waited 5 s. 6 s is the lowest a Kafka broker accepts by default
    (``group.min.session.timeout.ms``)."""

    fetch_ms: int = 25
    batch_ms: int = 10
    session_ms: int = 6000
    heartbeat_ms: int = 2000


def attach(
    broker: Any, consumer: EventConsumer, group_id: str, *, title: str, max_records: int = 200, waits: Waits = Waits()
) -> None:
    """Register ``consumer`` as a batch subscriber on ``broker`` (a FastStream KafkaBroker)."""
    attach_all(broker, [consumer], group_id, title=title, max_records=max_records, waits=waits)


def attach_all(
    broker: Any,
    consumers: Sequence[EventConsumer],
    group_id: str,
    *,
    title: str,
    max_records: int = 200,
    waits: Waits = Waits(),
) -> None:
    """One batch subscriber (one Kafka group member) reading every topic of ``consumers``.

    A service has one member per process, subscribed to all its topics: members of one group that
    subscribe to different topics rebalanced each other endlessly after a broker outage (every join
    restarts the whole group's rebalance) and stopped fetching. A batch may mix topics; each topic's
    records go to that topic's consumer, in order."""
    by_topic = {c.topic: c for c in consumers}
    watch = EpochWatch()

    @broker.subscriber(
        *by_topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=waits.batch_ms,
        fetch_max_wait_ms=waits.fetch_ms,
        session_timeout_ms=waits.session_ms,
        heartbeat_interval_ms=waits.heartbeat_ms,
        parser=_safe_batch_parser,
        decoder=_raw_bodies,
        title=title,
        description="CloudEvents 1.0 (structured JSON); payload schemas in shared/schemas/v1",
    )
    async def handle(bodies: list[bytes], message: KafkaMessage) -> None:
        plan = watch.plan(message.raw_message)
        batches: dict[str, list[Record]] = {}
        for r in plan.keep:
            batches.setdefault(r.topic, []).append(
                Record(r.value or b"", r.key, f"{r.topic}[{r.partition}]@{r.offset}")
            )
        for topic, records in batches.items():
            await by_topic[topic].handle_batch(records)
        not_ours = await _read_again(message.consumer, plan.rewind) if plan.rewind else set()
        watch.learn(plan, not_rewound=not_ours)
        _observe_lag(message, group_id)


async def _read_again(kafka: Any, partitions: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """Read ``partitions`` again from their start: their records come from a new log (``ocop_shared.log_epochs``).
    The commit after this batch then records the start. Returns the partitions no longer assigned to this member
    (a rebalance), which it cannot rewind. One at a time: aiokafka refuses the whole call if one of them is not
    assigned, and the others' dropped records would be committed past."""
    log.warning("consumer.log_replaced", partitions=[f"{t}[{p}]" for t, p in sorted(partitions)])
    not_ours: set[tuple[str, int]] = set()
    for topic, partition in sorted(partitions):
        tp = TopicPartition(topic, partition)
        try:
            found = await kafka.seek_to_beginning(tp)
        except IllegalStateError:
            not_ours.add((topic, partition))
            continue
        if not found:
            raise LogStartUnknown(f"{tp}: the start of the new log was not found in time")  # NACK: comes again
    return not_ours


def _observe_lag(message: Any, group_id: str) -> None:
    """Consumer lag after a batch, per topic: in seconds (record timestamps) and in records (high watermark)."""
    raw = message.raw_message
    if not raw:
        return
    kafka = getattr(message, "consumer", None)
    newest: dict[str, int] = {}
    last: dict[tuple[str, int], int] = {}
    for r in raw:
        newest[r.topic] = max(newest.get(r.topic, 0), r.timestamp or 0)
        last[(r.topic, r.partition)] = max(last.get((r.topic, r.partition), -1), r.offset)
    for topic, stamp in newest.items():
        if stamp:
            metrics.CONSUMER_LAG_SECONDS.labels(topic, group_id).set(max(0.0, time.time() - stamp / 1000))
    for (topic, partition), offset in last.items():
        try:
            highwater = kafka.highwater(TopicPartition(topic, partition)) if kafka is not None else None
        except Exception:  # noqa: BLE001 - metrics never break consumption
            highwater = None
        if highwater is not None:
            metrics.CONSUMER_LAG_RECORDS.labels(topic, str(partition), group_id).set(max(0, highwater - offset - 1))
