"""The public scan: verdicts, scan records and clone alerts, with the caches that keep it fast.

Hot path: one lookup of the stamp by serial (hit or miss alike, so unknown codes cost the same time),
then the batch/area/product/producer parts from an in-process cache (short TTL, and dropped at once
when registry events change a product or producer). Scan records are buffered and written in batches
once a second; clone detection runs on in-memory per-stamp histories.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import zlib
from collections import Counter, OrderedDict
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Histogram

from ocop_shared.logging import get_logger
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.app.scan_view import BatchParts, public_view, unknown_view
from ocop_traceability.domain.clients import Client
from ocop_traceability.domain.clones import CloneRule, ScanHistory
from ocop_traceability.domain.codes import normalize_serial
from ocop_traceability.domain.stamps import Stamp

log = get_logger(__name__)
REFRESH_GATHER_S = 0.2  # stale stamps asked for within this long are re-read in one query


def counter_turn(serial: str, turns: int) -> int:
    """Which of ``turns`` flushes writes this stamp's scan counter (the same one every time)."""
    return zlib.crc32(serial.encode()) % turns


SCAN_FLUSH = Histogram(
    "ocop_scan_flush_seconds",
    "Writing the buffered scan records (and a tenth of the stamps' counters)",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
)


class RateLimiter:
    """Token bucket per network prefix (stops enumeration of codes)."""

    def __init__(self, capacity: int, per_second: float) -> None:
        self.capacity, self.rate = capacity, per_second
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> float:
        """0 if allowed, else seconds to wait."""
        now = time.monotonic()
        tokens, last = self.buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            wait = 0.0
        else:
            self.buckets[key] = (tokens, now)
            wait = (1 - tokens) / self.rate
        while len(self.buckets) > 100_000:
            self.buckets.popitem(last=False)
        return wait


