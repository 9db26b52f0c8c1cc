"""The public scan: verdicts, the read model behind the scan page, scan records and clone alerts.

Hot path: one lookup of the stamp by serial (hit or miss alike, so unknown codes cost the same time),
then the batch/area/product/producer parts from an in-process cache (short TTL, and dropped at once
when registry events change a product or producer). Scan records are buffered and written in batches
once a second; clone detection runs on in-memory per-stamp histories.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import random
import re
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pymongo import UpdateOne

from ocop_shared.logging import get_logger
from ocop_shared.mongo import transaction_gate
from ocop_traceability.domain.clones import CloneRule, ScanHistory
from ocop_traceability.domain.codes import display_serial, normalize_serial

log = get_logger(__name__)
_DUMMY = "0" * 17
_STAMP_FIELDS = {"url": 1, "run_id": 1, "batch_id": 1, "product_id": 1, "producer_id": 1, "seq": 1, "state": 1,
                 "scan_count": 1, "first_scan_at": 1, "clone_reason": 1}


@dataclass(frozen=True)
class Client:
    fingerprint: str  # browser family + hashed network prefix: coarse, no personal data
    network: str  # hashed network prefix (rate limiting)
    location: tuple[float, float] | None = None


def ua_family(user_agent: str) -> str:
    ua = user_agent or ""
    for name, pattern in (("zalo", r"Zalo"), ("facebook", r"FBAN|FBAV"), ("edge", r"Edg/"), ("firefox", r"Firefox/"),
                          ("chrome", r"Chrome/|CriOS/"), ("safari", r"Safari/"), ("bot", r"bot|crawl|spider|curl|python")):
        if re.search(pattern, ua, re.I):
            family = name
            break
    else:
        family = "other"
    return family + ("-mobile" if re.search(r"Mobile|Android|iPhone", ua) else "")


def client_of(ip: str, user_agent: str, salt: str, location: tuple[float, float] | None = None) -> Client:
    base = _client_base(ip, user_agent, salt)
    return base if location is None else Client(base.fingerprint, base.network, location)


@functools.lru_cache(maxsize=65536)
def _client_base(ip: str, user_agent: str, salt: str) -> Client:
    try:
        addr = ipaddress.ip_address(ip)
        prefix = str(ipaddress.ip_network(f"{addr}/{24 if addr.version == 4 else 48}", strict=False))
    except ValueError:
        prefix = "unknown"
    network = hashlib.sha256(f"{salt}:{prefix}".encode()).hexdigest()[:16]
    return Client(fingerprint=f"{ua_family(user_agent)}:{network}", network=network)


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
    def __init__(self, db, salt: str, rule: CloneRule, cache_ttl_s: float = 0.5, stamp_ttl_s: float = 10.0,
                 flush_interval_s: float = 1.0) -> None:
        self.flush_interval = flush_interval_s
        self.db, self.salt, self.rule, self.cache_ttl = db, salt, rule, cache_ttl_s
        self._parts: dict[str, tuple[float, dict]] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._stamps: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._refreshing: set[str] = set()
        self.stamp_ttl = stamp_ttl_s
        self._histories: OrderedDict[str, ScanHistory] = OrderedDict()
        self._pending: list[dict] = []
        self._unsaved: Counter = Counter()  # scans counted here, not yet added to stamps.scan_count
        self._first: dict[str, datetime] = {}
        self._flushes = 0
        self.counter_every = 10
        self._flagged: dict[str, str] = {}
        self._task: asyncio.Task | None = None

    # -- lifecycle: scan records are flushed in batches --------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_loop(), name="scan-flush")

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
        """Write buffered scan records (every flush) and the per-stamp counters (every
        ``counter_every`` flushes: one update per stamp is the expensive part on the embedded server)."""
        self._flushes += 1
        if self._pending:
            records, self._pending = self._pending, []
            for r in records:
                self._first.setdefault(r["serial"], r["at"])
            # every scan is kept; one document per flush (the write cost is per document)
            async with transaction_gate(self.db.client, self.db.name):
                await self.db.scans.insert_one({"from": records[0]["at"], "to": records[-1]["at"],
                                                "count": len(records), "scans": records})
        if counters is None:
            counters = self._flushes % self.counter_every == 0
        if counters and self._unsaved:
            unsaved, self._unsaved = self._unsaved, Counter()
            first, self._first = self._first, {}
            ops = []
            for serial, n in unsaved.items():
                ops.append(UpdateOne({"_id": serial}, {"$inc": {"scan_count": n}}))
                cached = self._stamps.get(serial)
                if not (cached and cached[1].get("first_scan_at")) and serial in first:
                    ops.append(UpdateOne({"_id": serial, "first_scan_at": None}, {"$set": {"first_scan_at": first[serial]}}))
                if cached:  # keep the cached document in step with what was just written
                    cached[1]["scan_count"] = int(cached[1].get("scan_count") or 0) + n
                    cached[1].setdefault("first_scan_at", first.get(serial))
            async with transaction_gate(self.db.client, self.db.name):
                await self.db.stamps.bulk_write(ops, ordered=False)

    # -- cache ---------------------------------------------------------------------------------
    async def _stamp(self, serial: str | None) -> dict | None:
        """Recently scanned stamps are served from memory (an expired entry is served once more while a
        background lookup refreshes it); any other code, real or not, costs one lookup, so an unscanned
        real code and a made-up one take the same time."""
        hit = self._stamps.get(serial) if serial else None
        if hit:
            self._stamps.move_to_end(serial)
            if hit[0] <= time.monotonic() and serial not in self._refreshing:
                self._refreshing.add(serial)
                asyncio.get_running_loop().create_task(self._refresh_stamp(serial))
            return hit[1]
        return await self._load_stamp(serial)

    async def _refresh_stamp(self, serial: str) -> None:
        try:
            await self._load_stamp(serial)
        except Exception:  # noqa: BLE001 - the next scan retries
            pass
        finally:
            self._refreshing.discard(serial)

    async def _load_stamp(self, serial: str | None) -> dict | None:
        stamp = await self.db.stamps.find_one({"_id": serial or _DUMMY}, projection=_STAMP_FIELDS)
        if stamp is not None:
            # jittered expiry: stamps cached together must not all expire (and reload) together
            self._stamps[serial] = (time.monotonic() + self.stamp_ttl * random.uniform(0.5, 1.5), stamp)
            while len(self._stamps) > 200_000:
                self._stamps.popitem(last=False)
        else:
            self._stamps.pop(serial, None)
        return stamp

    def invalidate_run(self, run_id: str) -> None:
        """Stamp states changed (activate/void) in this process: drop those stamps at once."""
        for serial in [k for k, (_e, doc) in self._stamps.items() if doc.get("run_id") == run_id]:
            self._stamps.pop(serial, None)

    def invalidate(self, *, product_id: str | None = None, producer_id: str | None = None,
                   batch_id: str | None = None) -> None:
        for key, (_exp, parts) in list(self._parts.items()):
            if (key == batch_id or parts["batch"].get("product_id") == product_id
                    or parts["batch"].get("producer_id") == producer_id):
                self._parts.pop(key, None)

    async def _batch_parts(self, batch_id: str) -> dict:
        """Fresh parts from the cache; when stale, one request refreshes while the others keep using the
        stale copy (no stampede); after an invalidation (registry event) everyone waits for fresh data."""
        hit = self._parts.get(batch_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        lock = self._loading.setdefault(batch_id, asyncio.Lock())
        if hit and lock.locked():
            return hit[1]
        async with lock:
            hit = self._parts.get(batch_id)
            if hit and hit[0] > time.monotonic():
                return hit[1]
            return await self._load_parts(batch_id)

    async def _load_parts(self, batch_id: str) -> dict:
        batch = await self.db.batches.find_one({"_id": batch_id}) or {}
        parts = {
            "batch": batch,
            "area": await self.db.growing_areas.find_one({"_id": batch.get("growing_area_code")}) or {},
            "product": await self.db.products.find_one({"_id": batch.get("product_id")}) or {},
            "producer": await self.db.producers.find_one({"_id": batch.get("producer_id")}) or {},
            "events": await self.db.batch_events.find({"batch_id": batch_id}, projection={"recorded_by": 0}
                                                      ).sort("time", 1).to_list(200),
        }
        self._parts[batch_id] = (time.monotonic() + self.cache_ttl, parts)
        if len(self._parts) > 50_000:
            self._parts.pop(next(iter(self._parts)))
        return parts

    # -- the verdict -----------------------------------------------------------------------------
    async def verify(self, code: str, client: Client, *, gtin: str | None = None, lot: str | None = None,
                     record: bool = True) -> dict[str, Any]:
        serial = normalize_serial(code)
        stamp = await self._stamp(serial)
        if stamp is None or (gtin is not None and not _gs1_matches(stamp, gtin, lot)):
            return unknown_view()
        parts = await self._batch_parts(stamp["batch_id"])
        now = datetime.now(UTC)
        reason = None
        if record:
            reason = self._record(stamp, client, now)
        reason = reason or self._flagged.get(stamp["_id"]) or stamp.get("clone_reason")
        return build_view(stamp, parts, now.date(), clone_reason=reason,
                          scans={"count": int(stamp.get("scan_count") or 0) + self._unsaved.get(stamp["_id"], 0),
                                 "first_at": _iso(stamp.get("first_scan_at")) or (now.isoformat() if record else None)})

    def _record(self, stamp: dict, client: Client, now: datetime) -> str | None:
        serial = stamp["_id"]
        self._pending.append({"serial": serial, "at": now, "client": client.fingerprint, "location": client.location,
                              "product_id": stamp["product_id"], "producer_id": stamp["producer_id"]})
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

    async def _alert(self, stamp: dict, reason: str, now: datetime) -> None:
        async with transaction_gate(self.db.client, self.db.name):
            await self.db.stamps.update_one({"_id": stamp["_id"]}, {"$set": {"clone_reason": reason,
                                                                              "clone_flagged_at": now}})
            await self.db.clone_alerts.update_one(
                {"_id": stamp["_id"]},
                {"$set": {"reason": reason, "at": now, "product_id": stamp["product_id"],
                          "producer_id": stamp["producer_id"], "run_id": stamp["run_id"], "seq": stamp["seq"]}},
                upsert=True)
        log.warning("stamp.suspected_clone", serial=stamp["_id"], reason=reason)


def _gs1_matches(stamp: dict, gtin: str, lot: str | None) -> bool:
    url = stamp.get("url", "")
    return f"/01/{gtin.zfill(14)}/10/{(lot or '').upper()}/21/" in url.upper()


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def unknown_view() -> dict[str, Any]:
    return {"verdict": "unknown", "product": None, "producer": None, "certificate": None, "growing_area": None,
            "batch": None, "events": [], "stamp": None}


def build_view(stamp: dict, parts: dict, today: date, *, clone_reason: str | None, scans: dict) -> dict[str, Any]:
    product, producer, area, batch = parts["product"], parts["producer"], parts["area"], parts["batch"]
    cert = product.get("certificate")
    verdict = "genuine"
    if stamp.get("state") == "void":
        verdict = "void"
    elif cert and cert.get("status") == "revoked":
        verdict = "revoked"
    elif cert and (cert.get("status") == "expired" or
                   (cert.get("status") == "active" and cert.get("valid_until", "9999") < today.isoformat())):
        verdict = "expired"
    elif clone_reason:
        verdict = "suspected_clone"
    return {
        "verdict": verdict,
        "stamp": {"code": display_serial(stamp["_id"]), "state": stamp.get("state"), "scans": scans,
                  "clone_warning": clone_reason},
        "product": {"id": product.get("_id"), "name": product.get("name"), "group": product.get("group"),
                    "images": product.get("images") or [], "unit": product.get("unit"), "gtin": product.get("gtin"),
                    "description": product.get("description")} if product else None,
        # public facts only: no phone, tax code or address
        "producer": {"name": producer.get("public_name"), "commune": (producer.get("commune") or {}).get("name"),
                     "province": (producer.get("province") or {}).get("name")} if producer else None,
        "certificate": {"stars": cert.get("stars"), "decision_no": cert.get("decision_no"),
                        "issued_on": cert.get("issued_on"), "valid_until": cert.get("valid_until"),
                        "status": cert.get("status")} if cert else None,
        "growing_area": {"code": area.get("code"), "name": area.get("name"), "crop": area.get("crop"),
                         "commune": (area.get("commune") or {}).get("name"),
                         "province": (area.get("province") or {}).get("name"),
                         "geometry": area.get("geometry")} if area else None,
        "batch": {"lot": batch.get("lot"), "harvest_date": batch.get("harvest_date"), "quantity": batch.get("quantity"),
                  "unit": batch.get("unit")} if batch else None,
        "events": [{"type": e["type"], "time": e["time"], "place": e["place"], "note": e.get("note", "")}
                   for e in parts["events"]],
    }
