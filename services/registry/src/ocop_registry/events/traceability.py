"""Registry subscriber of ``ocop.traceability.v1``: which products have traceability stamps (KPI report)."""

from __future__ import annotations

from ocop_shared.events.models import TRACEABILITY, StampRunIssued
from ocop_shared.web import Runtime


def subscribe(runtime: Runtime) -> None:
    consumer = runtime.consumer(TRACEABILITY)

    @consumer.on(StampRunIssued)
    async def stamp_run_issued(event, payload: StampRunIssued, session) -> None:
        await runtime.db.traced_products.update_one(
            {"_id": payload.product_id},
            {"$setOnInsert": {"first_run_at": payload.issued_at.isoformat(), "producer_id": payload.producer_id},
             "$inc": {"runs": 1, "stamps": payload.count}},
            upsert=True, session=session)
