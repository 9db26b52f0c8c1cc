"""Growing areas and packing houses, stored under their code (unique: a code is registered once)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from ocop_shared.auth import Scope
from ocop_shared.repository import unique
from ocop_traceability.adapters.base import Records
from ocop_traceability.domain.places import GrowingArea, PackingHouse, Place

P = TypeVar("P", bound=Place)


class _Places(Records[P]):
    id_field = "code"
    native = ("registered_at",)
    kind: ClassVar[str]  # how the refusal names the code

    async def add(self, entity: P) -> None:
        doc = self.to_doc(entity)
        await self._writing(doc, insert=True)
        with unique("duplicate_code", f"{self.kind} {entity.code} đã được đăng ký"):
            await self.collection.insert_one(doc, session=self.session)

    async def unplaced(self, *, after: str, limit: int) -> list[P]:
        codes = await self.unplaced_ids(after=after, limit=limit)
        return await self.fetch({"_id": {"$in": codes}}, sort="_id") if codes else []

    async def put(self, entity: P) -> None:
        await self.collection.replace_one({"_id": entity.code}, self.to_doc(entity), session=self.session)

    async def visible(
        self, scope: Scope, *, producer_id: str | None = None, by_code: bool = False, limit: int = 1000
    ) -> list[P]:
        """The places in ``scope`` (also limited to ``producer_id`` if given), by code or as stored."""
        query: dict[str, Any] = await self.scope_filter(scope)
        if producer_id:
            query = {"$and": [query, {"producer_id": producer_id}]} if query else {"producer_id": producer_id}
        return await self.fetch(query, sort="_id" if by_code else None, limit=limit)


class GrowingAreas(_Places[GrowingArea]):
    collection_name = "growing_areas"
    model = GrowingArea
    kind = "Mã vùng trồng"

    async def public(self, producer_id: str | None) -> list[GrowingArea]:
        """Every area (or a producer's), for the public map."""
        return await self.fetch({"producer_id": producer_id} if producer_id else {}, limit=10_000)


class PackingHouses(_Places[PackingHouse]):
    collection_name = "packing_houses"
    model = PackingHouse
    kind = "Mã cơ sở đóng gói"
