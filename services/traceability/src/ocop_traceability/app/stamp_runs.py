"""Use cases: stamp runs (đợt in tem) and stamp states.

A run is created at once (202) and filled by a background job: serials are generated and stored in
chunks (progress: ``generated``), then the print sheet is rendered to a PDF file (progress:
``rendered``), then the run becomes ``ready`` and ``stamp_run.issued`` is emitted through the outbox.
A job interrupted by a restart resumes where it stopped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.errors import DomainError
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import StampRunIssued
from ocop_shared.logging import get_logger
from ocop_shared.mongo import transaction_gate
from ocop_shared.web import Runtime
from ocop_traceability.adapters.sheet import Label, Layout, render_sheet
from ocop_traceability.domain.codes import new_serial

log = get_logger(__name__)
CHUNK = 5000
ISSUED, ACTIVE, VOID = "issued", "active", "void"


def stamp_url(base_url: str, serial: str, *, gtin: str | None, lot: str) -> str:
    """GS1 Digital Link when the product has a GTIN, else a short URL; upper case for QR alphanumeric mode."""
    base = base_url.rstrip("/").upper()
    if gtin:
        return f"{base}/01/{gtin.zfill(14)}/10/{lot.upper()}/21/{serial}"
    return f"{base}/S/{serial}"


def sheet_path(data_dir: Path, run_id: str) -> Path:
    return Path(data_dir) / "stamp-runs" / f"{run_id}.pdf"


async def create_run(runtime: Runtime, batch: dict, count: int, layout: dict[str, float], requested_by: str) -> dict:
    maximum = runtime.settings.max_stamps_per_run
    if not 1 <= count <= maximum:
        raise DomainError("count_out_of_range", f"Số tem mỗi đợt phải từ 1 đến {maximum:,} (nhận {count:,})")
    product = await runtime.db.products.find_one({"_id": batch["product_id"]})
    run = {"_id": str(ObjectId()), "batch_id": batch["_id"], "product_id": batch["product_id"],
           "producer_id": batch["producer_id"], "lot": batch["lot"], "gtin": (product or {}).get("gtin"),
           "count": count, "generated": 0, "rendered": 0, "status": "queued", "layout": layout,
           "requested_by": requested_by, "created_at": utcnow()}
    await runtime.db.stamp_runs.insert_one(run)
    start_job(runtime, run["_id"])
    return run


_jobs: dict[str, asyncio.Task] = {}


def start_job(runtime: Runtime, run_id: str) -> None:
    if run_id not in _jobs or _jobs[run_id].done():
        _jobs[run_id] = asyncio.create_task(_job(runtime, run_id), name=f"stamp-run-{run_id}")


async def resume_jobs(runtime: Runtime) -> None:
    async for run in runtime.db.stamp_runs.find({"status": {"$in": ["queued", "generating", "rendering"]}}):
        start_job(runtime, run["_id"])


async def _job(runtime: Runtime, run_id: str) -> None:
    db = runtime.db
    try:
        run = await db.stamp_runs.find_one({"_id": run_id})
        await produce(runtime, run)
        async with runtime.uow() as uow:
            await db.stamp_runs.update_one({"_id": run_id}, {"$set": {"status": "ready", "ready_at": utcnow()}},
                                           session=uow.session)
            uow.emit(StampRunIssued(run_id=run_id, batch_id=run["batch_id"], product_id=run["product_id"],
                                    producer_id=run["producer_id"], count=run["count"], issued_at=utcnow()),
                     key=run["product_id"])
            await uow.commit()
        log.info("stamp_run.ready", run_id=run_id, count=run["count"])
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded on the run; resumed at the next start
        log.exception("stamp_run.failed", run_id=run_id)
        await _set(db, run_id, status="failed", error=repr(exc)[:500])


async def _set(db: AsyncDatabase, run_id: str, **fields: Any) -> None:
    async with transaction_gate(db.client, db.name):
        await db.stamp_runs.update_one({"_id": run_id}, {"$set": fields})


def _docs(run: dict, base_url: str, first_seq: int, n: int) -> list[dict]:
    docs = []
    for seq in range(first_seq, first_seq + n):
        serial = new_serial()
        docs.append({"_id": serial, "run_id": run["_id"], "batch_id": run["batch_id"], "product_id": run["product_id"],
                     "producer_id": run["producer_id"], "seq": seq, "state": ISSUED,
                     "url": stamp_url(base_url, serial, gtin=run["gtin"], lot=run["lot"])})
    return docs


async def _store(db: AsyncDatabase, run: dict, docs: list[dict]) -> None:
    for start in range(0, len(docs), CHUNK):
        async with transaction_gate(db.client, db.name):
            await db.stamps.insert_many(docs[start:start + CHUNK], ordered=False)
        await _set(db, run["_id"], generated=min(start + CHUNK, len(docs)))


async def produce(runtime: Runtime, run: dict) -> int:
    """Generate and store the serials and render the sheet. The PDF is rendered (in a thread) from the
    serials in memory while they are written to the database, so the two overlap. A run interrupted
    by a restart stores what is missing and renders from the database."""
    db = runtime.db
    await _set(db, run["_id"], status="generating")
    stored = await db.stamps.count_documents({"run_id": run["_id"]}) if run.get("generated") else 0
    if stored == 0:
        docs = _docs(run, runtime.settings.stamp_base_url, 1, run["count"])
        labels = [Label(d["url"], d["_id"]) for d in docs]
        storing = asyncio.create_task(_store(db, run, docs))
        pages = await _render(runtime, run, labels)
        await storing
    else:
        missing = await db.stamps.find({"run_id": run["_id"]}, projection={"seq": 1}).sort("seq", -1).limit(1).to_list()
        last = missing[0]["seq"] if missing else 0
        await _store(db, run, _docs(run, runtime.settings.stamp_base_url, last + 1, run["count"] - last))
        labels = [Label(d["url"], d["_id"]) async for d in
                  db.stamps.find({"run_id": run["_id"]}, projection={"url": 1}).sort("seq", 1)]
        pages = await _render(runtime, run, labels)
    await _set(db, run["_id"], generated=run["count"], rendered=run["count"], pages=pages)
    return pages


async def _render(runtime: Runtime, run: dict, labels: list[Label]) -> int:
    db = runtime.db
    product = await db.products.find_one({"_id": run["product_id"]}) or {}
    cert = product.get("certificate") or {}
    stars = cert.get("stars") if cert.get("status") == "active" else None
    path = sheet_path(runtime.settings.data_dir, run["_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    progress = {"n": 0}
    layout = Layout(**run.get("layout") or {})
    task = asyncio.get_running_loop().run_in_executor(None, lambda: render_sheet(
        tmp, labels, product_name=product.get("name", ""), stars=stars, layout=layout,
        progress=lambda n: progress.__setitem__("n", n)))
    while not task.done():
        await asyncio.wait([task], timeout=1.0)
        await _set(db, run["_id"], rendered=progress["n"])
    pages = await task
    tmp.replace(path)
    return pages


async def set_state(db: AsyncDatabase, run_id: str, target: str, from_seq: int | None, to_seq: int | None) -> int:
    """issued → active → void (void also from issued). Returns how many stamps changed."""
    query: dict[str, Any] = {"run_id": run_id, "state": {"$in": [ISSUED] if target == ACTIVE else [ISSUED, ACTIVE]}}
    if from_seq is not None or to_seq is not None:
        query["seq"] = {k: v for k, v in (("$gte", from_seq), ("$lte", to_seq)) if v is not None}
    async with transaction_gate(db.client, db.name):
        result = await db.stamps.update_many(query, {"$set": {"state": target, "state_at": utcnow()}})
    return result.modified_count


__all__ = ["create_run", "resume_jobs", "set_state", "stamp_url", "sheet_path"]
