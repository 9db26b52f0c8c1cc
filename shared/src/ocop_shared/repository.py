"""Mongo repository plumbing every service builds its repositories on.

:class:`ModelRepository` stores a pydantic entity as its JSON form (dates as ISO strings, which sort
correctly) under ``_id = entity.id``. It works inside a unit of work's session when given one and adds
what it loads or stores to the unit of work's ``seen`` list, so events the entities record are collected
at commit. :func:`unique` is the one mapping of a duplicate key to a 409.

Reads never fail because one stored record is odd: entities are rebuilt with ``TRUSTED`` (the rules of today
are not applied again to what was accepted before), and a record that still does not fit its model (a
field missing, a wrong type) is reported (log line ``repository.unreadable_record``, metric
``ocop_unreadable_records_total``) and left out of lists; asked for alone, it answers 409 ``damaged_record``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from prometheus_client import Counter
from pydantic import BaseModel, ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ocop_shared.audit import Journal
from ocop_shared.errors import AppError, Conflict
from ocop_shared.logging import get_logger
from ocop_shared.mongo import transaction_gate
from ocop_shared.validation import TRUSTED

T = TypeVar("T", bound=BaseModel)
log = get_logger(__name__)
UNREADABLE = Counter(
    "ocop_unreadable_records_total", "Stored records that no longer fit their model (left out of reads)", ["collection"]
)


class DamagedRecord(Conflict, code="damaged_record"):
    """A stored record that no longer fits its model: reads of others go on; this one needs ``ocop migrate``."""


@contextmanager
def unique(code: str, message: str) -> Iterator[None]:
    """A write that breaks a unique index answers 409 ``code`` instead of a server error."""
    try:
        yield
    except DuplicateKeyError as exc:
        raise Conflict(code, message) from exc
    except BulkWriteError as exc:  # what insert_many raises, also for a duplicate key
        if all(e.get("code") == 11000 for e in exc.details.get("writeErrors", [])):
            raise Conflict(code, message) from exc
        raise


class MongoRepository:
    """A collection, the session of the unit of work (or None outside one) and its ``seen`` list."""

    collection_name: ClassVar[str]

    def __init__(
        self,
        db: AsyncDatabase,
        session: AsyncClientSession | None = None,
        seen: list[Any] | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.collection: AsyncCollection = db[self.collection_name]
        self.session = session
        self._seen = seen
        self._journal = journal or Journal()

    async def unplaced_ids(self, *, after: str, limit: int) -> list[str]:
        """Ids after ``after`` (in order) of records whose address was never placed in today's units (no
        ``current.status``): a scan by id with a projection rather than a query on a missing field, stopped
        once ``limit`` are found (``ocop migrate admin-units``)."""
        ids: list[str] = []
        cursor = self.collection.find(
            {"_id": {"$gt": after}}, projection={"current.status": 1}, session=self.session
        ).sort("_id", 1)
        async for doc in cursor:
            if not (doc.get("current") or {}).get("status"):
                ids.append(doc["_id"])
                if len(ids) >= limit:
                    break
        await cursor.close()
        return ids

    def _track(self, entity: Any) -> Any:
        if self._seen is not None:
            self._seen.append(entity)
        return entity

    def _loaded(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A document read: the audit trail's "before" when the unit of work records an action."""
        self._journal.load(self.collection_name, doc)
        return doc

    async def _writing(self, doc: dict[str, Any], *, insert: bool = False) -> None:
        """Call before writing ``doc`` (whole): the audit trail's "after" (and its "before", read now if it was
        not loaded in this unit of work). Inserts have no before."""
        journal = self._journal
        if not journal.active:
            return
        if not insert and not journal.knows(self.collection_name, doc["_id"]):
            current = await self.collection.find_one({"_id": doc["_id"]}, session=self.session)
            if current is not None:
                journal.load(self.collection_name, current)
        journal.write(self.collection_name, doc)


class GatedRepository(MongoRepository):
    """Writes that need no transaction (one document or one update_many, no event) still take the embedded
    server's per-database gate: there, a write from outside could land inside another session's open
    transaction (README, "What we work around"). Inside a unit of work the gate is already held."""

    @contextlib.asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        if self.session is not None:
            yield
            return
        db = self.collection.database
        async with transaction_gate(db.client, db.name):
            yield


class ModelRepository(MongoRepository, Generic[T]):
    model: type[T]
    duplicate: tuple[str, str] = ("duplicate", "Bản ghi đã tồn tại")

    def to_doc(self, entity: T) -> dict[str, Any]:
        doc = entity.model_dump(mode="json")
        doc["_id"] = doc.pop("id")
        return doc

    def from_doc(self, doc: dict[str, Any]) -> T:
        doc = dict(doc)
        doc["id"] = doc.pop("_id")
        return self.model.model_validate(doc, context=TRUSTED)

    def load(self, doc: dict[str, Any]) -> T | None:
        """The entity of a stored ``doc``, or None (reported) if it no longer fits the model."""
        try:
            return self.from_doc(doc)
        except (ValidationError, AppError, ValueError, TypeError, KeyError) as exc:
            log.warning(
                "repository.unreadable_record", collection=self.collection_name, id=str(doc.get("_id")), error=str(exc)
            )
            UNREADABLE.labels(self.collection_name).inc()
            return None

    def load_one(self, doc: dict[str, Any]) -> T:
        entity = self.load(doc)
        if entity is None:
            raise DamagedRecord(
                message=f"Bản ghi {self.collection_name}/{doc.get('_id')} không đọc được (dữ liệu cũ không đúng quy "
                "tắc): quản trị viên sửa bằng `ocop migrate`"
            )
        return entity

    async def add(self, entity: T) -> None:
        await self.add_many([entity])

    async def add_many(self, entities: list[T]) -> None:
        if not entities:
            return
        docs = [self.to_doc(e) for e in entities]
        for doc in docs:
            await self._writing(doc, insert=True)
        with unique(*self.duplicate):
            await self.collection.insert_many(docs, session=self.session)
        for e in entities:
            self._track(e)

    async def get(self, entity_id: str) -> T | None:
        doc = await self.collection.find_one({"_id": entity_id}, session=self.session)
        return self._track(self.load_one(self._loaded(doc))) if doc else None

    async def save(self, entity: T) -> None:
        doc = self.to_doc(entity)
        await self._writing(doc)
        with unique(*self.duplicate):
            await self.collection.replace_one({"_id": doc["_id"]}, doc, session=self.session)
        self._track(entity)

    async def find(self, query: dict[str, Any], *, sort: str = "_id", limit: int = 0, skip: int = 0) -> list[T]:
        cursor = self.collection.find(query, session=self.session).sort(sort, 1).skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [e for d in await cursor.to_list() if (e := self.load(self._loaded(d))) is not None]
