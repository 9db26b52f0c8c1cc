"""Stamp runs: progress, the print files, and stamp states."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response, StreamingResponse

from ocop_shared.openapi import returns
from ocop_traceability.adapters.sheet import codes_csv_stream
from ocop_traceability.api.deps import Actor, RuntimeDep, UowDep
from ocop_traceability.api.views import run_view
from ocop_traceability.app import stamp_runs
from ocop_traceability.app.commands import ChangeStamps, SerialRangeIn
from ocop_traceability.domain.stamps import ACTIVE, VOID, SerialRange, StampState
from ocop_traceability.print_downloads import ZPL, Dpi, RollSize, SheetFormat, print_response

router = APIRouter(tags=["batches and stamps"])


@router.get("/stamp-runs", summary="Stamp runs (a producer sees its own)")
async def list_runs(principal: Actor, uow: UowDep, batch_id: str | None = None) -> list[dict]:
    return [run_view(r) for r in await stamp_runs.list_runs(principal, uow, batch_id=batch_id)]


@router.get("/stamp-runs/{run_id}", summary="Status and progress of a stamp run")
async def get_run(run_id: str, principal: Actor, uow: UowDep) -> dict:
    status = await stamp_runs.run_status(run_id, principal, uow)
    return {**run_view(status.run), "states": status.states}


@router.get(
    "/stamp-runs/{run_id}/sheet.pdf",
    summary="Print-ready A4 sheets, or a roll for thermal printers (format=roll: one label per page at size)",
    responses=returns("application/pdf"),
)
async def get_sheet(
    run_id: str,
    principal: Actor,
    uow: UowDep,
    rt: RuntimeDep,
    format: SheetFormat = "a4",  # the query parameter's name
    size: RollSize = "40x30",
) -> Response:
    if format == "roll":
        return await print_response(stamp_runs.print_file(run_id, principal, uow, rt.sheets, "roll", size, 203))
    sheet = await stamp_runs.sheet_of(run_id, principal, uow, rt.sheets)
    return FileResponse(sheet.path, media_type="application/pdf", filename=sheet.filename)


@router.get(
    "/stamp-runs/{run_id}/labels.zpl",
    summary="ZPL for Zebra-compatible printers: one ^XA…^XZ per label, the QR as a graphic field of our matrix",
    responses=returns(ZPL),
)
async def get_zpl(
    run_id: str, principal: Actor, uow: UowDep, rt: RuntimeDep, size: RollSize = "40x30", dpi: Dpi = "203"
) -> Response:
    return await print_response(stamp_runs.print_file(run_id, principal, uow, rt.sheets, "zpl", size, int(dpi)))


@router.get(
    "/stamp-runs/{run_id}/codes.csv", summary="One URL per line, for industrial printers", responses=returns("text/csv")
)
async def get_codes(run_id: str, principal: Actor, uow: UowDep) -> StreamingResponse:
    urls = await stamp_runs.codes_of(run_id, principal, uow)

    return StreamingResponse(
        codes_csv_stream(urls),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="tem-{run_id}.csv"'},
    )


async def _change(
    run_id: str, target: StampState, body: SerialRangeIn, principal: Actor, uow: UowDep, rt: RuntimeDep
) -> dict:
    cmd = ChangeStamps(run_id, target, SerialRange(body.from_seq, body.to_seq))
    return {"changed": await stamp_runs.change_stamps(cmd, principal, uow, rt.scan)}


@router.post("/stamp-runs/{run_id}/activate", summary="Activate the run, or a serial range (seq numbers)")
async def activate(run_id: str, body: SerialRangeIn, principal: Actor, uow: UowDep, rt: RuntimeDep) -> dict:
    return await _change(run_id, ACTIVE, body, principal, uow, rt)


@router.post("/stamp-runs/{run_id}/void", summary="Void the run, or a serial range (seq numbers)")
async def void(run_id: str, body: SerialRangeIn, principal: Actor, uow: UowDep, rt: RuntimeDep) -> dict:
    return await _change(run_id, VOID, body, principal, uow, rt)
