"""The ``records`` collection: one document per product (``_id`` = our product id).

Consumers write the facts inside their inbox transaction and raise ``revision`` (state ``due``); the worker
writes outcome fields outside one, guarded by ``revision`` (compare-and-set), so neither overwrites the
other's newer state. Stages live under ``stages.<trail event id>``: a redelivered event sets the same key.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ocop_national_sync.domain.record import Outcome, PortalRecord, Stage
from ocop_shared.events.models import CertificateSnapshot, ProductSnapshot
from ocop_shared.logging import get_logger
from ocop_shared.mongo import as_datetime
from ocop_shared.repository import GatedRepository

log = get_logger(__name__)
DATETIME_FIELDS = ("last_synced_at", "next_attempt_at")
_DUE = {"state": "due"}


class RecordRepository(GatedRepository):
    collection_name = "records"

    @staticmethod
    def from_doc(doc: dict[str, Any]) -> PortalRecord:
        fields = {**doc, **{f: as_datetime(doc.get(f)) for f in DATETIME_FIELDS}, "id": doc["_id"]}
        stages = fields.get("stages") or {}
        fields["stages"] = {k: {**v, "time": as_datetime(v.get("time"))} for k, v in stages.items()}
        return PortalRecord.model_validate(fields)

    def _valid(self, docs: list[dict[str, Any]]) -> list[PortalRecord]:
        out = []
        for doc in docs:
            try:
                out.append(self.from_doc(doc))
            except ValidationError as exc:  # logged and left out: it cannot stall the others
                log.warning("portal_record.unreadable", record=doc.get("_id"), error=str(exc)[:300])
        return out

    async def get(self, product_id: str) -> PortalRecord | None:
        doc = await self.collection.find_one({"_id": product_id}, session=self.session)
        return self._valid([doc])[0] if doc else None

    async def _change(self, product_id: str, fields: dict[str, Any], traceparent: str | None = None) -> None:
        changes: dict[str, Any] = {
            "$set": {**fields, **_DUE, "next_attempt_at": None, "attempts": 0},
            "$inc": {"revision": 1},
        }
        if traceparent:
            changes["$set"]["traceparent"] = traceparent
        await self.collection.update_one({"_id": product_id}, changes, upsert=True, session=self.session)

    async def _version(self, product_id: str, field: str) -> int:
        doc = await self.collection.find_one({"_id": product_id}, projection={field: 1}, session=self.session)
        return int((doc or {}).get(field) or 0)

    async def apply_product(self, product: ProductSnapshot, version: int, traceparent: str | None) -> bool:
        if await self._version(product.product_id, "product_version") >= version:
            return False
        fields = {
            "product": product.model_dump(mode="json"),
            "product_version": version,
            "producer_id": product.producer_id,
        }
        await self._change(product.product_id, fields, traceparent)
        return True

    async def apply_certificate(self, certificate: CertificateSnapshot, version: int, traceparent: str | None) -> bool:
        if await self._version(certificate.product_id, "certificate_version") >= version:
            return False
        fields = {"certificate": certificate.model_dump(mode="json"), "certificate_version": version}
        await self._change(certificate.product_id, fields, traceparent)
        return True

    async def add_stamp_run(self, product_id: str, producer_id: str, run_id: str, count: int) -> bool:
        doc = await self.collection.find_one({"_id": product_id}, projection={"stamp_runs": 1}, session=self.session)
        if run_id in ((doc or {}).get("stamp_runs") or []):
            return False
        await self.collection.update_one(
            {"_id": product_id},
            {"$push": {"stamp_runs": run_id}, "$inc": {"stamps": count}},
            upsert=True,
            session=self.session,
        )
        await self._change(product_id, {"producer_id": producer_id})
        return True

    async def add_stage(self, product_id: str, producer_id: str, stage: Stage) -> bool:
        key = f"stages.{stage.trail_event_id}"
        if await self.collection.find_one({"_id": product_id, key: {"$exists": True}}, session=self.session):
            return False
        await self._change(product_id, {"producer_id": producer_id, key: stage.model_dump(mode="json")})
        return True

    async def touch_producer(self, producer_id: str) -> int:
        result = await self.collection.update_many(
            {"producer_id": producer_id},
            {"$set": {**_DUE, "next_attempt_at": None}, "$inc": {"revision": 1}},
            session=self.session,
        )
        return result.modified_count

    async def due(self, limit: int) -> list[PortalRecord]:
        return self._valid(await self.collection.find(_DUE, session=self.session).to_list(limit))

    async def record(self, outcome: Outcome) -> bool:
        fields: dict[str, Any] = {
            "state": "done",
            "status": outcome.status,
            "missing": outcome.missing,
            "last_error": outcome.error,
            "last_synced_at": outcome.at,
            "next_attempt_at": None,
            "attempts": 0,
        }
        if outcome.on_portal is not None:
            fields["on_portal"] = outcome.on_portal
        result = await self.collection.update_one(
            {"_id": outcome.record_id, "revision": outcome.revision}, {"$set": fields}, session=self.session
        )
        return bool(result.matched_count)

    async def keep_portal_id(self, product_id: str, portal_id: str) -> None:
        async with self.alone():
            await self.collection.update_one(
                {"_id": product_id}, {"$set": {"portal_id": portal_id}}, session=self.session
            )

    async def pushed(self, product_id: str, epcis_event_id: str) -> None:
        """Read, then ``$push`` if absent (the embedded server ignores ``$addToSet``); one worker pushes a record
        at a time, so nothing else appends to the list meanwhile."""
        async with self.alone():
            doc = await self.collection.find_one({"_id": product_id}, projection={"pushed": 1}, session=self.session)
            if epcis_event_id not in ((doc or {}).get("pushed") or []):
                await self.collection.update_one(
                    {"_id": product_id}, {"$push": {"pushed": epcis_event_id}}, session=self.session
                )

    async def retry_later(self, product_id: str, revision: int, error: str, at: datetime) -> None:
        async with self.alone():
            await self.collection.update_one(
                {"_id": product_id, "revision": revision},
                {"$set": {"last_error": error, "next_attempt_at": at, "status": "pending"}, "$inc": {"attempts": 1}},
                session=self.session,
            )

    async def resync(self, product_id: str | None) -> int:
        query = {"_id": product_id} if product_id else {}
        async with self.alone():
            result = await self.collection.update_many(
                query,
                {"$set": {**_DUE, "next_attempt_at": None, "attempts": 0}, "$inc": {"revision": 1}},
                session=self.session,
            )
        return result.modified_count

    async def listed(self, product_ids: Collection[str] | None, limit: int) -> list[PortalRecord]:
        query = {} if product_ids is None else {"_id": {"$in": list(product_ids)}}
        docs = await self.collection.find(query, session=self.session).sort("_id", 1).to_list(limit)
        return self._valid(docs)

    async def of_producers(self, producer_ids: Collection[str]) -> set[str]:
        cursor = self.collection.find(
            {"producer_id": {"$in": list(producer_ids)}}, projection={"_id": 1}, session=self.session
        )
        return {d["_id"] async for d in cursor}
