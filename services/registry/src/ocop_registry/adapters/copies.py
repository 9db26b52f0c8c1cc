"""Mongo stores of what the registry keeps from other services' events (never read from their databases)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ocop_shared.repository import MongoRepository


class ListingStatusRepository(MongoRepository):
    """One document per product and platform, from marketplace_sync's ``listing.*`` events."""

    collection_name = "listing_status"

    async def record(self, product_id: str, platform: str, version: int, fields: dict[str, Any]) -> bool:
        key = f"{product_id}:{platform}"
        current = await self.collection.find_one({"_id": key}, session=self.session)
        if current is not None and int(current.get("version", -1)) > version:
            return False  # an older state arriving late
        # $set merges: a failure keeps the external id the last publication gave
        await self.collection.update_one(
            {"_id": key},
            {"$set": {"product_id": product_id, "platform": platform, "version": version, **fields}},
            upsert=True,
            session=self.session,
        )
        return True

    async def published(self) -> list[dict[str, Any]]:
        """Every published listing (the portal's "where to buy")."""
        docs = await self.collection.find({"status": "published"}, session=self.session).to_list(None)
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]

    async def of_product(self, product_id: str) -> list[dict[str, Any]]:
        docs = (
            await self.collection.find({"product_id": product_id}, session=self.session).sort("platform", 1).to_list()
        )
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs]


class PortalStatusRepository(MongoRepository):
    """One document per product: its state on the national traceability portal, from national_sync's
    ``national.product.*`` events (KPI report: "on the national portal")."""

    collection_name = "portal_status"

    async def record(self, product_id: str, revision: int, fields: dict[str, Any]) -> bool:
        current = await self.collection.find_one({"_id": product_id}, session=self.session)
        if current is not None and int(current.get("revision", -1)) > revision:
            return False  # an older state arriving late
        await self.collection.update_one(
            {"_id": product_id}, {"$set": {"revision": revision, **fields}}, upsert=True, session=self.session
        )
        return True

    async def published_among(self, product_ids: Iterable[str]) -> set[str]:
        cursor = self.collection.find(
            {"_id": {"$in": list(product_ids)}, "status": "published"}, projection={"_id": 1}, session=self.session
        )
        return {d["_id"] async for d in cursor}

    async def of_product(self, product_id: str) -> dict[str, Any] | None:
        doc = await self.collection.find_one({"_id": product_id}, session=self.session)
        return {k: v for k, v in doc.items() if k != "_id"} if doc else None


class TracedProductRepository(MongoRepository):
    """Products with traceability stamp runs, from traceability's ``stamp_run.issued`` events (KPI report)."""

    collection_name = "traced_products"

    async def record_run(self, product_id: str, producer_id: str, issued_at: datetime, count: int) -> None:
        await self.collection.update_one(
            {"_id": product_id},
            {
                "$setOnInsert": {"first_run_at": issued_at.isoformat(), "producer_id": producer_id},
                "$inc": {"runs": 1, "stamps": count},
            },
            upsert=True,
            session=self.session,
        )

    async def among(self, product_ids: Iterable[str]) -> set[str]:
        cursor = self.collection.find({"_id": {"$in": list(product_ids)}}, projection={"_id": 1}, session=self.session)
        return {d["_id"] async for d in cursor}


class GrowingAreaCopyRepository(MongoRepository):
    """Growing areas (vùng trồng) with their outline, from traceability's ``growing_area.registered`` events:
    public facts only (the portal's map and product pages)."""

    collection_name = "growing_areas"

    async def put(self, code: str, fields: dict[str, Any]) -> None:
        # the replacement names its _id: the embedded server would otherwise give an upserted one an ObjectId
        doc = {"_id": code, **fields, "code": code}
        await self.collection.replace_one({"_id": code}, doc, upsert=True, session=self.session)

    async def all(self) -> list[dict[str, Any]]:
        docs = await self.collection.find({}, session=self.session).to_list(None)
        return [{k: v for k, v in d.items() if k != "_id"} for d in docs if isinstance(d.get("code"), str)]


class ChangeMarkerRepository(MongoRepository):
    """Whether anything changed since a snapshot was read, in two cheap reads: the newest outbox row (every
    registry change the portal shows emits an event in its transaction) and the number of events applied
    (``inbox``: listings, growing areas). Not a count of anything: compared for equality only."""

    collection_name = "outbox"

    async def marker(self) -> tuple[Any, int]:
        newest = await self.collection.find_one({}, projection={"_id": 1}, sort=[("_id", -1)], session=self.session)
        applied = await self.collection.database["inbox"].estimated_document_count()
        return (newest or {}).get("_id"), applied
