"""Unit of work: one MongoDB transaction that commits an aggregate *and* its outbox events together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import EVENT_TYPES, TYPE_OF
from ocop_shared.mongo import note_transaction, transaction_gate
from ocop_shared.outbox import outbox_row
from ocop_shared.tracing import current_traceparent


class MongoUnitOfWork:
    """``async with uow: ... await uow.commit()`` — cosmicpython's unit of work on a Mongo transaction.

    Repositories use ``uow.session``; ``uow.emit(payload, key=...)`` queues an event that is written to
    the outbox inside the same transaction at commit. Leaving the block without commit aborts.
    """

    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase, *, source: str,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.client = client
        self.db = db
        self.source = source
        self._on_commit = on_commit
        self.session: AsyncClientSession | None = None
        self.events: list[CloudEvent] = []
        self._committed = False

    async def __aenter__(self) -> MongoUnitOfWork:
        self._gate = transaction_gate(self.client, self.db.name)
        await self._gate.__aenter__()
        self.session = self.client.start_session()
        await self.session.start_transaction()
        await note_transaction(self.client, self.db.name, self.session, open_=True)
        self.events = []
        self._committed = False
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            if not self._committed and self.session.in_transaction:
                await self.session.abort_transaction()
        finally:
            try:
                await self.session.end_session()
                await note_transaction(self.client, self.db.name, self.session, open_=False)
            finally:
                await self._gate.__aexit__(None, None, None)

    def emit(self, payload: BaseModel, *, key: str, subject: str | None = None) -> CloudEvent:
        event_type = TYPE_OF[type(payload)]
        event = CloudEvent(
            id=new_event_id(), source=self.source, type=event_type, time=utcnow(),
            subject=subject or key, partitionkey=key, traceparent=current_traceparent(),
            data=payload.model_dump(mode="json"),
        )
        self.events.append(event)
        return event

    async def commit(self) -> None:
        if self.events:
            rows = [
                outbox_row(EVENT_TYPES[e.type][0], e.partitionkey or e.id, e.id, e.type,
                           e.model_dump_json(exclude_none=True).encode(), e.time,
                           trace_id=(e.traceparent or "").split("-")[1] if e.traceparent else None)
                for e in self.events
            ]
            await self.db.outbox.insert_many(rows, session=self.session)
        await self.session.commit_transaction()
        self._committed = True
        if self.events and self._on_commit:
            self._on_commit()
