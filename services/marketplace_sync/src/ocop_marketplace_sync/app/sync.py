"""Listing sync: certification events set the desired state of each (product, platform) listing; a worker
pushes it to the platform, outside any transaction, and records the outcome with its event.

Desired state only moves forward (``desired_version`` is the product version of the event that set it),
so an old event never overwrites a newer one. The worker marks a listing done only if the desired
version did not change while it was talking to the platform (compare-and-set); otherwise it goes again.
A crash between the platform call and the record just repeats the call: creates carry an idempotency key
(voso) or our product id as external reference (postmart), so no duplicate listing appears.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_marketplace_sync.adapters.marketplace import Marketplace, PlatformError
from ocop_marketplace_sync.domain.listing import ListingDraft
from prometheus_client import Counter

from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import MARKETPLACE, ListingDelisted, ListingFailed, ListingPublished, dlq
from ocop_shared.logging import bound_contextvars, get_logger
from ocop_shared.mongo import as_datetime, transaction_gate
from ocop_shared.tracing import current_traceparent, reset_traceparent, set_traceparent, trace_id_of

LISTING_OPERATIONS = Counter("ocop_listing_operations_total", "Calls to marketplace platforms by outcome",
                             ["platform", "operation", "result"])

log = get_logger(__name__)
LISTED, DELISTED = "listed", "delisted"


async def set_desired(db: AsyncDatabase, platforms: list[str], product_id: str, version: int, desired: str,
                      draft: dict[str, Any] | None, session: AsyncClientSession) -> None:
    """Inside the consumer's transaction: record what every platform should show for the product."""
    for platform in platforms:
        key = f"{product_id}:{platform}"
        current = await db.listings.find_one({"_id": key}, session=session)
        if current is not None and int(current.get("desired_version", -1)) >= version:
            continue  # an older or repeated event
        fields = {"product_id": product_id, "platform": platform, "desired": desired, "desired_version": version,
                  "status": "pending", "next_attempt_at": None,
                  # the trace of the certification event: platform calls and listing events continue it
                  "traceparent": current_traceparent()}
        if draft is not None:
            fields["draft"] = draft
        if current is None:
            fields |= {"external_id": None, "last_synced_at": None, "last_error": None, "synced_version": None}
        await db.listings.update_one({"_id": key}, {"$set": fields}, upsert=True, session=session)


