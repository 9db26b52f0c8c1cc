"""Stamp runs (with the lease that makes one instance generate a run) and stamps.

A run may hold 200,000 stamps: they are stored in chunks and change state with one ``update_many``, outside
any transaction (each write is gated, see ``Repository.gate``); nothing of it emits an event.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from itertools import count
from typing import Any

from pymongo import UpdateOne

from ocop_shared.mongo import as_datetime
from ocop_traceability.adapters.base import Records, Repository
from ocop_traceability.domain.stamps import STAMP_STATES, UNFINISHED, Stamp, StampChunk, StampRun, StateChange

# What the scan page reads of a stamp (the hot path: nothing more).
_SCAN_FIELDS = {
    "url": 1,
    "run_id": 1,
    "batch_id": 1,
    "product_id": 1,
    "producer_id": 1,
    "seq": 1,
    "state": 1,
    "scan_count": 1,
    "first_scan_at": 1,
    "clone_reason": 1,
}
_NO_SERIAL = "0" * 17  # looked up for a code that cannot be a serial: every miss costs the same


_COUNTER_CHUNK = 200  # scan counters per write (the embedded server serves no read of the database meanwhile)


class StampRuns(Records[StampRun]):
    collection_name = "stamp_runs"
    model = StampRun
    native = ("created_at",)

    async def add(self, entity: StampRun) -> None:
        doc = self.to_doc(entity)
        await self._writing(doc, insert=True)
        await self.collection.insert_one(doc, session=self.session)

    async def update(self, run_id: str, **fields: Any) -> None:
        """Progress, status or error of a run (the job's own writes)."""
        async with self.gate():
            await self.collection.update_one({"_id": run_id}, {"$set": fields}, session=self.session)

    # -- leases: epoch seconds (numbers compare the same on every MongoDB) ---------------------------
    async def claimable(self, worker: str, now: float) -> list[str]:
        """Unfinished runs whose lease is free, expired or already ours."""
        cursor = self.collection.find({"status": {"$in": list(UNFINISHED)}}, session=self.session)
        return [r["_id"] async for r in cursor if float(r.get("lease_until") or 0) < now or r.get("worker") == worker]

    async def claim(self, run_id: str, worker: str, now: float, lease_s: float) -> bool:
        async with self.gate():
            claimed = await self.collection.find_one_and_update(
                {
                    "_id": run_id,
                    "status": {"$in": list(UNFINISHED)},
                    "$or": [{"worker": worker}, {"lease_until": None}, {"lease_until": {"$lt": now}}],
                },
                {"$set": {"worker": worker, "lease_until": now + lease_s}},
                session=self.session,
            )
        return claimed is not None

    async def renew_lease(self, run_id: str, worker: str, until: float) -> None:
        async with self.gate():
            await self.collection.update_one(
                {"_id": run_id, "worker": worker}, {"$set": {"lease_until": until}}, session=self.session
            )


def _stamp(doc: dict[str, Any]) -> Stamp:
    return Stamp(
        id=doc["_id"],
        run_id=doc.get("run_id", ""),
        batch_id=doc.get("batch_id", ""),
        product_id=doc.get("product_id", ""),
        producer_id=doc.get("producer_id", ""),
        seq=doc.get("seq", 0),
        url=doc.get("url", ""),
        state=doc.get("state", "issued"),
        scan_count=int(doc.get("scan_count") or 0),
        first_scan_at=as_datetime(doc.get("first_scan_at")),
        clone_reason=doc.get("clone_reason"),
    )


class Stamps(Repository):
    collection_name = "stamps"

    async def insert(self, stamps: list[Stamp]) -> None:
        docs = [
            {
                "_id": s.id,
                "run_id": s.run_id,
                "batch_id": s.batch_id,
                "product_id": s.product_id,
                "producer_id": s.producer_id,
                "seq": s.seq,
                "state": s.state,
                "url": s.url,
            }
            for s in stamps
        ]
        async with self.gate():
            await self.collection.insert_many(docs, ordered=False, session=self.session)

    async def insert_chunk(self, chunk: StampChunk) -> None:
        """One write of raw documents, in serial-number order and ``ordered``: after a crash the stored stamps
        of a run are always serials 1 … n (the job resumes after ``last_seq``)."""
        r = chunk.run
        docs = [
            {
                "_id": serial,
                "run_id": r.id,
                "batch_id": r.batch_id,
                "product_id": r.product_id,
                "producer_id": r.producer_id,
                "seq": seq,
                "state": "issued",
                "url": url,
            }
            for seq, serial, url in zip(count(chunk.first_seq), chunk.serials, chunk.urls)
        ]
        async with self.gate():
            await self.collection.insert_many(docs, ordered=True, session=self.session)

    async def count(self, run_id: str) -> int:
        return await self.collection.count_documents({"run_id": run_id}, session=self.session)

    async def last_seq(self, run_id: str) -> int:
        cursor = self.collection.find({"run_id": run_id}, projection={"seq": 1}, session=self.session)
        last = await cursor.sort("seq", -1).limit(1).to_list()
        return last[0]["seq"] if last else 0

    async def labels(self, run_id: str, size: int) -> AsyncIterator[list[tuple[str, str]]]:
        """(url, serial) of every stamp of the run, in serial-number order, ``size`` at a time."""
        cursor = self.collection.find({"run_id": run_id}, projection={"url": 1}, session=self.session)
        chunk: list[tuple[str, str]] = []
        async for d in cursor.sort("seq", 1).batch_size(size):
            chunk.append((d["url"], d["_id"]))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def urls(self, run_id: str) -> AsyncIterator[str]:
        cursor = self.collection.find({"run_id": run_id}, projection={"url": 1}, session=self.session)
        async for doc in cursor.sort("seq", 1):
            yield doc["url"]

    async def page(self, run_id: str, skip: int, limit: int) -> list[Stamp]:
        cursor = self.collection.find({"run_id": run_id}, session=self.session)
        return [_stamp(d) for d in await cursor.sort("seq", 1).skip(skip).limit(limit).to_list(limit)]

    async def states(self, run_id: str) -> dict[str, int]:
        return {
            s: await self.collection.count_documents({"run_id": run_id, "state": s}, session=self.session)
            for s in STAMP_STATES
        }

    async def change(self, change: StateChange, at: datetime, mark: str | None = None) -> int:
        """``mark`` (optional) is written on every stamp changed, to read them back (``marked``)."""
        query: dict[str, Any] = {"run_id": change.run_id, "state": {"$in": list(change.sources)}}
        bounds = {
            k: v for k, v in (("$gte", change.serials.from_seq), ("$lte", change.serials.to_seq)) if v is not None
        }
        if bounds:
            query["seq"] = bounds
        async with self.gate():
            fields: dict[str, Any] = {"state": change.target, "state_at": at}
            if mark:
                fields["epcis_mark"] = mark
            result = await self.collection.update_many(query, {"$set": fields}, session=self.session)
        return result.modified_count

    async def marked(self, run_id: str, mark: str) -> list[str]:
        """The serials a change marked, in serial-number order."""
        cursor = self.collection.find({"epcis_mark": mark}, projection={"seq": 1, "run_id": 1}, session=self.session)
        rows = [d async for d in cursor if d.get("run_id") == run_id]
        return [d["_id"] for d in sorted(rows, key=lambda d: d["seq"])]

    async def active_marks(self) -> dict[tuple[str, str | None], list[tuple[str, datetime | None]]]:
        """Active stamps by (run, mark of the change that activated them): (serial, when), for the back-fill
        of activations that have no EPCIS event yet."""
        found: dict[tuple[str, str | None], list[tuple[int, str, datetime | None]]] = {}
        cursor = self.collection.find(
            {"state": "active"}, projection={"run_id": 1, "seq": 1, "epcis_mark": 1, "state_at": 1}
        )
        async for d in cursor:
            found.setdefault((d["run_id"], d.get("epcis_mark")), []).append(
                (d.get("seq", 0), d["_id"], as_datetime(d.get("state_at")))
            )
        return {k: [(serial, at) for _s, serial, at in sorted(v)] for k, v in found.items()}

    async def scanned(self, run_ids: list[str]) -> list[Stamp]:
        """Stamps of these runs scanned at least once (stamps are indexed by run)."""
        found = []
        for run_id in run_ids:
            cursor = self.collection.find({"run_id": run_id, "scan_count": {"$gt": 0}}, session=self.session)
            found += [_stamp(d) for d in await cursor.to_list(1000)]
        return found

    # -- the scan page ----------------------------------------------------------------------------
    async def for_scan(self, serial: str | None) -> Stamp | None:
        doc = await self.collection.find_one(
            {"_id": serial or _NO_SERIAL}, projection=_SCAN_FIELDS, session=self.session
        )
        return _stamp(doc) if doc else None

    async def for_scan_many(self, serials: list[str]) -> dict[str, Stamp]:
        """Several stamps in one query (the scan cache's refresh: one find per stamp cost the embedded server
        ~1–3.5 ms each, 100 a second at the bench's load)."""
        found: dict[str, Stamp] = {}
        for start in range(0, len(serials), 500):
            chunk = serials[start : start + 500]
            async for doc in self.collection.find(
                {"_id": {"$in": chunk}}, projection=_SCAN_FIELDS, session=self.session
            ):
                stamp = _stamp(doc)
                found[stamp.id] = stamp
        return found

    async def add_scans(self, counts: dict[str, int], first_seen: dict[str, datetime]) -> None:
        """Scan counters (and the first scan, where none is stored yet): one write per stamp."""
        ops = []
        for serial, n in counts.items():
            ops.append(UpdateOne({"_id": serial}, {"$inc": {"scan_count": n}}))
            if serial in first_seen:
                ops.append(
                    UpdateOne({"_id": serial, "first_scan_at": None}, {"$set": {"first_scan_at": first_seen[serial]}})
                )
        for start in range(0, len(ops), _COUNTER_CHUNK):  # short writes: reads of the scan page queue behind each
            async with self.gate():
                await self.collection.bulk_write(
                    ops[start : start + _COUNTER_CHUNK], ordered=False, session=self.session
                )
