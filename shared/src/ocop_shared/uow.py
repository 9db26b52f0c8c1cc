"""Unit of work: one MongoDB transaction that commits an aggregate *and* its outbox events together.

Each service subclasses :class:`MongoUnitOfWork` in its ``adapters/uow.py`` and declares its repositories as
annotated class attributes (``certificates: CertificateRepository``); :meth:`MongoUnitOfWork.bind` creates
them (cosmicpython's ``SqlAlchemyUnitOfWork``). Repositories are usable before the block too (plain reads, no
transaction); inside ``async with uow:`` they are rebound to the session.
Events reach the outbox two ways: aggregates record them (``entity.events``, collected from what the
repositories loaded or added) or a use case calls :meth:`emit`.
A use case done by a person names its actor and action (:meth:`acting`): the commit also writes the audit entry
(``ocop_shared.audit``), in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Self, get_type_hints

from pydantic import BaseModel
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.audit import Journal, Pending, entry_of, pending, write_entry
from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import EVENT_TYPES, TYPE_OF
from ocop_shared.events.recording import Recorded
from ocop_shared.inbox import after_commit
from ocop_shared.mongo import note_transaction, transaction_gate
from ocop_shared.outbox import outbox_row
from ocop_shared.repository import MongoRepository, unique
from ocop_shared.tracing import current_traceparent


class MongoUnitOfWork:
    """``async with uow: ... await uow.commit()``. Leaving the block without commit aborts.

    ``joined(session)`` makes a unit of work inside a transaction someone else owns (a consumer's inbox
    batch): entering starts nothing and ``commit`` only writes the outbox rows; the owner commits.
    """

    # Whether repositories bound outside a transaction add what they load to ``seen`` too (a service whose
    # long-lived reads would otherwise keep every record they ever loaded says False).
    track_plain_reads: ClassVar[bool] = True
    _repositories: ClassVar[dict[str, type[MongoRepository]]]

    def __init__(
        self, client: AsyncMongoClient, db: AsyncDatabase, *, source: str, on_commit: Callable[[], None] | None = None
    ) -> None:
        self.client = client
        self.db = db
        self.source = source
        self._on_commit = on_commit
        self.session: AsyncClientSession | None = None
        self.events: list[CloudEvent] = []
        self.seen: list[Any] = []  # aggregates loaded or added in this unit of work (their events are collected)
        self._committed = False
        self._owner = True
        self.journal = Journal()
        self._action: Pending | None = None
        self.bind(None)

    @classmethod
    def repositories(cls) -> dict[str, type[MongoRepository]]:
        """The repositories the class declares: its annotated attributes whose type is a MongoRepository."""
        if "_repositories" not in cls.__dict__:
            hints = get_type_hints(cls)
            cls._repositories = {
                name: kind
                for name, kind in hints.items()
                if isinstance(kind, type) and issubclass(kind, MongoRepository)
            }
        return cls._repositories

    def bind(self, session: AsyncClientSession | None) -> None:
        """Create the repositories on ``session``; ``self.seen`` collects the events of what they load."""
        seen = self.seen if session is not None or self.track_plain_reads else None
        for name, repository in self.repositories().items():
            setattr(self, name, repository(self.db, session, seen, self.journal))

    def acting(self, principal: Any, action: str, *, scope: tuple[str, ...] = (), **targets: str | None) -> Self:
        """The next commit records ``action`` by ``principal`` in the audit trail (with the records written,
        before and after). ``targets``: ids worth naming (``certificate=…``); ``scope``: provinces to add to
        the ones the records give. ``async with uow.acting(principal, "product.update", product=pid):``"""
        self._action = pending(principal, action, targets, scope)
        self.journal.active = True
        return self

    def note(self, **detail: Any) -> None:
        """Add what the records do not show to the action's entry (a serial range, a reason, a count)."""
        if self._action is not None:
            self._action.detail.update({k: v for k, v in detail.items() if v is not None})

    @classmethod
    def joined(
        cls,
        client: AsyncMongoClient,
        db: AsyncDatabase,
        session: AsyncClientSession,
        *,
        source: str,
        on_commit: Callable[[], None] | None = None,
    ) -> Self:
        uow = cls(client, db, source=source, on_commit=on_commit)
        uow._owner = False
        uow.session = session
        uow.bind(session)
        return uow

    async def __aenter__(self) -> Self:
        self.events, self.seen, self._committed = [], [], False
        if not self._owner:
            return self
        self._gate = transaction_gate(self.client, self.db.name)
        await self._gate.__aenter__()
        try:
            self.session = self.client.start_session()
            await self.session.start_transaction()
            await note_transaction(self.client, self.db.name, self.session, open_=True)
        except BaseException:
            await self._gate.__aexit__(None, None, None)
            raise
        self.bind(self.session)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if not self._owner:
            return
        session = self.session
        assert session is not None
        ended = self._committed  # whether the server was told: a commit or abort cut short keeps the journal's note
        try:
            if not self._committed and session.in_transaction:
                await session.abort_transaction()
                ended = True
        finally:
            try:
                try:
                    if ended:  # before end_session: the note is named after the session's id
                        await note_transaction(self.client, self.db.name, session, open_=False)
                finally:
                    await session.end_session()
            finally:
                self.session = None
                self._action = None
                self.journal.clear()
                self.bind(None)
                await self._gate.__aexit__(None, None, None)

    def emit(self, payload: BaseModel, *, key: str, subject: str | None = None) -> CloudEvent:
        event_type = TYPE_OF[type(payload)]
        event = CloudEvent(
            id=new_event_id(),
            source=self.source,
            type=event_type,
            time=utcnow(),
            subject=subject or key,
            partitionkey=key,
            traceparent=current_traceparent(),
            data=payload.model_dump(mode="json"),
        )
        self.events.append(event)
        return event

    def collect_new_events(self) -> None:
        """Move the events the aggregates recorded into this unit of work (in the order recorded)."""
        for aggregate in self.seen:
            recorded: list[Recorded] = getattr(aggregate, "events", None) or []
            while recorded:
                r = recorded.pop(0)
                self.emit(r.payload, key=r.key, subject=r.subject)

    async def commit(self) -> None:
        self.collect_new_events()
        if self.events:
            rows = [
                outbox_row(
                    EVENT_TYPES[e.type][0],
                    e.partitionkey or e.id,
                    e.id,
                    e.type,
                    e.model_dump_json(exclude_none=True).encode(),
                    e.time,
                    trace_id=(e.traceparent or "").split("-")[1] if e.traceparent else None,
                )
                for e in self.events
            ]
            await self.db.outbox.insert_many(rows, session=self.session)
        if self._action is not None:
            await write_entry(
                self.db, entry_of(self._action, self.journal, self.source.rsplit("/", 1)[-1]), self.session
            )
        if self._owner:
            assert self.session is not None
            # a server that checks unique indexes only at commit (the embedded one, under load) still answers 409
            with unique("duplicate", "Bản ghi trùng với một bản ghi đã có"):
                await self.session.commit_transaction()
        self._committed = True
        if self.events and self._on_commit:
            if self._owner:
                self._on_commit()
            else:  # the owner (a consumer's inbox batch) commits later: wake the relay then
                after_commit(self.session, self._on_commit)
        self.events = []
        self._action = None
        self.journal.clear()
