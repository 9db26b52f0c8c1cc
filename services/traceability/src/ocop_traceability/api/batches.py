"""Batches (lô), their trail, stamp runs and stamps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from ocop_shared.auth import Principal, require
from ocop_shared.errors import Conflict, NotFound
from ocop_traceability.adapters.sheet import codes_csv
from ocop_traceability.api.schemas import BatchIn, SerialRangeIn, StampRunIn, TrailEventIn
from ocop_traceability.app.batches import append_event, batch_for, create_batch, trail
from ocop_traceability.app.places import check_scope, in_scope, visible
from ocop_traceability.app.stamp_runs import ACTIVE, VOID, create_run, set_state, sheet_path

router = APIRouter(tags=["batches and stamps"])
Actor = Annotated[Principal, Depends(require("official", "operator", "producer"))]


def _public(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k not in ("_id", "lot_key")}
    out["id"] = doc["_id"]
    return out


@router.post("/batches", status_code=201, summary="Create a batch (lô); the lot code is generated if absent")
async def post_batch(body: BatchIn, request: Request, principal: Actor) -> dict:
    return _public(await create_batch(request.app.state.runtime.db, body.model_dump(), principal))


async def _latest(request: Request, principal: Principal, collection: str, **filters: str | None) -> list[dict]:
    """The newest documents of a collection, a producer's own only."""
    query = {k: v for k, v in filters.items() if v}
    query.update(await visible(request.app.state.runtime.db, principal))
    return await request.app.state.runtime.db[collection].find(query).sort("created_at", -1).to_list(500)


@router.get("/batches", summary="Batches (a producer sees its own)")
async def list_batches(request: Request, principal: Actor, product_id: str | None = None) -> list[dict]:
    return [_public(d) for d in await _latest(request, principal, "batches", product_id=product_id)]


@router.get("/stamp-runs", summary="Stamp runs (a producer sees its own)")
async def list_runs(request: Request, principal: Actor, batch_id: str | None = None) -> list[dict]:
    return [_run_view(d) for d in await _latest(request, principal, "stamp_runs", batch_id=batch_id)]


@router.get("/batches/{batch_id}", summary="A batch with its trail")
async def get_batch(batch_id: str, request: Request, principal: Actor) -> dict:
    db = request.app.state.runtime.db
    batch = await batch_for(db, batch_id, principal)
    return {**_public(batch), "events": [_public(e) for e in await trail(db, batch_id)]}


@router.post("/batches/{batch_id}/events", status_code=201, summary="Append an event to the batch trail")
async def post_event(batch_id: str, body: TrailEventIn, request: Request, principal: Actor) -> dict:
    db = request.app.state.runtime.db
    batch = await batch_for(db, batch_id, principal, write=True)
    return _public(await append_event(db, batch, body.model_dump(), principal.subject))


@router.post("/batches/{batch_id}/stamp-runs", status_code=202, summary="Order a stamp run (generated in background)")
async def post_run(batch_id: str, body: StampRunIn, request: Request, principal: Actor) -> JSONResponse:
    rt = request.app.state.runtime
    batch = await batch_for(rt.db, batch_id, principal, write=True)
    run = await create_run(rt, batch, body.count, body.layout.model_dump(), principal.subject)
    return JSONResponse(_run_view(run), status_code=202, headers={"Location": f"/api/v1/stamp-runs/{run['_id']}"})


def _run_view(run: dict) -> dict:
    return {"id": run["_id"], "batch_id": run["batch_id"], "product_id": run["product_id"], "count": run["count"],
            "status": run["status"], "generated": run.get("generated", 0), "rendered": run.get("rendered", 0),
            "pages": run.get("pages"), "error": run.get("error"),
            "sheet": f"/api/v1/stamp-runs/{run['_id']}/sheet.pdf", "codes": f"/api/v1/stamp-runs/{run['_id']}/codes.csv"}


async def _run_for(request: Request, principal: Principal, run_id: str, *, write: bool = False) -> dict:
    run = await request.app.state.runtime.db.stamp_runs.find_one({"_id": run_id})
    if run is None or not await in_scope(request.app.state.runtime.db, principal, run["producer_id"]):
        raise NotFound("stamp_run_not_found", "Không tìm thấy đợt in tem")
    if write:
        await check_scope(request.app.state.runtime.db, principal, run["producer_id"])
    return run


@router.get("/stamp-runs/{run_id}", summary="Status and progress of a stamp run")
async def get_run(run_id: str, request: Request, principal: Actor) -> dict:
    run = await _run_for(request, principal, run_id)
    counts = {}
    if run["status"] == "ready":
        for state in ("issued", "active", "void"):
            counts[state] = await request.app.state.runtime.db.stamps.count_documents({"run_id": run_id, "state": state})
    return {**_run_view(run), "states": counts}


@router.get("/stamp-runs/{run_id}/sheet.pdf", summary="Print-ready A4 sheets")
async def get_sheet(run_id: str, request: Request, principal: Actor) -> FileResponse:
    run = await _run_for(request, principal, run_id)
    path = sheet_path(request.app.state.runtime.settings.data_dir, run_id)
    if run["status"] != "ready" or not path.exists():
        raise Conflict("not_ready", f"Đợt in tem chưa sẵn sàng (trạng thái: {run['status']})")
    return FileResponse(path, media_type="application/pdf", filename=f"tem-{run['lot']}-{run_id}.pdf")


@router.get("/stamp-runs/{run_id}/codes.csv", summary="One URL per line, for industrial printers")
async def get_codes(run_id: str, request: Request, principal: Actor) -> StreamingResponse:
    run = await _run_for(request, principal, run_id)
    if run["status"] not in ("rendering", "ready"):
        raise Conflict("not_ready", f"Đợt in tem chưa sẵn sàng (trạng thái: {run['status']})")
    cursor = request.app.state.runtime.db.stamps.find({"run_id": run_id}, projection={"url": 1}).sort("seq", 1)

    async def body():
        async for doc in cursor:
            for chunk in codes_csv([doc["url"]]):
                yield chunk

    return StreamingResponse(body(), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="tem-{run_id}.csv"'})


@router.post("/stamp-runs/{run_id}/activate", summary="Activate the run, or a serial range (seq numbers)")
async def activate(run_id: str, body: SerialRangeIn, request: Request, principal: Actor) -> dict:
    await _run_for(request, principal, run_id, write=True)
    changed = await set_state(request.app.state.runtime.db, run_id, ACTIVE, body.from_seq, body.to_seq)
    request.app.state.runtime.scan.invalidate_run(run_id)
    return {"changed": changed}


@router.post("/stamp-runs/{run_id}/void", summary="Void the run, or a serial range (seq numbers)")
async def void(run_id: str, body: SerialRangeIn, request: Request, principal: Actor) -> dict:
    await _run_for(request, principal, run_id, write=True)
    changed = await set_state(request.app.state.runtime.db, run_id, VOID, body.from_seq, body.to_seq)
    request.app.state.runtime.scan.invalidate_run(run_id)
    return {"changed": changed}
