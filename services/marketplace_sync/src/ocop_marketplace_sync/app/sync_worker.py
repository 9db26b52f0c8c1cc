"""The sync worker: pushes pending listings a few at a time, woken by new desired states (or every second),
and runs reconciliations. Each push continues the trace of the event that set the listing's desired state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import timedelta

from ocop_marketplace_sync.app.commands import Reconcile
from ocop_marketplace_sync.app.ports import DeadLetters, Marketplace, UnitOfWork
from ocop_marketplace_sync.app.reconcile import reconcile
from ocop_marketplace_sync.app.sync import RETRY_DELAY, push_listing
from ocop_marketplace_sync.domain.listing_state import Listing
from ocop_shared.events.envelope import utcnow
from ocop_shared.logging import bound_contextvars, get_logger
from ocop_shared.tracing import reset_traceparent, set_traceparent, trace_id_of

log = get_logger(__name__)


class SyncWorker:
    def __init__(
        self,
        uows: Callable[[], UnitOfWork],
        marketplaces: Mapping[str, Marketplace],
        dead_letters: DeadLetters,
        *,
        concurrency: int = 8,
        retry_delay: timedelta = RETRY_DELAY,
    ) -> None:
        self.uows = uows  # a new unit of work per push: each records its outcome in its own transaction
        self.marketplaces = marketplaces
        self.dead_letters = dead_letters
        self.concurrency = concurrency
        self.retry_delay = retry_delay
        self._wake = asyncio.Event()
        self._running: set[str] = set()
        self._background: set[asyncio.Task] = set()  # reconciliations asked for by a resync (kept referenced)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> asyncio.Task:
        return asyncio.create_task(self._loop(), name="listing-sync")

    async def _loop(self) -> None:
        while True:
            # cleared before the look, not after: a listing committed while a pass finds nothing due would
            # otherwise wait the whole second (as the outbox relay's wake-up once did)
            self._wake.clear()
            try:
                done = await self.run_once()
            except Exception:
                log.exception("sync.pass_failed")
                done = 0
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)

    async def run_once(self) -> int:
        """One pass over the pending listings that are due; returns how many were pushed."""
        now = utcnow()
        due = [
            entry
            for entry in await self.uows().listings.pending()
            if entry.id not in self._running and entry.is_due(now)
        ]
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(listing: Listing) -> None:
            async with semaphore:
                await self.sync(listing)

        await asyncio.gather(*(one(entry) for entry in due))
        return len(due)

    async def sync(self, listing: Listing) -> None:
        platform = self.marketplaces.get(listing.platform)
        if platform is None:  # a platform disabled since: its listings wait
            return
        self._running.add(listing.id)
        token = set_traceparent(listing.traceparent)
        try:
            with bound_contextvars(trace_id=trace_id_of(listing.traceparent)):
                await push_listing(listing, platform, self.uows(), self.dead_letters, retry_delay=self.retry_delay)
        finally:
            reset_traceparent(token)
            self._running.discard(listing.id)

    async def reconcile(self, product_id: str | None = None) -> int:
        drifted = await reconcile(Reconcile(product_id), self.uows(), self.marketplaces)
        if drifted:
            self.wake()
        return drifted

    def start_reconciler(self, interval_s: float) -> asyncio.Task:
        async def every_interval() -> None:
            while True:
                await asyncio.sleep(interval_s)
                with contextlib.suppress(Exception):  # a platform or the database down: next time
                    await self.reconcile()

        return asyncio.create_task(every_interval(), name="reconciler")

    def reconcile_soon(self, product_id: str | None) -> None:
        task = asyncio.get_running_loop().create_task(self.reconcile(product_id), name="reconcile")
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("reconcile.failed", error=repr(task.exception()))