class SyncWorker:
    def __init__(self, runtime, marketplaces: dict[str, Marketplace], *, concurrency: int = 8,
                 retry_delay: timedelta = timedelta(seconds=5)) -> None:
        self.runtime, self.db = runtime, runtime.db
        self.marketplaces = marketplaces
        self.concurrency = concurrency
        self.retry_delay = retry_delay
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._running: set[str] = set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> asyncio.Task:
        self._task = asyncio.create_task(self._loop(), name="listing-sync")
        return self._task

    async def _loop(self) -> None:
        while True:
            try:
                done = await self.run_once()
            except Exception:  # noqa: BLE001 - keep syncing
                log.exception("sync.pass_failed")
                done = 0
            if not done:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)

    async def run_once(self) -> int:
        now = utcnow()
        due = [d for d in await self.db.listings.find({"status": "pending"}).to_list(500)
               if d["_id"] not in self._running and _due(d.get("next_attempt_at"), now)]
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(doc):
            async with semaphore:
                await self.sync(doc)

        await asyncio.gather(*(one(d) for d in due))
        return len(due)

    async def sync(self, listing: dict[str, Any]) -> None:
        token = set_traceparent(listing.get("traceparent"))
        try:
            with bound_contextvars(trace_id=trace_id_of(listing.get("traceparent"))):
                await self._sync(listing)
        finally:
            reset_traceparent(token)

    async def _sync(self, listing: dict[str, Any]) -> None:
        key, platform = listing["_id"], listing["platform"]
        adapter = self.marketplaces.get(platform)
        if adapter is None:
            return
        self._running.add(key)
        version = listing["desired_version"]
        operation = "upsert" if listing["desired"] == LISTED else "delist"
        try:
            if listing["desired"] == LISTED:
                draft = ListingDraft.model_validate(listing["draft"])
                external_id = await adapter.upsert(draft, listing.get("external_id"))
                await self._record(listing, version, "published", external_id, None,
                                   ListingPublished(product_id=listing["product_id"], platform=platform,
                                                    version=version, external_id=external_id))
            else:
                if listing.get("external_id"):
                    await adapter.delist(listing["external_id"])
                await self._record(listing, version, "delisted", listing.get("external_id"), None,
                                   ListingDelisted(product_id=listing["product_id"], platform=platform,
                                                   version=version, external_id=listing.get("external_id"),
                                                   reason="certificate no longer active"))
            LISTING_OPERATIONS.labels(platform, operation, "ok").inc()
            log.info("listing.synced", product_id=listing["product_id"], platform=platform, operation=operation,
                     version=version)
        except PlatformError as exc:
            LISTING_OPERATIONS.labels(platform, operation, "retry" if exc.retryable else "failed").inc()
            log.warning("listing.platform_error", product_id=listing["product_id"], platform=platform,
                        operation=operation, reason=exc.reason[:300], retryable=exc.retryable)
            if exc.retryable:
                await self._later(key, version, exc.reason)
            else:
                await self._record(listing, version, "failed", listing.get("external_id"), exc.reason,
                                   ListingFailed(product_id=listing["product_id"], platform=platform, version=version,
                                                 reason=exc.reason))
                await self.runtime.broker.publish(
                    {"listing": key, "platform": platform, "version": version, "reason": exc.reason,
                     "draft": listing.get("draft")}, topic=dlq(MARKETPLACE), key=listing["product_id"].encode(),
                    headers={"x-dlq-reason": "platform_rejected", "x-dlq-error": exc.reason[:2000]})
        except Exception as exc:  # noqa: BLE001 - network trouble beyond the adapter's retries: later
            LISTING_OPERATIONS.labels(platform, operation, "retry").inc()
            log.warning("listing.unreachable", product_id=listing["product_id"], platform=platform, error=repr(exc))
            await self._later(key, version, repr(exc))
        finally:
            self._running.discard(key)

    async def _record(self, listing: dict, version: int, status: str, external_id: str | None,
                      error: str | None, event) -> None:
        async with self.runtime.uow() as uow:
            result = await self.db.listings.update_one(
                {"_id": listing["_id"], "desired_version": version},
                {"$set": {"status": status, "external_id": external_id, "synced_version": version,
                          "last_synced_at": utcnow(), "last_error": error}}, session=uow.session)
            if result.matched_count:  # else a newer desired state arrived meanwhile: it stays pending
                uow.emit(event, key=listing["product_id"])
                await uow.commit()
            elif external_id:  # keep the id we got so the next pass updates instead of creating
                await self.db.listings.update_one({"_id": listing["_id"]}, {"$set": {"external_id": external_id}},
                                                  session=uow.session)
                await uow.commit()

    async def _later(self, key: str, version: int, error: str) -> None:
        async with transaction_gate(self.db.client, self.db.name):
            await self.db.listings.update_one(
                {"_id": key, "desired_version": version},
                {"$set": {"last_error": error[:500], "next_attempt_at": utcnow() + self.retry_delay}})

    async def reconcile(self, product_id: str | None = None) -> int:
        """Compare what each platform holds with what it should hold; mark drifted listings pending."""
        query: dict[str, Any] = {"status": {"$in": ["published", "delisted"]}}
        if product_id:
            query["product_id"] = product_id
        drifted = 0
        for listing in await self.db.listings.find(query).to_list(10_000):
            adapter = self.marketplaces.get(listing["platform"])
            if adapter is None or not listing.get("external_id"):
                continue
            try:
                remote = await adapter.fetch(listing["external_id"])
            except Exception:  # noqa: BLE001 - the platform is down: try at the next reconciliation
                continue
            wanted = listing["desired"] == LISTED
            missing = remote is None or remote.status != "active"
            price = (listing.get("draft") or {}).get("price_vnd")
            stale = wanted and not missing and price is not None and _price(remote.data) != price
            if (wanted and (missing or stale)) or (not wanted and not missing):
                drifted += 1
                fields = {"status": "pending", "next_attempt_at": None}
                if wanted and remote is None:
                    fields["external_id"] = None  # deleted behind our back: create it again
                async with transaction_gate(self.db.client, self.db.name):
                    await self.db.listings.update_one({"_id": listing["_id"]}, {"$set": fields})
        if drifted:
            self.wake()
        return drifted


def _price(data: dict) -> int | None:
    return data.get("price", data.get("sale_price"))


def _due(when: datetime | str | None, now: datetime) -> bool:
    return when is None or as_datetime(when) <= now
