"""What the scan page writes: scan records (buffered: one document a flush) and clone alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocop_shared.auth import Scope
from ocop_traceability.adapters.base import Records, Repository
from ocop_traceability.domain.alerts import CloneAlert
from ocop_traceability.domain.stamps import Stamp


class ScanRecords(Repository):
    collection_name = "scans"

    async def add_batch(self, records: list[dict[str, Any]]) -> None:
        """Every scan is kept; one document per flush (the write cost is per document)."""
        async with self.gate():
            await self.collection.insert_one(
                {"from": records[0]["at"], "to": records[-1]["at"], "count": len(records), "scans": records},
                session=self.session,
            )


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
