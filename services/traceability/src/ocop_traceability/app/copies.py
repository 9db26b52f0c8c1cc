"""Use cases of registry events: keep traceability's copies of producers and products (and their current
certificate) up to date, and of marketplace events: where each product is on sale. An older version never
overwrites a newer one. Returns whether the copy changed."""

from __future__ import annotations

from ocop_shared.events.models import ListingDelisted, ListingFailed, ListingPublished
from ocop_traceability.app.commands import CopyProducer, CopyProduct
from ocop_traceability.app.ports import TraceabilityUow


async def copy_producer(cmd: CopyProducer, uow: TraceabilityUow) -> bool:
    async with uow:
        changed = await uow.producers.apply(cmd.producer, cmd.version)
        await uow.commit()
    return changed


async def copy_product(cmd: CopyProduct, uow: TraceabilityUow) -> bool:
    async with uow:
        changed = await uow.products.apply(cmd.product, cmd.version, cmd.certificate)
        await uow.commit()
    return changed


async def copy_listing(event: ListingPublished | ListingDelisted | ListingFailed, uow: TraceabilityUow) -> bool:
    """Where the product is on sale: the platform's product URL while published, none once delisted or refused."""
    url = event.url if isinstance(event, ListingPublished) else None
    async with uow:
        changed = await uow.listings.record(event.product_id, event.platform, event.version, url)
        await uow.commit()
    return changed
