"""What the scan page writes: scan records (buffered: one document a flush) and clone alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ocop_shared.auth import Scope
from ocop_traceability.adapters.base import Records, Repository
from ocop_traceability.domain.alerts import CloneAlert
from ocop_traceability.domain.stamps import Stamp

_FIELDS = ("serial", "client", "location", "product_id", "producer_id")


def columns(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A flush's scan records as one document of columns (``v`` 2): one list per field, the times as milliseconds
    after ``from``. A list of ~1,000 sub-documents (``v`` 1, ``scans``) cost the embedded server 37–57 ms of CPU a
    flush, columns 16 ms, on the cores the service shares with it; BSON dates hold milliseconds, so nothing is lost."""
    start = records[0]["at"]
    doc: dict[str, Any] = {"v": 2, "from": start, "to": records[-1]["at"], "count": len(records)}
    doc["at_ms"] = [round((r["at"] - start).total_seconds() * 1000) for r in records]
    for field in _FIELDS:
        doc[field] = [list(r[field]) if field == "location" and r[field] else r[field] for r in records]
    return doc


def rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The scan records of a stored document, either layout (``v`` 2 columns, or the first ``scans`` rows)."""
    if doc.get("v") != 2:
        return list(doc.get("scans") or [])
    start = doc["from"]
    out = []
    for i, ms in enumerate(doc["at_ms"]):
        record = {"at": start + timedelta(milliseconds=ms)}
        for field in _FIELDS:
            value = doc[field][i]
            record[field] = tuple(value) if field == "location" and value else value
        out.append(record)
    return out


class ScanRecords(Repository):
    collection_name = "scans"

    async def add_batch(self, records: list[dict[str, Any]]) -> None:
        """Every scan is kept; one document per flush (the write cost is per document), in columns."""
        async with self.gate():
            await self.collection.insert_one(columns(records), session=self.session)


class CloneAlerts(Records[CloneAlert]):
    collection_name = "clone_alerts"
    model = CloneAlert
    native = ("at",)

    async def raise_for(self, stamp: Stamp, reason: str, at: datetime) -> None:
        """The stamp keeps the reason too, so every instance's scan page shows it."""
        alert = CloneAlert(
            id=stamp.id,
            reason=reason,
            at=at,
            product_id=stamp.product_id,
            producer_id=stamp.producer_id,
            run_id=stamp.run_id,
            seq=stamp.seq,
        )
        fields = {k: v for k, v in self.to_doc(alert).items() if k != "_id"}
        stamps = self.collection.database.stamps
        async with self.gate():
            await stamps.update_one(
                {"_id": stamp.id}, {"$set": {"clone_reason": reason, "clone_flagged_at": at}}, session=self.session
            )
            await self.collection.update_one({"_id": stamp.id}, {"$set": fields}, upsert=True, session=self.session)

    async def newest(self, scope: Scope, limit: int) -> list[CloneAlert]:
        return await self.fetch(await self.scope_filter(scope), sort="at", descending=True, limit=limit)
