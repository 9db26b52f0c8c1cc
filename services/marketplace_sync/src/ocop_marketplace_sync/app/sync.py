"""The sync worker's decisions for one pending listing: push it to its platform, outside any transaction,
then record the outcome with its event.

The outcome is kept only if the desired version did not change while we talked to the platform
(compare-and-set); otherwise the listing stays pending and goes again with the newer state. A crash between
the platform call and the record just repeats the call: creates carry an idempotency key (voso) or our
product id as external reference (postmart), so no duplicate listing appears.
"""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import Counter

from ocop_marketplace_sync.app.ports import DeadLetters, Marketplace, UnitOfWork
from ocop_marketplace_sync.domain.listing_state import LISTED, Listing, SyncOutcome
from ocop_marketplace_sync.domain.platform import PlatformError
from ocop_shared.events.envelope import utcnow
from ocop_shared.logging import get_logger

LISTING_OPERATIONS = Counter(
    "ocop_listing_operations_total", "Calls to marketplace platforms by outcome", ["platform", "operation", "result"]
)
RETRY_DELAY = timedelta(seconds=5)  # after the adapter's own retries gave up on a transient failure

log = get_logger(__name__)


async def push_listing(
    listing: Listing,
    platform: Marketplace,
    uow: UnitOfWork,
    dead_letters: DeadLetters,
    *,
    retry_delay: timedelta = RETRY_DELAY,
) -> None:
    """Published, delisted, failed (a 4xx: with the platform's reason, and to the DLQ) or tried again later."""
    name, operation = listing.platform, listing.operation
    try:
        if listing.desired == LISTED:
            placed = await platform.upsert(listing.draft_to_publish(), listing.external_id)
            outcome = listing.published(placed.external_id, utcnow(), url=placed.url)
        else:
            if listing.external_id:
                await platform.delist(listing.external_id)
            outcome = listing.delisted(utcnow())
        await record(outcome, uow)
        LISTING_OPERATIONS.labels(name, operation, "ok").inc()
        log.info(
            "listing.synced",
            product_id=listing.product_id,
            platform=name,
            operation=operation,
            version=listing.desired_version,
        )
    except PlatformError as exc:
        LISTING_OPERATIONS.labels(name, operation, "retry" if exc.retryable else "failed").inc()
        log.warning(
            "listing.platform_error",
            product_id=listing.product_id,
            platform=name,
            operation=operation,
            reason=exc.reason[:300],
            retryable=exc.retryable,
        )
        if exc.retryable:
            await uow.listings.retry_later(listing.retry_at(exc.reason, utcnow() + retry_delay))
        else:
            await record(listing.rejected(exc.reason, utcnow()), uow)
            await dead_letters.platform_rejected(listing, exc.reason)
    except Exception as exc:  # noqa: BLE001 - network trouble beyond the adapter's retries: later
        LISTING_OPERATIONS.labels(name, operation, "retry").inc()
        log.warning("listing.unreachable", product_id=listing.product_id, platform=name, error=repr(exc))
        await uow.listings.retry_later(listing.retry_at(repr(exc), utcnow() + retry_delay))


async def record(outcome: SyncOutcome, uow: UnitOfWork) -> bool:
    """The outcome and its listing event together, if the pushed version is still the desired one."""
    async with uow:
        if await uow.listings.record(outcome):
            uow.emit(outcome.event, key=outcome.product_id)
            await uow.commit()
            return True
        if outcome.external_id:  # a newer state arrived meanwhile: keep the id so its push updates, not creates
            await uow.listings.keep_external_id(outcome.listing_id, outcome.external_id)
            await uow.commit()
    return False
