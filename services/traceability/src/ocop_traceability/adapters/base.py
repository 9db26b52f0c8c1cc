"""What every traceability repository shares: pydantic records stored as before (ids in ``_id``, times as
BSON dates), the transaction gate for writes outside a unit of work, and list filters from a scope."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from ocop_shared.auth import Scope
from ocop_shared.mongo import transaction_gate
from ocop_shared.repository import ModelRepository, MongoRepository
from ocop_shared.validation import TRUSTED

T = TypeVar("T", bound=BaseModel)


class Repository(MongoRepository):
    def gate(self) -> AbstractAsyncContextManager[Any]:
        """Writes outside a unit of work wait for the database's open transaction on the embedded server
        (which would otherwise take them into it); inside one, the unit of work holds the gate already."""
        if self.session is not None:
            return nullcontext()
        db = self.collection.database
        return transaction_gate(db.client, db.name)

    async def scope_filter(self, scope: Scope) -> dict[str, Any]:
        """The filter on ``producer_id`` that limits a list to a scope (provinces: by our producer copies)."""
        if scope.producer_id is not None:
            return {"producer_id": scope.producer_id}
        if scope.provinces:
            producers = self.collection.database.producers.find({}, projection={"province": 1}, session=self.session)
            ids = [p["_id"] async for p in producers if (p.get("province") or {}).get("code") in scope.provinces]
            return {"producer_id": {"$in": ids}}
        return {}


class Records(Repository, ModelRepository[T]):
    """Pydantic records under ``_id`` = ``id_field``. The ``native`` datetimes are stored as BSON dates (lists
    sort on them, and that is how the records always were); the rest is the model's JSON form."""

    id_field: ClassVar[str] = "id"
    native: ClassVar[tuple[str, ...]] = ()

    def to_doc(self, entity: T) -> dict[str, Any]:
        doc = entity.model_dump(mode="json")
        doc["_id"] = doc.pop("id") if self.id_field == "id" else doc[self.id_field]
        for name in self.native:
            doc[name] = getattr(entity, name)
        return doc

    def from_doc(self, doc: dict[str, Any]) -> T:
        doc = dict(doc)
        key = doc.pop("_id")
        if self.id_field == "id":
            doc["id"] = key
        return self.model.model_validate(doc, context=TRUSTED)

    async def fetch(
        self, query: dict[str, Any], *, sort: str | None = None, descending: bool = False, limit: int = 0
    ) -> list[T]:
        cursor = self.collection.find(query, session=self.session)
        if sort:
            cursor = cursor.sort(sort, -1 if descending else 1)
        return [e for d in await cursor.to_list(limit or None) if (e := self.load(d)) is not None]

    async def latest(self, scope: Scope, limit: int, **filters: str | None) -> list[T]:
        """The newest records in ``scope``, with the given (non-empty) filters."""
        query: dict[str, Any] = {k: v for k, v in filters.items() if v}
        query.update(await self.scope_filter(scope))
        return await self.fetch(query, sort="created_at", descending=True, limit=limit)
