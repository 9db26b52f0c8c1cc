"""Capture jobs (``epcis_capture_jobs``) and their events (``epcis_capture_payloads``, in chunks, as JSON
text). A job is processed by the one instance holding its lease (epoch seconds), like stamp runs; states
are strings (the embedded server stores ``True`` set by ``$set`` as ``1``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ocop_shared.mongo import as_datetime
from ocop_traceability.adapters.base import Repository

CHUNK = 100  # events per payload document


class CaptureJobs(Repository):
    collection_name = "epcis_capture_jobs"

    async def create(self, job: dict[str, Any], events: list[dict[str, Any]], namespaces: dict[str, str]) -> None:
        """The payload first, then the job: a job row always has its events (an orphan payload is harmless)."""
        payloads = self.collection.database.epcis_capture_payloads
        chunks = [
            {"_id": f"{job['_id']}:{n:05d}", "job": job["_id"], "events": json.dumps(events[i : i + CHUNK])}
            for n, i in enumerate(range(0, len(events), CHUNK))
        ]
        async with self.gate():
            if chunks:
                await payloads.insert_many(chunks, session=self.session)
            await self.collection.insert_one(job | {"ns": sorted(namespaces.items())}, session=self.session)

    async def get(self, job_id: str) -> dict[str, Any] | None:
        doc = await self.collection.find_one({"_id": job_id}, session=self.session)
        if doc:
            for name in ("created_at", "finished_at"):
                doc[name] = as_datetime(doc.get(name))
        return doc

    async def events(self, job_id: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
        job = await self.collection.find_one({"_id": job_id}, projection={"ns": 1}, session=self.session)
        cursor = self.collection.database.epcis_capture_payloads.find({"job": job_id}, session=self.session)
        events: list[dict[str, Any]] = []
        for chunk in sorted(await cursor.to_list(None), key=lambda c: c["_id"]):
            events += json.loads(chunk["events"])
        return events, dict((job or {}).get("ns") or [])

    async def latest(self, query: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        cursor = self.collection.find(query, projection={"ns": 0}, session=self.session).sort("created_at", -1)
        return await cursor.limit(limit).to_list(limit)

    async def update(self, job_id: str, **fields: Any) -> None:
        async with self.gate():
            await self.collection.update_one({"_id": job_id}, {"$set": fields}, session=self.session)

    async def drop_payload(self, job_id: str) -> None:
        async with self.gate():
            await self.collection.database.epcis_capture_payloads.delete_many({"job": job_id}, session=self.session)

    # -- leases -------------------------------------------------------------------------------------------
    async def claimable(self, worker: str, now: float) -> list[str]:
        cursor = self.collection.find({"running": "yes"}, projection={"lease_until": 1, "worker": 1})
        return [j["_id"] async for j in cursor if float(j.get("lease_until") or 0) < now or j.get("worker") == worker]

    async def claim(self, job_id: str, worker: str, now: float, lease_s: float) -> bool:
        async with self.gate():
            claimed = await self.collection.find_one_and_update(
                {
                    "_id": job_id,
                    "running": "yes",
                    "$or": [{"worker": worker}, {"lease_until": None}, {"lease_until": {"$lt": now}}],
                },
                {"$set": {"worker": worker, "lease_until": now + lease_s}},
                session=self.session,
            )
        return claimed is not None

    async def finish(self, job_id: str, *, success: bool, errors: list[dict[str, Any]], at: datetime) -> None:
        await self.update(job_id, running="no", success="yes" if success else "no", errors=errors, finished_at=at)
