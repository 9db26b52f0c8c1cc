"""Batches (unique lot per product: the ``lot_key`` index) and their trail events."""

from __future__ import annotations

from typing import Any

from ocop_shared.repository import unique
from ocop_traceability.adapters.base import Records
from ocop_traceability.domain.batches import Batch, TrailEvent


class Batches(Records[Batch]):
    collection_name = "batches"
    model = Batch
    native = ("created_at",)

    def to_doc(self, entity: Batch) -> dict[str, Any]:
        return super().to_doc(entity) | {"lot_key": entity.lot_key}

    async def add(self, entity: Batch) -> None:
        doc = self.to_doc(entity)
        await self._writing(doc, insert=True)
        with unique("duplicate_lot", f"Sản phẩm đã có lô {entity.lot}"):
            await self.collection.insert_one(doc, session=self.session)

    async def by_lot(self, product_id: str, lot: str) -> Batch | None:
        found = await self.fetch({"lot_key": f"{product_id}:{lot}"}, limit=1)
        return found[0] if found else None

    async def lots_of(self, product_id: str) -> set[str]:
        docs = self.collection.find({"product_id": product_id}, projection={"lot": 1}, session=self.session)
        return {d["lot"] async for d in docs}


class TrailEvents(Records[TrailEvent]):
    collection_name = "batch_events"
    model = TrailEvent
    native = ("recorded_at",)

    def to_doc(self, entity: TrailEvent) -> dict[str, Any]:
        # the time as entered, offset included (``isoformat``: "+00:00", not pydantic's "Z")
        return super().to_doc(entity) | {"time": entity.time.isoformat()}

    async def add(self, entity: TrailEvent) -> None:
        doc = self.to_doc(entity)
        await self._writing(doc, insert=True)
        await self.collection.insert_one(doc, session=self.session)

    async def set_epcis_id(self, event_id: str, epcis_event_id: str) -> None:
        """The EPCIS event a trail event written before EPCIS existed became (the back-fill)."""
        await self.collection.update_one(
            {"_id": event_id}, {"$set": {"epcis_event_id": epcis_event_id}}, session=self.session
        )

    async def trail(self, batch_id: str, limit: int = 0) -> list[TrailEvent]:
        """A batch's events in time order (who recorded them is not read: it is never shown)."""
        cursor = self.collection.find({"batch_id": batch_id}, projection={"recorded_by": 0}, session=self.session)
        return [e for d in await cursor.sort("time", 1).to_list(limit or None) if (e := self.load(d)) is not None]
