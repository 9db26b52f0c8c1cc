"""Registry subscriber of ``ocop.marketplace.v1``: where each product is listed, as marketplace_sync reports
it (shown with the product: ``GET /products/{id}`` → ``listings``)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_registry.app.copies import record_listing
from ocop_registry.runtime import RegistryRuntime
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import MARKETPLACE, ListingDelisted, ListingFailed, ListingPublished


def subscribe(runtime: RegistryRuntime) -> None:
    consumer = runtime.consumer(MARKETPLACE)

    @consumer.on(ListingPublished)
    async def published(event: CloudEvent, payload: ListingPublished, session: AsyncClientSession) -> None:
        await record_listing(payload, event.time, runtime.uow_in(session))
        runtime.portal.invalidate()  # where to buy changed

    @consumer.on(ListingDelisted)
    async def delisted(event: CloudEvent, payload: ListingDelisted, session: AsyncClientSession) -> None:
        await record_listing(payload, event.time, runtime.uow_in(session))
        runtime.portal.invalidate()

    @consumer.on(ListingFailed)
    async def failed(event: CloudEvent, payload: ListingFailed, session: AsyncClientSession) -> None:
        await record_listing(payload, event.time, runtime.uow_in(session))
        runtime.portal.invalidate()
