"""Named queries (``epcis_queries``), their subscriptions (``epcis_subscriptions``) and the events owed to
each subscription (``epcis_deliveries``: one row per subscription and event, kept until the subscriber
answered 2xx to a POST holding it). The dispatcher's lease is in ``epcis_state``."""

from __future__ import annotations

from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError

from ocop_shared.mongo import as_datetime
from ocop_shared.repository import unique
from ocop_traceability.adapters.base import Repository


class NamedQueries(Repository):
    collection_name = "epcis_queries"

    async def add(self, doc: dict[str, Any]) -> None:
        with unique("query_exists", "query name taken"):
            async with self.gate():
                await self.collection.insert_one(doc, session=self.session)

    async def get(self, name: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": name}, session=self.session)

    async def all(self, limit: int = 1000) -> list[dict[str, Any]]:
        return await self.collection.find({}, session=self.session).sort("_id", 1).limit(limit).to_list(limit)

    async def delete(self, name: str) -> None:
        async with self.gate():
            await self.collection.delete_one({"_id": name}, session=self.session)
            subs = self.collection.database.epcis_subscriptions
            ids = [s["_id"] async for s in subs.find({"query": name}, projection={"_id": 1}, session=self.session)]
            await subs.delete_many({"query": name}, session=self.session)
            for sub in ids:
                await self.collection.database.epcis_deliveries.delete_many({"sub": sub}, session=self.session)


def _subscription(doc: dict[str, Any]) -> dict[str, Any]:
    for name in ("created_at", "last_notified_at", "initial_record_time", "min_record_time"):
        doc[name] = as_datetime(doc.get(name))
    return doc


class Subscriptions(Repository):
    collection_name = "epcis_subscriptions"

    async def add(self, doc: dict[str, Any]) -> None:
        async with self.gate():
            await self.collection.insert_one(doc, session=self.session)

    async def get(self, sub_id: str) -> dict[str, Any] | None:
        doc = await self.collection.find_one({"_id": sub_id}, session=self.session)
        return _subscription(doc) if doc else None

    async def of_query(self, name: str) -> list[dict[str, Any]]:
        cursor = self.collection.find({"query": name}, session=self.session).sort("created_at", 1)
        return [_subscription(d) for d in await cursor.to_list(1000)]

    async def all(self) -> list[dict[str, Any]]:
        return [_subscription(d) for d in await self.collection.find({}, session=self.session).to_list(10_000)]

    async def update(self, sub_id: str, **fields: Any) -> None:
        async with self.gate():
            await self.collection.update_one({"_id": sub_id}, {"$set": fields}, session=self.session)

    async def delete(self, sub_id: str) -> None:
        async with self.gate():
            await self.collection.delete_one({"_id": sub_id}, session=self.session)
            await self.collection.database.epcis_deliveries.delete_many({"sub": sub_id}, session=self.session)


class Deliveries(Repository):
    collection_name = "epcis_deliveries"

    async def owe(self, sub_id: str, seqs: list[int]) -> None:
        """The subscription is owed these events (idempotent: a row per subscription and event)."""
        if not seqs:
            return
        rows = [{"_id": f"{sub_id}:{seq:015d}", "sub": sub_id, "seq": seq} for seq in seqs]
        async with self.gate():
            try:
                await self.collection.insert_many(rows, ordered=False, session=self.session)
            except (BulkWriteError, DuplicateKeyError) as exc:  # already owed: fine; anything else is not
                errors = getattr(exc, "details", {}).get("writeErrors", [])
                if not errors or any(e.get("code") != 11000 for e in errors):
                    raise

    async def pending(self, sub_id: str, limit: int) -> list[int]:
        cursor = self.collection.find({"sub": sub_id}, projection={"seq": 1}, session=self.session)
        return [r["seq"] for r in await cursor.sort("seq", 1).limit(limit).to_list(limit)]

    async def delivered(self, sub_id: str, seqs: list[int]) -> None:
        ids = [f"{sub_id}:{seq:015d}" for seq in seqs]
        async with self.gate():
            await self.collection.delete_many({"_id": {"$in": ids}}, session=self.session)


class DispatcherLease(Repository):
    collection_name = "epcis_state"

    async def hold(self, holder: str, now: float, seconds: float) -> bool:
        """One dispatcher per database at a time (several replicas may run)."""
        async with self.gate():
            try:
                await self.collection.find_one_and_update(
                    {"_id": "dispatcher", "$or": [{"holder": holder}, {"until": {"$lt": now}}]},
                    {"$set": {"holder": holder, "until": now + seconds}},
                    upsert=True,
                )
            except DuplicateKeyError:
                return False
        return True