class ScanService:
    """``reads`` is a unit of work used outside any transaction: plain reads and the gated buffered writes."""

    def __init__(
        self,
        reads: TraceabilityUow,
        rule: CloneRule,
        cache_ttl_s: float = 0.5,
        stamp_ttl_s: float = 10.0,
        flush_interval_s: float = 1.0,
    ) -> None:
        self.reads, self.rule = reads, rule
        self.flush_interval, self.cache_ttl, self.stamp_ttl = flush_interval_s, cache_ttl_s, stamp_ttl_s
        self._parts: dict[str, tuple[float, BatchParts]] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._reloading: set[str] = set()
        self._generation = 0  # bumped by every invalidation
        self._stamps: OrderedDict[str, tuple[float, Stamp]] = OrderedDict()
        self._refreshing: set[str] = set()  # stale stamps the next refresh re-reads
        self._refresher: asyncio.Task | None = None
        self._stamp_generation = 0  # bumped when this process changes stamps (a refresh then keeps nothing)
        self._histories: OrderedDict[str, ScanHistory] = OrderedDict()
        self._pending: list[dict[str, Any]] = []
        self._unsaved: Counter[str] = Counter()  # scans counted here, not yet added to the stamps' scan_count
        self._first: dict[str, datetime] = {}
        self._flushes = 0
        self.counter_every = 10
        self._flagged: dict[str, str] = {}
        self._task: asyncio.Task | None = None

    # -- lifecycle: scan records are flushed in batches --------------------------------------
    def start(self) -> asyncio.Task:
        self._task = asyncio.create_task(self._flush_loop(), name="scan-flush")
        return self._task

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.flush(counters=True)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            with contextlib.suppress(Exception):
                await self.flush()

    async def flush(self, *, counters: bool | None = None) -> None:
        """Write buffered scan records (every flush) and the per-stamp counters: each stamp's every
        ``counter_every`` flushes (one update per stamp is the expensive part on the embedded server), a tenth of
        the stamps at each flush, so the database's work is spread over the seconds instead of coming all at
        once (a second of the embedded server's CPU every ten seconds was the scan page's half-load tail).
        ``counters=True`` writes them all (at stop), ``False`` none."""
        with SCAN_FLUSH.time():
            await self._flush(counters)

    async def _flush(self, counters: bool | None) -> None:
        self._flushes += 1
        if self._pending:
            records, self._pending = self._pending, []
            for r in records:
                self._first.setdefault(r["serial"], r["at"])
            await self.reads.scans.add_batch(records)
        if counters is False:
            return
        unsaved, first = self._due_counters(everything=bool(counters))
        if not unsaved:
            return
        first_seen = {}
        for serial, n in unsaved.items():
            cached = self._stamps.get(serial)
            if not (cached and cached[1].first_scan_at) and serial in first:
                first_seen[serial] = first[serial]
            if cached:  # keep the cached stamp in step with what is written
                cached[1].scan_count += n
                if cached[1].first_scan_at is None:
                    cached[1].first_scan_at = first.get(serial)
        await self.reads.stamps.add_scans(dict(unsaved), first_seen)

    def _due_counters(self, *, everything: bool) -> tuple[Counter[str], dict[str, datetime]]:
        """The counters to write now (and the first scans among them), taken out of the buffer."""
        if everything:
            unsaved, self._unsaved = self._unsaved, Counter()
            first, self._first = self._first, {}
            return unsaved, first
        turn = self._flushes % self.counter_every
        unsaved = Counter({s: n for s, n in self._unsaved.items() if counter_turn(s, self.counter_every) == turn})
        for serial in unsaved:
            del self._unsaved[serial]
        return unsaved, {s: self._first.pop(s) for s in unsaved if s in self._first}

    # -- cache ---------------------------------------------------------------------------------
    async def stamp(self, serial: str | None) -> Stamp | None:
        """The stamp with this (canonical) serial, from the cache: the GS1 resolver's lookups (no scan recorded)."""
        return await self._stamp(serial)

    async def batch_parts(self, batch_id: str) -> BatchParts:
        """A batch's product, area, producer and trail, from the cache the scan page keeps current."""
        return await self._batch_parts(batch_id)

    async def _stamp(self, serial: str | None) -> Stamp | None:
        """Recently scanned stamps are served from memory (an expired entry is served once more while a
        background lookup refreshes it); any other code, real or not, costs one lookup, so an unscanned
        real code and a made-up one take the same time."""
        hit = self._stamps.get(serial) if serial else None
        if hit and serial:
            self._stamps.move_to_end(serial)
            if hit[0] <= time.monotonic() and serial not in self._refreshing:
                self._refreshing.add(serial)
                if self._refresher is None or self._refresher.done():
                    self._refresher = asyncio.get_running_loop().create_task(self._refresh_stale())
            return hit[1]
        return await self._load_stamp(serial)

    async def _refresh_stale(self) -> None:
        """Re-read the stamps whose cache entry expired, together: those asked for within ``REFRESH_GATHER_S``
        in one query (they are served from the cache meanwhile). One query per stamp was most of the database
        server's work in ``bench/scan.py``, on the cores the service shares with it."""
        while self._refreshing:  # those that went stale during a read are read next, not left waiting
            await asyncio.sleep(REFRESH_GATHER_S)
            serials, self._refreshing = list(self._refreshing), set()
            generation = self._stamp_generation
            try:
                found = await self.reads.stamps.for_scan_many(serials)
            except Exception:  # noqa: BLE001 - the stale entries stay; the next scans ask again
                continue
            if generation != self._stamp_generation:  # stamps changed meanwhile: what was read may predate it
                continue
            for serial in serials:
                self._keep(serial, found.get(serial))

    async def _load_stamp(self, serial: str | None) -> Stamp | None:
        stamp = await self.reads.stamps.for_scan(serial)
        if serial:
            self._keep(serial, stamp)
        return stamp

    def _keep(self, serial: str, stamp: Stamp | None) -> None:
        if stamp is None:
            self._stamps.pop(serial, None)
            return
        # jittered expiry: stamps cached together must not all expire (and reload) together
        self._stamps[serial] = (time.monotonic() + self.stamp_ttl * random.uniform(0.5, 1.5), stamp)
        while len(self._stamps) > 200_000:
            self._stamps.popitem(last=False)

    def invalidate_run(self, run_id: str) -> None:
        """Stamp states changed (activate/void) in this process: drop those stamps at once."""
        self._stamp_generation += 1
        for serial in [k for k, (_e, stamp) in self._stamps.items() if stamp.run_id == run_id]:
            self._stamps.pop(serial, None)

    def invalidate(
        self, *, product_id: str | None = None, producer_id: str | None = None, batch_id: str | None = None
    ) -> None:
        self._generation += 1
        for key, (_exp, parts) in list(self._parts.items()):
            batch = parts.batch
            if key == batch_id or (batch and (batch.product_id == product_id or batch.producer_id == producer_id)):
                self._parts.pop(key, None)

    async def _batch_parts(self, batch_id: str) -> BatchParts:
        """The batch's parts from the cache. A stale entry is served while one background task reloads it: no scan
        waits for a routine refresh (behind the embedded server's counter writes one took a second, which was the
        scan tail). After an invalidation (a registry event) the entry is gone and callers wait for fresh data,
        one load shared by all."""
        hit = self._parts.get(batch_id)
        if hit:
            if hit[0] <= time.monotonic() and batch_id not in self._reloading:
                self._reloading.add(batch_id)
                asyncio.get_running_loop().create_task(self._reload_parts(batch_id))
            return hit[1]
        lock = self._loading.setdefault(batch_id, asyncio.Lock())
        async with lock:
            hit = self._parts.get(batch_id)
            return hit[1] if hit else await self._load_parts(batch_id)

    async def _reload_parts(self, batch_id: str) -> None:
        try:
            await self._load_parts(batch_id)
        except Exception:  # noqa: BLE001 - the stale entry stays; the next scan retries
            pass
        finally:
            self._reloading.discard(batch_id)

    async def _load_parts(self, batch_id: str) -> BatchParts:
        generation = self._generation
        reads = self.reads
        batch = await reads.batches.get(batch_id)
        if batch is None:
            parts = BatchParts()
        else:
            parts = BatchParts(
                batch,
                await reads.growing_areas.get(batch.growing_area_code),
                await reads.products.get(batch.product_id),
                await reads.producers.get(batch.producer_id),
                await reads.trail.trail(batch_id, limit=200),
                await reads.listings.of_product(batch.product_id),
            )
        if generation == self._generation:  # else an invalidation came meanwhile: what was read may predate it
            self._parts[batch_id] = (time.monotonic() + self.cache_ttl, parts)
            if len(self._parts) > 50_000:
                self._parts.pop(next(iter(self._parts)))
        return parts

    # -- the verdict -----------------------------------------------------------------------------
    async def verify(
        self, code: str, client: Client, *, gtin: str | None = None, lot: str | None = None, record: bool = True
    ) -> dict[str, Any]:
        serial = normalize_serial(code)
        stamp = await self._stamp(serial)
        if stamp is None or (gtin is not None and not _gs1_matches(stamp, gtin, lot)):
            return unknown_view()
        parts = await self._batch_parts(stamp.batch_id)
        now = datetime.now(UTC)
        reason = None
        if record:
            reason = self._record(stamp, client, now)
        reason = reason or self._flagged.get(stamp.id) or stamp.clone_reason
        first = stamp.first_scan_at
        return public_view(
            stamp,
            parts,
            now.date(),
            clone_reason=reason,
            scans={
                "count": stamp.scan_count + self._unsaved.get(stamp.id, 0),
                "first_at": first.isoformat() if first else (now.isoformat() if record else None),
            },
        )

    def _record(self, stamp: Stamp, client: Client, now: datetime) -> str | None:
        serial = stamp.id
        self._pending.append(
            {
                "serial": serial,
                "at": now,
                "client": client.fingerprint,
                "location": client.location,
                "product_id": stamp.product_id,
                "producer_id": stamp.producer_id,
            }
        )
        self._unsaved[serial] += 1
        history = self._histories.pop(serial, None) or ScanHistory()
        history.add(now, client.fingerprint, client.location, self.rule)
        self._histories[serial] = history
        if len(self._histories) > 200_000:
            self._histories.popitem(last=False)
        reason = history.suspicious(self.rule)
        if reason and serial not in self._flagged:
            self._flagged[serial] = reason
            asyncio.get_running_loop().create_task(self._alert(stamp, reason, now))
        return reason

    async def _alert(self, stamp: Stamp, reason: str, now: datetime) -> None:
        await self.reads.clone_alerts.raise_for(stamp, reason, now)
        log.warning("stamp.suspected_clone", serial=stamp.id, reason=reason)


def _gs1_matches(stamp: Stamp, gtin: str, lot: str | None) -> bool:
    return f"/01/{gtin.zfill(14)}/10/{(lot or '').upper()}/21/" in stamp.url.upper()
