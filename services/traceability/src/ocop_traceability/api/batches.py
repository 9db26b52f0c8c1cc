"""Batches (lô), their trail, and ordering a batch's stamp runs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ocop_traceability.api.deps import Actor, RuntimeDep, UowDep
from ocop_traceability.api.views import batch_view, run_view, trail_view
from ocop_traceability.app import batches, stamp_runs
from ocop_traceability.app.commands import AppendTrailEvent, BatchIn, OrderStampRun, StampRunIn, TrailEventIn

router = APIRouter(tags=["batches and stamps"])


@router.post("/batches", status_code=201, summary="Create a batch (lô); the lot code is generated if absent")
async def post_batch(body: BatchIn, principal: Actor, uow: UowDep) -> dict:
    return batch_view(await batches.create_batch(body, principal, uow))


@router.get("/batches", summary="Batches (a producer sees its own)")
async def list_batches(principal: Actor, uow: UowDep, product_id: str | None = None) -> list[dict]:
    return [batch_view(b) for b in await batches.list_batches(principal, uow, product_id=product_id)]


@router.get("/batches/{batch_id}", summary="A batch with its trail")
async def get_batch(batch_id: str, principal: Actor, uow: UowDep) -> dict:
    batch, events = await batches.batch_trail(batch_id, principal, uow)
    return {**batch_view(batch), "events": [trail_view(e, public=True) for e in events]}


@router.post("/batches/{batch_id}/events", status_code=201, summary="Append an event to the batch trail")
async def post_event(batch_id: str, body: TrailEventIn, principal: Actor, uow: UowDep) -> dict:
    return trail_view(await batches.append_trail_event(AppendTrailEvent(batch_id, body), principal, uow))


@router.post("/batches/{batch_id}/stamp-runs", status_code=202, summary="Order a stamp run (generated in background)")
async def post_run(batch_id: str, body: StampRunIn, principal: Actor, uow: UowDep, rt: RuntimeDep) -> JSONResponse:
    cmd = OrderStampRun(batch_id, body.count, body.layout.model_dump())
    run = await stamp_runs.order_stamp_run(
        cmd, principal, uow, max_count=rt.settings.max_stamps_per_run, jobs=rt.stamp_jobs
    )
    view: dict[str, Any] = run_view(run)
    return JSONResponse(view, status_code=202, headers={"Location": f"/api/v1/stamp-runs/{run.id}"})
