"""Registry subscriber of ``ocop.marketplace.v1``: where each product is listed, as marketplace_sync reports
it (shown with the product: ``GET /products/{id}`` → ``listings``)."""

from __future__ import annotations

from ocop_shared.events.models import MARKETPLACE, ListingDelisted, ListingFailed, ListingPublished
from ocop_shared.web import Runtime


def subscribe(runtime: Runtime) -> None:
    consumer = runtime.consumer(MARKETPLACE)

    async def record(event, payload, status: str, session, **extra) -> None:
        key = f"{payload.product_id}:{payload.platform}"
        current = await runtime.db.listing_status.find_one({"_id": key}, session=session)
        if current is not None and int(current.get("version", -1)) > payload.version:
            return  # an older state arriving late
        await runtime.db.listing_status.update_one(
            {"_id": key},
            {"$set": {"product_id": payload.product_id, "platform": payload.platform, "status": status,
                      "version": payload.version, "at": event.time.isoformat(), **extra}},
            upsert=True, session=session)

    @consumer.on(ListingPublished)
    async def published(event, payload: ListingPublished, session) -> None:
        await record(event, payload, "published", session, external_id=payload.external_id, reason=None)

    @consumer.on(ListingDelisted)
    async def delisted(event, payload: ListingDelisted, session) -> None:
        await record(event, payload, "delisted", session, external_id=payload.external_id, reason=payload.reason)

    @consumer.on(ListingFailed)
    async def failed(event, payload: ListingFailed, session) -> None:
        await record(event, payload, "failed", session, reason=payload.reason)
