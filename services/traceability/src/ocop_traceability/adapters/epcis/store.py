"""EPCIS events in MongoDB: ``epcis_events`` (the event as JSON text, so any key or number a valid
document holds is stored as sent, plus the fields queries filter on), ``epcis_keys`` (one row per
identifier of an event: MATCH_* look them up by equality, which the embedded server indexes, rather than
by array membership, which it does not) and ``epcis_fanout`` (the events not yet handed to the
subscriptions: written in the same transaction as the event, so no event is ever skipped).

Record order is ``seq``, a number from a counter taken outside the transaction (a counter document updated
inside concurrent transactions would make them conflict on a replica set); it orders pages and
deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ocop_shared.events.envelope import utcnow
from ocop_shared.mongo import as_datetime
from ocop_traceability.adapters.base import Repository
from ocop_traceability.domain.epcis.record import DuplicateEvents, Recorded, StoredEvent, epoch_ms


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class EpcisEvents(Repository):
    collection_name = "epcis_events"

    async def reserve(self, n: int) -> int:
        """The first of ``n`` new record numbers (outside the transaction on purpose: see the module)."""
        counters = self.collection.database.epcis_counters
        doc = await counters.find_one_and_update(
            {"_id": "events"}, {"$inc": {"n": n}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        assert doc is not None  # upserted
        return int(doc["n"]) - n + 1

    async def add(self, records: list[Recorded]) -> None:
        """Store the events, their identifier keys and their fan-out rows (in the unit of work's transaction
        when there is one). Raises ``DuplicateEvents`` when an eventID is taken."""
        if not records:
            return
        db = self.collection.database
        async with self.gate():  # outside a unit of work, the counter too waits for an open transaction
            first = await self.reserve(len(records))
            now = utcnow()
            rows, keys, fanout = [], [], []
            for n, r in enumerate(records):
                r.seq, r.record_time = first + n, now
                rows.append(self._row(r))
                keys += [{"key": key, "role": role, "seq": r.seq, "ks": f"{key}|{r.seq:015d}"} for role, key in r.keys]
                fanout.append({"_id": r.seq})
            try:
                await self.collection.insert_many(rows, session=self.session)
            except (DuplicateKeyError, BulkWriteError) as exc:
                raise DuplicateEvents(str(exc)[:300]) from exc
            if keys:
                await db.epcis_keys.insert_many(keys, session=self.session)
            await db.epcis_fanout.insert_many(fanout, session=self.session)

    @staticmethod
    def _row(r: Recorded) -> dict[str, Any]:
        index = r.index
        return {
            "_id": str(ObjectId()),
            "seq": r.seq,
            "event_id": r.event_id,
            "content_hash": r.content_hash,
            "doc": _dumps(r.event),
            "ns": sorted(r.namespaces.items()),
            "type": index.type,
            "event_time": index.event_time,
            "record_time": r.record_time,
            # what time windows compare and sort on: numbers (the embedded server's date ranges are ~10× slower)
            "event_ms": epoch_ms(index.event_time),
            "record_ms": epoch_ms(r.record_time),
            "action": index.action,
            "biz_step": index.biz_step,
            "disposition": index.disposition,
            "read_point": r.locations[0],
            "biz_location": r.locations[1],
            "transformation_id": index.transformation_id,
            "declared": "yes" if index.error_declared else "no",
            "vis": r.visible_to,
            "source": r.source,
            "ours": "yes" if r.ours else "no",
            "batches": r.batches,
            "capture": r.capture_id,
            "mark": r.mark,
        }

    # -- reads ------------------------------------------------------------------------------------------
    async def by_event_ids(self, event_ids: Iterable[str]) -> dict[str, StoredEvent]:
        wanted = sorted(set(event_ids))
        if not wanted:
            return {}
        cursor = self.collection.find({"event_id": {"$in": wanted}}, session=self.session)
        return {row["event_id"]: StoredEvent(row) for row in await cursor.to_list(None)}

    async def seqs_after(self, key: str, after: int, limit: int) -> list[tuple[int, str]]:
        """(record number, role) above ``after`` of the events with this identifier, in record order, at most
        ``limit`` (``ks`` = key and number: one indexed range)."""
        cursor = self.collection.database.epcis_keys.find(
            {"ks": {"$gt": f"{key}|{after:015d}", "$lt": f"{key}|~"}}, projection={"seq": 1, "role": 1}
        )
        return [(r["seq"], r["role"]) for r in await cursor.sort("ks", 1).limit(limit).to_list(limit)]

    async def keys_of(self, seqs: list[int]) -> list[tuple[int, str, str]]:
        """(record number, role, key) of every identifier of these events."""
        cursor = self.collection.database.epcis_keys.find(
            {"seq": {"$in": seqs}}, projection={"seq": 1, "role": 1, "key": 1}
        )
        return [(r["seq"], r["role"], r["key"]) async for r in cursor]

    async def seqs_of(self, keys: list[str], roles: tuple[str, ...]) -> set[int]:
        seqs: set[int] = set()
        for key in set(keys):
            cursor = self.collection.database.epcis_keys.find({"key": key}, projection={"role": 1, "seq": 1})
            seqs |= {k["seq"] async for k in cursor if k.get("role") in roles}
        return seqs

    async def find(
        self, query: dict[str, Any], *, sort: str = "seq", descending: bool = False, skip: int = 0, limit: int = 30
    ) -> list[StoredEvent]:
        direction = -1 if descending else 1
        order = [("seq", direction)] if sort == "seq" else [(sort, direction), ("seq", 1)]
        cursor = self.collection.find(query, session=self.session).sort(order)
        return [StoredEvent(r) for r in await cursor.skip(skip).limit(limit).to_list(limit)]

    async def count_up_to(self, query: dict[str, Any], limit: int) -> int:
        cursor = self.collection.find(query, projection={"seq": 1}, session=self.session).limit(limit)
        return len(await cursor.to_list(limit))

    async def seqs_matching(self, query: dict[str, Any], limit: int = 100_000) -> list[int]:
        cursor = self.collection.find(query, projection={"seq": 1}, session=self.session).sort("seq", 1)
        return [r["seq"] async for r in cursor.limit(limit)]

    async def distinct_values(self, field: str, query: dict[str, Any], limit: int = 10_000) -> list[str]:
        values = await self.collection.distinct(field, query, session=self.session)
        return sorted(v for v in values if isinstance(v, str))[:limit]

    async def declare(self, event_id: str, declaration: dict[str, Any]) -> bool:
        """Attach an error declaration (EPCIS 2.0 §7.4.1.4) to a stored event: its ID stays."""
        row = await self.collection.find_one({"event_id": event_id}, session=self.session)
        if not row:
            return False
        doc = json.loads(row["doc"])
        doc["errorDeclaration"] = declaration
        async with self.gate():
            await self.collection.update_one(
                {"_id": row["_id"]}, {"$set": {"doc": _dumps(doc), "declared": "yes"}}, session=self.session
            )
        return True

    # -- stamp changes: the intent is journalled before the stamps change, dropped once recorded -----------
    async def intend(self, mark: str, change: dict[str, Any]) -> None:
        async with self.gate():
            await self.collection.database.epcis_state.insert_one({"_id": f"change:{mark}", **change})

    async def intents(self) -> list[dict[str, Any]]:
        cursor = self.collection.database.epcis_state.find({"kind": "stamp_change"})
        return [d | {"mark": d["_id"].split(":", 1)[1], "at": as_datetime(d["at"])} async for d in cursor]

    async def intent_done(self, mark: str) -> None:
        async with self.gate():
            await self.collection.database.epcis_state.delete_one({"_id": f"change:{mark}"})

    async def flag(self, name: str) -> bool:
        return await self.collection.database.epcis_state.find_one({"_id": f"flag:{name}"}) is not None

    async def set_flag(self, name: str) -> None:
        async with self.gate():
            await self.collection.database.epcis_state.update_one(
                {"_id": f"flag:{name}"}, {"$set": {"at": utcnow()}}, upsert=True
            )

    # -- fan-out to subscriptions ------------------------------------------------------------------------
    async def fanout_pending(self, limit: int) -> list[int]:
        async with self.gate():
            rows = await self.collection.database.epcis_fanout.find({}).sort("_id", 1).limit(limit).to_list(limit)
        return [r["_id"] for r in rows]

    async def fanout_done(self, seqs: list[int]) -> None:
        if seqs:
            async with self.gate():
                await self.collection.database.epcis_fanout.delete_many({"_id": {"$in": seqs}})


COLLECTIONS = [
    "epcis_events",
    "epcis_keys",
    "epcis_fanout",
    "epcis_counters",
    "epcis_capture_jobs",
    "epcis_capture_payloads",
    "epcis_queries",
    "epcis_subscriptions",
    "epcis_deliveries",
    "epcis_state",
]


async def ensure_epcis_indexes(db: Any) -> None:
    """Single-field indexes only (the embedded server uses no compound index)."""
    await db.epcis_events.create_index("seq", unique=True)
    await db.epcis_events.create_index("event_id", unique=True)
    await db.epcis_events.create_index("event_ms")
    await db.epcis_events.create_index("record_ms")
    await db.epcis_events.create_index("biz_step")
    await db.epcis_events.create_index("vis")
    await db.epcis_keys.create_index("key")
    await db.epcis_keys.create_index("ks")
    await db.epcis_keys.create_index("seq")
    await db.stamps.create_index("epcis_mark")
    await db.epcis_capture_payloads.create_index("job")
    await db.epcis_subscriptions.create_index("query")
    await db.epcis_deliveries.create_index("sub")
