"""The worker: pushes due records a few at a time, woken by the consumers (or every half second). Each push
continues the trace of the event that changed the record."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

from ocop_national_sync.app.ports import DeadLetters, Portal, UnitOfWork
from ocop_national_sync.app.sync import due_now, push_record
from ocop_national_sync.domain.record import PortalRecord
from ocop_shared.events.envelope import utcnow
from ocop_shared.logging import bound_contextvars, get_logger
from ocop_shared.tracing import reset_traceparent, set_traceparent, trace_id_of

log = get_logger(__name__)
BATCH = 500  # records one pass looks at


class PortalWorker:
    def __init__(
        self,
        uows: Callable[[], UnitOfWork],
        portal: Portal | None,
        dead_letters: DeadLetters,
        *,
        concurrency: int = 8,
        retry_base: timedelta = timedelta(seconds=1),
    ) -> None:
        self.uows, self.portal, self.dead_letters = uows, portal, dead_letters
        self.concurrency, self.retry_base = concurrency, retry_base
        self._wake = asyncio.Event()
        self._running: set[str] = set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> asyncio.Task:
        return asyncio.create_task(self._loop(), name="portal-sync")

    async def _loop(self) -> None:
        while True:
            self._wake.clear()  # before the look: a record committed during an empty pass must not wait
            try:
                done = await self.run_once()
            except Exception:
                log.exception("portal.pass_failed")
                done = 0
            if not done:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.5)

    async def run_once(self) -> int:
        """One pass over the due records; returns how many were pushed."""
        due = [r for r in due_now(await self.uows().records.due(BATCH), utcnow()) if r.id not in self._running]
        semaphore = asyncio.Semaphore(self.concurrency)

        async def one(record: PortalRecord) -> None:
            async with semaphore:
                await self.push(record)

        await asyncio.gather(*(one(r) for r in due))
        return len(due)

    async def push(self, record: PortalRecord) -> str:
        self._running.add(record.id)
        token = set_traceparent(record.traceparent)
        try:
            with bound_contextvars(trace_id=trace_id_of(record.traceparent)):
                return await push_record(record, self.portal, self.uows(), self.dead_letters, base=self.retry_base)
        finally:
            reset_traceparent(token)
            self._running.discard(record.id)
