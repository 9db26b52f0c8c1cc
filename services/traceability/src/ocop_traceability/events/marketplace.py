"""Subscriber of ``ocop.marketplace.v1``: where each product is on sale, for the scan page's "where to buy" (the
scan page's cache forgets the product's parts once the copy is committed)."""

from __future__ import annotations

from functools import partial

from pymongo.asynchronous.client_session import AsyncClientSession

from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import MARKETPLACE, ListingDelisted, ListingFailed, ListingPublished
from ocop_shared.inbox import after_commit
from ocop_traceability.app.copies import copy_listing
from ocop_traceability.runtime import TraceabilityRuntime

ListingEvent = ListingPublished | ListingDelisted | ListingFailed


def subscribe(runtime: TraceabilityRuntime) -> None:
    consumer = runtime.consumer(MARKETPLACE)

    async def listing_changed(_event: CloudEvent, payload: ListingEvent, session: AsyncClientSession) -> None:
        await copy_listing(payload, runtime.uow_in(session))
        after_commit(session, partial(runtime.scan.invalidate, product_id=payload.product_id))

    for listing_event in (ListingPublished, ListingDelisted, ListingFailed):
        consumer.on(listing_event)(listing_changed)
