"""The scan page's batch cache: a routine refresh never makes a scan wait, an invalidation does, and a load
that an invalidation overtook is not kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from ocop_traceability.app.scan import ScanService
from ocop_traceability.domain.batches import Batch
from ocop_traceability.domain.clones import CloneRule


class SlowReads:
    """The reads the cache makes; ``hold`` stops the batch reads started while it is clear (a busy database)."""

    def __init__(self) -> None:
        self.hold = asyncio.Event()
        self.hold.set()
        self.quantity = 10.0
        self.loads = 0
        nothing = SimpleNamespace(get=self._none)
        self.batches = SimpleNamespace(get=self._batch)
        self.growing_areas = self.products = self.producers = nothing
        self.trail = SimpleNamespace(trail=self._empty)
        self.listings = SimpleNamespace(of_product=self._empty)

    async def _batch(self, batch_id: str) -> Batch:
        self.loads += 1
        quantity, hold = self.quantity, self.hold  # what the database holds, and this read's hold, when it starts
        await hold.wait()
        return Batch(
            id=batch_id,
            product_id="p",
            producer_id="pr",
            growing_area_code="VN-19-063-02020-001",
            harvest_date=date(2026, 10, 28),
            quantity=quantity,
            unit="kg",
            lot="L1",
            created_at=datetime(2026, 10, 28, tzinfo=UTC),
        )

    async def _none(self, *_a: Any) -> None:
        return None

    async def _empty(self, *_a: Any, **_k: Any) -> list:
        return []


def _service(reads: SlowReads) -> ScanService:
    return ScanService(reads, CloneRule(), cache_ttl_s=0.0)  # type: ignore[arg-type]  # every entry is stale at once


async def test_a_stale_entry_is_served_at_once_and_reloaded_in_the_background() -> None:
    reads = SlowReads()
    scan = _service(reads)
    first = await scan.batch_parts("b")
    assert first.batch and first.batch.quantity == 10.0
    reads.hold = asyncio.Event()  # the database is now slow
    reads.quantity = 12.0
    served = await asyncio.wait_for(scan.batch_parts("b"), timeout=0.5)  # does not wait for the reload
    assert served is first
    await asyncio.sleep(0)
    assert reads.loads == 2  # one reload started
    await scan.batch_parts("b")
    assert reads.loads == 2  # and only one while it runs
    reads.hold.set()
    for _ in range(20):
        await asyncio.sleep(0.01)
        fresh = await scan.batch_parts("b")
        if fresh is not first:
            break
    assert fresh.batch and fresh.batch.quantity == 12.0


async def test_after_an_invalidation_scans_wait_for_fresh_parts() -> None:
    reads = SlowReads()
    scan = _service(reads)
    await scan.batch_parts("b")
    reads.quantity = 15.0
    scan.invalidate(batch_id="b")
    fresh = await scan.batch_parts("b")
    assert fresh.batch and fresh.batch.quantity == 15.0


async def test_a_load_overtaken_by_an_invalidation_is_not_kept() -> None:
    reads = SlowReads()
    scan = _service(reads)
    await scan.batch_parts("b")
    slow = reads.hold = asyncio.Event()
    await scan.batch_parts("b")  # stale: a background reload starts, reads quantity 10 and is held
    await asyncio.sleep(0)
    reads.quantity = 20.0
    scan.invalidate(batch_id="b")  # a registry event while the reload is in flight
    reads.hold = asyncio.Event()
    reads.hold.set()
    fresh = await scan.batch_parts("b")  # waits for a load started after the invalidation
    assert fresh.batch and fresh.batch.quantity == 20.0
    slow.set()  # the overtaken reload finishes last, with what it read before the invalidation
    await asyncio.sleep(0.05)
    again = await scan.batch_parts("b")
    assert again.batch and again.batch.quantity == 20.0
