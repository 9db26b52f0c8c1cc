"""Event consumers: one FastStream subscriber per topic and service, typed handlers per event type.

Each message is parsed as a CloudEvent and its ``data`` validated against the payload model of its
type. Anything malformed (not JSON, not a CloudEvent, invalid payload, too large) or a handler that
rejects the event goes to ``<topic>.dlq`` with the error in headers and body, and the consumer moves on.
A transient failure (database or broker down) is retried, then the message is NACKed so Kafka
redelivers it. Effects are applied through the inbox, so a redelivery is a no-op.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

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
from ocop_shared.inbox import apply_once
from ocop_shared.logging import bound_contextvars, get_logger
from ocop_shared.tracing import reset_traceparent, set_traceparent, trace_id_of

log = get_logger(__name__)

Handler = Callable[[CloudEvent, Any, AsyncClientSession], Awaitable[None]]
DlqPublisher = Callable[[str, bytes, dict[str, str], bytes | None], Awaitable[None]]


class Rejected(Exception):
    """A handler's verdict that the event can never be applied (sent to the DLQ, not retried)."""


class EventConsumer:
    def __init__(self, topic: str, client: AsyncMongoClient, db: AsyncDatabase, publish_dlq: DlqPublisher,
                 *, max_bytes: int = 1_000_000, transient_retries: int = 5) -> None:
        self.topic = topic
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
        if len(body) > self.max_bytes:
            return await self._dead_letter(body, key, "too_large", f"{len(body)} bytes > {self.max_bytes}", origin)
        try:
            raw = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return await self._dead_letter(body, key, "invalid_json", str(exc), origin)
        try:
            event = CloudEvent.model_validate(raw)
        except ValidationError as exc:
            return await self._dead_letter(body, key, "invalid_envelope", _short(exc), origin)
        registered = self.handlers.get(event.type)
        if registered is None:
            metrics.EVENTS_CONSUMED.labels(self.topic, event.type[:100], "ignored").inc()
            return "ignored"  # a type this service does not need (or a newer one it does not know)
        model, handler = registered
        try:
            payload = model.model_validate(event.data)
        except ValidationError as exc:
            return await self._dead_letter(body, key, "invalid_payload", _short(exc), origin)

        token = set_traceparent(event.traceparent)
        try:
            with bound_contextvars(event_id=event.id, trace_id=trace_id_of(event.traceparent), event_type=event.type):
                result = await self._apply(event, payload, handler, body, key, origin)
        finally:
            reset_traceparent(token)
        metrics.EVENTS_CONSUMED.labels(self.topic, event.type, result).inc()
        return result

    async def _apply(self, event: CloudEvent, payload: Any, handler: Handler, body: bytes, key: bytes | None,
                     origin: str) -> str:
        delay = 0.1
        for attempt in range(self.transient_retries + 1):
            try:
                applied = await apply_once(self.client, self.db, event,
                                           lambda session: handler(event, payload, session))
                log.info("event.applied" if applied else "event.duplicate")
                return "applied" if applied else "duplicate"
            except Rejected as exc:
                return await self._dead_letter(body, key, "rejected", str(exc), origin)
            except (ConnectionFailure, PyMongoError) as exc:
                if _is_transient(exc) and attempt < self.transient_retries:
                    log.warning("event.retry", error=repr(exc), attempt=attempt + 1)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 3.0)
                    continue
                if _is_transient(exc):
                    raise  # NACK: Kafka redelivers later
                return await self._dead_letter(body, key, "handler_error", repr(exc), origin)
            except Exception as exc:  # noqa: BLE001 - a bug or bad data must not stop the consumer
                log.exception("event.handler_failed")
                return await self._dead_letter(body, key, "handler_error", repr(exc), origin)
        raise AssertionError("unreachable")

    async def _dead_letter(self, body: bytes, key: bytes | None, reason: str, error: str, origin: str) -> str:
        headers = {"x-dlq-reason": reason, "x-dlq-error": error[:2000], "x-dlq-origin": origin,
                   "x-dlq-topic": self.topic, "x-dlq-at": utcnow().isoformat()}
        await self.publish_dlq(dlq(self.topic), body[: self.max_bytes], headers, key)
        metrics.DLQ_EVENTS.labels(self.topic, reason).inc()
        log.warning("event.dead_lettered", reason=reason, error=error[:500], origin=origin)
        return "dead_lettered"


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10])


def _is_transient(exc: PyMongoError) -> bool:
    return isinstance(exc, ConnectionFailure) or exc.has_error_label("TransientTransactionError")


def attach(broker: Any, consumer: EventConsumer, group_id: str, *, title: str) -> None:
    """Register ``consumer`` as a FastStream subscriber on ``broker`` (a FastStream KafkaBroker)."""

    async def raw_body(msg: Any) -> bytes:  # never let FastStream decode: we validate ourselves
        return msg.body

    @broker.subscriber(
        consumer.topic, group_id=group_id, auto_offset_reset="earliest", ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=raw_body, title=title, description="CloudEvents 1.0 (structured JSON); see shared/schemas/v1",
    )
    async def handle(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        await consumer.handle_raw(body, key=record.key, origin=f"{record.topic}[{record.partition}]@{record.offset}")
