"""What the registry keeps from other services' events: where each product is listed (marketplace_sync's
``listing.*``), which products have traceability stamps (traceability's ``stamp_run.issued``) and the growing
areas with their outline (``growing_area.registered``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocop_registry.app.ports import UnitOfWork
from ocop_shared.events.models import (
    GrowingAreaRegistered,
    ListingDelisted,
    ListingFailed,
    ListingPublished,
    PortalProductFailed,
    PortalProductPublished,
    PortalProductWithdrawn,
    StampRunIssued,
)

ListingEvent = ListingPublished | ListingDelisted | ListingFailed
PortalEvent = PortalProductPublished | PortalProductWithdrawn | PortalProductFailed


async def record_listing(event: ListingEvent, at: datetime, uow: UnitOfWork) -> bool:
    """Keep the platform's latest state of the product (an older version arriving late changes nothing)."""
    fields: dict[str, Any] = {"at": at.isoformat(), "reason": getattr(event, "reason", None)}
    if isinstance(event, ListingFailed):
        fields["status"] = "failed"  # the external id of an earlier publication is kept
    else:
        fields |= {
            "status": "published" if isinstance(event, ListingPublished) else "delisted",
            "external_id": event.external_id,
            "url": event.url if isinstance(event, ListingPublished) else None,  # where to buy, while listed
        }
    async with uow:
        changed = await uow.listings.record(event.product_id, event.platform, event.version, fields)
        await uow.commit()
    return changed


async def record_stamp_run(event: StampRunIssued, uow: UnitOfWork) -> None:
    async with uow:
        await uow.traced.record_run(event.product_id, event.producer_id, event.issued_at, event.count)
        await uow.commit()


async def record_area(event: GrowingAreaRegistered, uow: UnitOfWork) -> None:
    """Keep a growing area's public facts and outline (a repeated event writes the same document)."""
    async with uow:
        await uow.areas.put(event.code, event.model_dump(mode="json", exclude={"code"}))
        await uow.commit()


async def record_portal_state(event: PortalEvent, at: datetime, uow: UnitOfWork) -> bool:
    """The product's latest state on the national portal (an older revision arriving late changes nothing)."""
    fields: dict[str, Any] = {"at": at.isoformat(), "reason": getattr(event, "reason", None)}
    if isinstance(event, PortalProductPublished):
        fields |= {"status": "published", "portal_id": event.portal_id, "events": event.events}
    elif isinstance(event, PortalProductWithdrawn):
        fields |= {"status": "withdrawn", "portal_id": event.portal_id}
    else:
        fields["status"] = "failed"
    async with uow:
        changed = await uow.portal.record(event.product_id, event.revision, fields)
        await uow.commit()
    return changed
