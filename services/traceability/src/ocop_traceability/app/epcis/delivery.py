"""The delivery of subscriptions: nothing recorded is lost, whatever crashes.

1. Every stored EPCIS event has a row in ``epcis_fanout``, written in the same transaction as the event
   (the events' outbox).
2. The dispatcher (one per database: a lease) reads those rows in order, runs each subscription's query
   on them (with its creator's reach) and writes what each subscription is owed (``epcis_deliveries``,
   one row per subscription and event: doing it twice after a crash changes nothing), then drops the rows.
3. For each subscription it POSTs the owed events, oldest first, as one ``EPCISQueryDocument`` (at most
   ``batch`` events), signed (``GS1-Signature``); the rows are dropped only after a 2xx. Any other
   answer, a timeout or a refused address is retried with exponential backoff (``retry_base_s`` doubling,
   up to ``retry_max_s``); a 413 halves the batch. Delivery is at least once: a receiver dedupes by
   ``eventID`` (or the ``OCOP-Delivery-ID`` header).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from ocop_shared.events.envelope import utcnow
from ocop_shared.logging import get_logger
from ocop_traceability.app.epcis.capture import WORKER
from ocop_traceability.app.epcis.policy import principal_of
from ocop_traceability.app.epcis.query import event_filter, merged, served
from ocop_traceability.app.epcis.subscriptions import named_query
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.epcis.documents import Prefixes, query_document
from ocop_traceability.domain.epcis.errors import EpcisError
from ocop_traceability.domain.epcis.query import Query
from ocop_traceability.domain.epcis.record import epoch_ms
from ocop_traceability.domain.epcis.schedule import Schedule

log = get_logger(__name__)
FANOUT_BATCH = 500


class Sender(Protocol):  # adapters.epcis.webhook.WebhookSender
    async def post(self, dest: str, body: bytes, *, token: str | None, delivery_id: str) -> int: ...


class Lease(Protocol):  # adapters.epcis.subscriptions.DispatcherLease
    async def hold(self, holder: str, now: float, seconds: float) -> bool: ...


class Dispatcher:
    def __init__(
        self,
        new_uow: Callable[[], TraceabilityUow],
        sender: Sender,
        lease: Lease,
        *,
        interval_s: float = 0.5,
        batch: int = 100,
        retry_base_s: float = 1.0,
        retry_max_s: float = 3600.0,
        worker: str = WORKER,
    ) -> None:
        self.new_uow, self.sender, self.lease = new_uow, sender, lease
        self.interval_s, self.batch = interval_s, batch
        self.retry_base_s, self.retry_max_s = retry_base_s, retry_max_s
        self.holder = f"{worker}-{id(self):x}"
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            worked = 0
            self._wake.clear()  # before the look: an event recorded during an idle step must not wait
            try:
                if await self.lease.hold(self.holder, time.time(), max(10.0, self.interval_s * 20)):
                    worked = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("epcis.dispatch_failed", exc_info=True)
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)

    async def step(self) -> int:
        """One round: fan out, back-fill, send what is due. Returns how much was done (0: idle)."""
        uow = self.new_uow()
        subs = await uow.subscriptions.all()
        queries = {}
        for sub in subs:
            try:
                queries[sub["_id"]] = await self._query(sub, uow)
            except EpcisError:
                continue  # its named query is gone (deleted meanwhile)
        return (
            await self.fan_out(uow, subs, queries)
            + await self.backfill(uow, subs, queries)
            + await self.send_due(uow, subs, queries)
        )

    async def _query(self, sub: dict[str, Any], uow: TraceabilityUow) -> Query:
        doc = await uow.named_queries.get(sub["query"])
        if doc is None:
            raise EpcisError("named query gone")
        return named_query(doc, uow, {})

    async def _owed(
        self,
        uow: TraceabilityUow,
        sub: dict[str, Any],
        q: Query,
        extra: dict[str, Any],
        limit: int,
        within: list[int] | None = None,
    ) -> list[int]:
        flt = await event_filter(q, principal_of(sub["by"]), uow, uow.epcis_config.minting, within=within)
        if flt is None:
            return []
        initial = sub.get("initial_record_time")
        since = {"record_ms": {"$gte": epoch_ms(initial)}} if initial else {}
        return await uow.epcis.seqs_matching(merged(flt, extra, since), limit)

    async def fan_out(self, uow: TraceabilityUow, subs: list[dict], queries: dict[str, Query]) -> int:
        seqs = await uow.epcis.fanout_pending(FANOUT_BATCH)
        if not seqs:
            return 0
        for sub in subs:
            if sub["_id"] in queries:
                owed = await self._owed(uow, sub, queries[sub["_id"]], {}, len(seqs), within=seqs)
                await uow.deliveries.owe(sub["_id"], owed)
        await uow.epcis.fanout_done(seqs)
        return len(seqs)

    async def backfill(self, uow: TraceabilityUow, subs: list[dict], queries: dict[str, Query]) -> int:
        """Subscriptions with an ``initialRecordTime`` in the past are owed the events recorded since."""
        done = 0
        for sub in subs:
            if sub.get("backfill") != "pending" or sub["_id"] not in queries:
                continue
            after = int(sub.get("backfill_after") or 0)
            owed = await self._owed(uow, sub, queries[sub["_id"]], {"seq": {"$gt": after}}, FANOUT_BATCH)
            await uow.deliveries.owe(sub["_id"], owed)
            fields: dict[str, Any] = {"backfill_after": max(owed, default=after)}
            if len(owed) < FANOUT_BATCH:
                fields["backfill"] = "done"
            await uow.subscriptions.update(sub["_id"], **fields)
            done += len(owed) + 1
        return done

    async def send_due(self, uow: TraceabilityUow, subs: list[dict], queries: dict[str, Query]) -> int:
        sent = 0
        now = time.time()
        for sub in subs:
            if float(sub.get("next_attempt") or 0) > now or sub["_id"] not in queries:
                continue
            size = int(sub.get("batch") or self.batch)
            seqs = await uow.deliveries.pending(sub["_id"], size)
            if sub.get("stream"):
                if seqs:
                    sent += await self._send(uow, sub, seqs, size)
            elif seqs or sub.get("report_if_empty"):
                sent += await self._send(uow, sub, seqs, size)
            else:
                await uow.subscriptions.update(sub["_id"], next_attempt=self._next_run(sub, now))
        return sent

    def _next_run(self, sub: dict[str, Any], now: float) -> float:
        moment = Schedule.parse(sub["schedule"]).next_after(utcnow())
        return moment.timestamp() if moment else now + 86_400 * 365

    async def _send(self, uow: TraceabilityUow, sub: dict[str, Any], seqs: list[int], size: int) -> int:
        m = uow.epcis_config.minting
        rows = await uow.epcis.find({"seq": {"$in": seqs}}, limit=len(seqs)) if seqs else []
        events = served(rows, principal_of(sub["by"]), Query(), m)
        document = query_document(
            events, Prefixes({"ocop": m.namespace}), query_name=sub["query"], subscription_id=sub["_id"]
        )
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        first, last = (seqs[0], seqs[-1]) if seqs else (0, 0)
        status = await self.sender.post(
            sub["dest"], body, token=sub.get("token"), delivery_id=f"{sub['_id']}:{first}-{last}"
        )
        now = time.time()
        if 200 <= status < 300:
            await uow.deliveries.delivered(sub["_id"], seqs)
            more = len(seqs) == size
            await uow.subscriptions.update(
                sub["_id"],
                attempts=0,
                status="active",
                last_error=None,
                last_notified_at=utcnow(),
                min_record_time=utcnow(),
                delivered=int(sub.get("delivered") or 0) + len(seqs),
                next_attempt=0.0 if sub.get("stream") or more else self._next_run(sub, now),
            )
            return len(seqs) or 1
        if status == 413 and len(seqs) > 1:
            await uow.subscriptions.update(sub["_id"], batch=max(1, len(seqs) // 2), last_error="HTTP 413")
            return 1
        attempts = int(sub.get("attempts") or 0) + 1
        delay = min(self.retry_base_s * 2 ** (attempts - 1), self.retry_max_s)
        await uow.subscriptions.update(
            sub["_id"],
            attempts=attempts,
            status="failing" if attempts >= 5 else "retrying",
            last_error=f"HTTP {status}" if status else "unreachable (refused address, timeout or connection error)",
            next_attempt=now + delay,
        )
        log.warning("epcis.delivery_failed", subscription=sub["_id"], status=status, retry_in_s=delay)
        return 0
