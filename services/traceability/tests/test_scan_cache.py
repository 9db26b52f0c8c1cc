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


class StampReads:
    """The stamp reads the cache makes, counted; the stored state can change under it."""

    def __init__(self, serials: list[str]) -> None:
        self.state = dict.fromkeys(serials, "active")
        self.single = 0
        self.many: list[list[str]] = []
        self.hold = asyncio.Event()  # cleared: a refresh read waits (a busy database)
        self.hold.set()
        self.stamps = SimpleNamespace(for_scan=self._one, for_scan_many=self._many)

    def _stamp(self, serial: str):
        from ocop_traceability.domain.stamps import Stamp

        return Stamp(
            id=serial,
            run_id="r",
            batch_id="b",
            product_id="p",
            producer_id="pr",
            seq=1,
            url=f"https://t.example/S/{serial}",
            state=self.state[serial],
        )

    async def _one(self, serial: str):
        self.single += 1
        return self._stamp(serial) if serial in self.state else None

    async def _many(self, serials: list[str]):
        self.many.append(sorted(serials))
        found = {s: self._stamp(s) for s in serials if s in self.state}  # read when the query starts
        await self.hold.wait()
        return found


async def test_stale_stamps_are_served_and_reread_together_in_one_query() -> None:
    serials = [f"S{i:03d}" for i in range(30)]
    reads = StampReads(serials)
    scan = ScanService(reads, CloneRule(), stamp_ttl_s=0.0)  # type: ignore[arg-type]  # stale at once
    for s in serials:
        assert (await scan.stamp(s)).state == "active"
    assert reads.single == 30 and reads.many == []
    for s in serials:
        reads.state[s] = "void"  # changed by another replica
    for s in serials:  # all stale: served as cached, none waits for the database
        assert (await scan.stamp(s)).state == "active"
    assert reads.single == 30
    await asyncio.sleep(0.3)
    assert reads.many == [sorted(serials)]  # one query for the thirty
    assert [(await scan.stamp(s)).state for s in serials] == ["void"] * 30


async def test_a_stamp_gone_stale_during_a_refresh_read_is_read_next() -> None:
    reads = StampReads(["S1", "S2"])
    scan = ScanService(reads, CloneRule(), stamp_ttl_s=0.0)  # type: ignore[arg-type]
    await scan.stamp("S1")
    await scan.stamp("S2")
    reads.hold.clear()
    await scan.stamp("S1")  # stale: a refresh reads S1 and waits for its answer
    await asyncio.sleep(0.3)
    await scan.stamp("S2")  # goes stale while that read is in flight
    reads.state["S2"] = "void"
    reads.hold.set()
    await asyncio.sleep(0.4)
    assert reads.many == [["S1"], ["S2"]]  # not left waiting for some later stale scan
    assert (await scan.stamp("S2")).state == "void"


async def test_a_refresh_overtaken_by_a_change_in_this_process_keeps_nothing() -> None:
    reads = StampReads(["S1"])
    scan = ScanService(reads, CloneRule(), stamp_ttl_s=0.0)  # type: ignore[arg-type]
    await scan.stamp("S1")
    reads.hold.clear()
    await scan.stamp("S1")  # stale: a refresh is due
    await asyncio.sleep(0.3)
    assert reads.many == [["S1"]]  # it has read the active stamp and waits for its answer
    reads.state["S1"] = "void"
    scan.invalidate_run("r")  # this process voided the run meanwhile
    reads.hold.set()
    await asyncio.sleep(0.05)
    assert "S1" not in scan._stamps  # nothing kept: the next scan reads the stamp itself
    assert (await scan.stamp("S1")).state == "void" and reads.single == 2


def test_scan_records_stored_in_columns_read_back_as_they_were_written() -> None:
    from datetime import timedelta

    from ocop_traceability.adapters.scans import columns, rows

    start = datetime(2026, 12, 1, 8, 30, 0, 123000, tzinfo=UTC)
    records = [
        {
            "serial": f"S{i}",
            "at": start + timedelta(milliseconds=7 * i),
            "client": f"chrome:{i:016x}",
            "location": (21.03, 105.85) if i % 2 else None,
            "product_id": "p",
            "producer_id": "pr",
        }
        for i in range(5)
    ]
    doc = columns(records)
    assert doc["v"] == 2 and doc["count"] == 5 and doc["at_ms"] == [0, 7, 14, 21, 28]
    assert rows(doc) == records
    assert rows({"from": start, "scans": records[:2]}) == records[:2]  # the first layout still reads


async def test_scan_counters_are_written_a_slice_per_flush_each_stamp_once_per_round() -> None:
    from ocop_traceability.domain.clients import client_of

    serials = [f"S{i:03d}" for i in range(100)]
    reads = StampReads(serials)
    written: list[dict[str, int]] = []

    async def add_scans(counts, _first_seen):
        written.append(counts)

    async def add_batch(_records):
        pass

    reads.stamps.add_scans = add_scans
    reads.scans = SimpleNamespace(add_batch=add_batch)
    scan = ScanService(reads, CloneRule(max_clients=1000))  # type: ignore[arg-type]
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    for serial in serials:
        stamp = await scan.stamp(serial)
        for _ in range(3):
            scan._record(stamp, client_of("203.0.113.9", "bench", "salt"), now)
    for _ in range(scan.counter_every):
        await scan.flush()
    assert len(written) == scan.counter_every and max(len(w) for w in written) < 30  # spread, not all at once
    merged = [s for w in written for s in w]
    assert sorted(merged) == serials  # every stamp once in the round
    assert all(n == 3 for w in written for n in w.values())
    scan._record(await scan.stamp("S001"), client_of("203.0.113.9", "bench", "salt"), now)
    await scan.flush(counters=True)  # at stop: whatever is left, at once
    assert written[-1] == {"S001": 1}
