"""The ``listings`` collection: one document per (product, platform), ``_id = "<product_id>:<platform>"``.

The consumer writes the desired fields inside its inbox transaction; the sync worker writes the outcome
fields outside, guarded by ``desired_version`` (compare-and-set), so neither overwrites the other's newer state.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ocop_marketplace_sync.domain.listing_state import Listing, Retry, SyncOutcome
from ocop_shared.logging import get_logger
from ocop_shared.mongo import as_datetime
from ocop_shared.repository import GatedRepository

log = get_logger(__name__)

DESIRED_FIELDS = ("product_id", "platform", "desired", "desired_version", "status", "next_attempt_at", "traceparent")
DATETIME_FIELDS = ("next_attempt_at", "last_synced_at")
PENDING_BATCH = 500  # listings one worker pass looks at
LIST_LIMIT = 1000
RECONCILE_LIMIT = 10_000


class ListingRepository(GatedRepository):
    collection_name = "listings"

    @staticmethod
    def to_doc(listing: Listing) -> dict[str, Any]:
        doc = listing.model_dump()
        doc["_id"] = doc.pop("id")
        if doc["draft"] is None:
            del doc["draft"]  # a first delisting has no draft; a later one keeps the last
        return doc

    @staticmethod
    def from_doc(doc: dict[str, Any]) -> Listing:
        # the embedded server reads datetimes written by $set back as ISO strings
        fields = {**doc, **{f: as_datetime(doc.get(f)) for f in DATETIME_FIELDS}, "id": doc["_id"]}
        return Listing.model_validate(fields)

    def _valid(self, docs: list[dict[str, Any]]) -> list[Listing]:
        """A document that no longer reads as a listing is logged and left out, so it cannot stall the others."""
        out = []
        for doc in docs:
            try:
                out.append(self.from_doc(doc))
            except ValidationError as exc:
                log.warning("listing.unreadable", listing=doc.get("_id"), error=str(exc)[:300])
        return out

    async def get(self, listing_id: str) -> Listing | None:
        doc = await self.collection.find_one({"_id": listing_id}, session=self.session)
        return self.from_doc(doc) if doc else None

    async def add(self, listing: Listing) -> None:
        doc = self.to_doc(listing)
        await self.collection.update_one({"_id": doc.pop("_id")}, {"$set": doc}, upsert=True, session=self.session)

    async def save_desired(self, listing: Listing) -> None:
        """Only the desired side: the outcome fields are the worker's."""
        doc = self.to_doc(listing)
        fields = {name: doc[name] for name in DESIRED_FIELDS}
        if listing.draft is not None:
            fields["draft"] = doc["draft"]
        await self.collection.update_one({"_id": listing.id}, {"$set": fields}, session=self.session)

    async def of_product(self, product_id: str | None) -> list[Listing]:
        query = {"product_id": product_id} if product_id else {}
        docs = await self.collection.find(query, session=self.session).sort("_id", 1).to_list(LIST_LIMIT)
        return self._valid(docs)

    async def pending(self) -> list[Listing]:
        docs = await self.collection.find({"status": "pending"}, session=self.session).to_list(PENDING_BATCH)
        return self._valid(docs)

    async def record(self, outcome: SyncOutcome) -> bool:
        result = await self.collection.update_one(
            {"_id": outcome.listing_id, "desired_version": outcome.version},
            {
                "$set": {
                    "status": outcome.status,
                    "external_id": outcome.external_id,
                    "url": outcome.url,
                    "synced_version": outcome.version,
                    "last_synced_at": outcome.at,
                    "last_error": outcome.error,
                }
            },
            session=self.session,
        )
        return bool(result.matched_count)

    async def keep_external_id(self, listing_id: str, external_id: str) -> None:
        await self.collection.update_one(
            {"_id": listing_id}, {"$set": {"external_id": external_id}}, session=self.session
        )

    async def retry_later(self, retry: Retry) -> None:
        async with self.alone():
            await self.collection.update_one(
                {"_id": retry.listing_id, "desired_version": retry.version},
                {"$set": {"last_error": retry.error, "next_attempt_at": retry.at}},
                session=self.session,
            )

    async def settled(self, product_id: str | None) -> list[Listing]:
        query: dict[str, Any] = {"status": {"$in": ["published", "delisted"]}}
        if product_id:
            query["product_id"] = product_id
        docs = await self.collection.find(query, session=self.session).to_list(RECONCILE_LIMIT)
        return self._valid(docs)

    async def mark_for_repair(self, listing_id: str, *, forget_external_id: bool) -> None:
        fields: dict[str, Any] = {"status": "pending", "next_attempt_at": None}
        if forget_external_id:
            fields["external_id"] = None
        async with self.alone():
            await self.collection.update_one({"_id": listing_id}, {"$set": fields}, session=self.session)

    async def resync(self, product_id: str | None) -> int:
        query = {"product_id": product_id} if product_id else {}
        async with self.alone():
            result = await self.collection.update_many(
                query, {"$set": {"status": "pending", "next_attempt_at": None}}, session=self.session
            )
        return result.modified_count
