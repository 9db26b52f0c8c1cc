"""Traceability's console pages (``/console``): growing areas on a map, batches, stamp runs with live
progress, PDF/CSV downloads, activating and voiding stamps, scans and clone alerts.

Pages only translate: form → command (validated with the same input models as the API), call app/,
render. A producer sees only its own records (other ids answer 404, as in the API); officials their scope.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from ocop_shared.addresses import address_form, choices_of
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, Console, NavEntry, blank_to_none, form_of, require_user, start_route
from ocop_shared.errors import AppError
from ocop_traceability.adapters.sheet import codes_csv_stream
from ocop_traceability.app import alerts, batches, places, stamp_runs
from ocop_traceability.app.commands import (
    AppendTrailEvent,
    BatchIn,
    ChangeStamps,
    GrowingAreaIn,
    OrderStampRun,
    PackingHouseIn,
    SerialRangeIn,
    StampRunIn,
    TrailEventIn,
)
from ocop_traceability.domain.batches import EVENT_NAMES, TRAIL_NAMES
from ocop_traceability.domain.codes import display_serial
from ocop_traceability.domain.geometry import hectares, parse_boundary
from ocop_traceability.domain.places import feature_collection
from ocop_traceability.domain.stamps import ACTIVE, RUN_STATUS, STAMP_STATE, VOID, SerialRange
from ocop_traceability.print_downloads import Dpi, RollSize, SheetFormat, print_response
from ocop_traceability.runtime import RuntimeDep, UowDep

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = (
    NavEntry("/areas", "Vùng trồng"),
    NavEntry("/packing-houses", "Cơ sở đóng gói"),
    NavEntry("/batches", "Lô hàng và tem"),
    NavEntry("/scans", "Lượt quét, cảnh báo"),
)
FIELD_NAMES = {
    "name": "Tên",
    "product_id": "Sản phẩm",
    "growing_area_code": "Vùng trồng",
    "harvest_date": "Ngày thu hoạch",
    "quantity": "Sản lượng",
    "unit": "Đơn vị",
    "lot": "Mã lô",
    "count": "Số tem",
    "from_seq": "Từ số thứ tự",
    "to_seq": "Đến số thứ tự",
    "code": "Mã",
    "gln": "GLN",
    "crop": "Cây trồng",
    "area_ha": "Diện tích (ha)",
    "time": "Thời gian",
    "place": "Địa điểm",
    "note": "Ghi chú",
    "type": "Công đoạn",
}
console = Console(
    "traceability", Path(__file__).resolve().parent / "templates" / "console", nav=NAV, field_names=FIELD_NAMES
)
console.env.globals.update(
    RUN_STATUS=RUN_STATUS, STAMP_STATE=STAMP_STATE, EVENT_NAMES=EVENT_NAMES, TRAIL_NAMES=TRAIL_NAMES
)


@dataclass(frozen=True)
class Notice:
    """What a page shows besides its records: a refusal (its status and message, the form as typed) or a flash."""

    status: int = 200
    error: str | None = None
    flash: str | None = None
    form: dict[str, str] = field(default_factory=dict)
    choices: list[dict[str, Any]] = field(default_factory=list)  # today's communes of a split old one

    def context(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "error": self.error,
            "flash": self.flash,
            "form": self.form,
            "choices": self.choices,
        }


Page = Callable[[Notice], Awaitable[Response]]


async def _submit(form: dict[str, str], act: Callable[[], Awaitable[str]], page: Page) -> Response:
    """A form's action: on success, go where ``act`` says; refused input re-renders the page with the
    Vietnamese message and the refusal's status (4xx, never 5xx), the form kept."""
    try:
        target = await act()
    except AppError as exc:
        return await page(Notice(exc.status, exc.message, form=form, choices=choices_of(exc)))
    except ValidationError as exc:
        return await page(Notice(422, console.validation_message(exc), form=form))
    return RedirectResponse(target, status_code=303)


def _flash(request: Request, messages: dict[str, str]) -> Notice:
    return Notice(flash=messages.get(request.query_params.get("ok", "")))


# -- growing areas ---------------------------------------------------------------------------------


async def _areas_page(request: Request, principal: Principal, uow: UowDep, notice: Notice) -> Response:
    areas = await places.list_areas(principal, uow, by_code=True)
    geojson = json.dumps(feature_collection(areas), ensure_ascii=False).replace(
        "<", "\\u003c"
    )  # no "</script>" nor "<!--" in the data block
    producers = await places.producers_for(principal, uow)
    return console.render(
        request,
        "areas.html",
        user=principal,
        title="Vùng trồng",
        areas=areas,
        geojson=geojson,
        producers=producers,
        **notice.context(),
    )


start_route(router, "/batches")  # /console: the first page


@router.get("/areas")
async def areas(request: Request, uow: UowDep) -> Response:
    principal = require_user(request)
    return await _areas_page(request, principal, uow, _flash(request, {"created": "Đã đăng ký vùng trồng."}))


@router.post("/areas")
async def register_area(request: Request, uow: UowDep, rt: RuntimeDep) -> Response:
    """Register a growing area with its official code; the boundary as GPS points or GeoJSON."""
    principal = require_user(request)
    form = await form_of(request)

    async def act() -> str:
        # a producer registers for itself, whatever the form says; a blank province is our copy's
        producer_id = (principal.producer_id if principal.role == "producer" else form.get("producer_id")) or ""
        province = await places.province_of(producer_id, uow)
        geometry = parse_boundary(form.get("boundary", ""))
        area_ha = (form.get("area_ha") or "").strip().replace(",", ".")
        body = GrowingAreaIn.model_validate(
            {
                "code": form.get("code", ""),
                "name": form.get("name", ""),
                "crop": form.get("crop", ""),
                "producer_id": producer_id,
                **address_form(form, province or {"name": "?"}),
                "area_ha": area_ha or hectares(geometry),
                "geometry": geometry,
            }
        )
        await places.register_area(body, principal, uow, schemes=rt.settings.area_code_schemes)
        return f"{PREFIX}/areas?ok=created"

    return await _submit(form, act, lambda notice: _areas_page(request, principal, uow, notice))


# -- packing houses --------------------------------------------------------------------------------


async def _houses_page(request: Request, principal: Principal, uow: UowDep, notice: Notice) -> Response:
    return console.render(
        request,
        "packing_houses.html",
        user=principal,
        title="Cơ sở đóng gói",
        houses=await places.list_packing_houses(principal, uow),
        producers=await places.producers_for(principal, uow),
        **notice.context(),
    )


@router.get("/packing-houses")
async def packing_houses(request: Request, uow: UowDep) -> Response:
    principal = require_user(request)
    return await _houses_page(request, principal, uow, _flash(request, {"created": "Đã đăng ký cơ sở đóng gói."}))


@router.post("/packing-houses")
async def register_packing_house(request: Request, uow: UowDep) -> Response:
    """Register a packing house with its code; its address like a growing area's (a blank province: the
    producer's)."""
    principal = require_user(request)
    form = await form_of(request)

    async def act() -> str:
        producer_id = (principal.producer_id if principal.role == "producer" else form.get("producer_id")) or ""
        province = await places.province_of(producer_id, uow)
        body = PackingHouseIn.model_validate(
            {
                "code": form.get("code", ""),
                "name": form.get("name", ""),
                "producer_id": producer_id,
                "gln": (form.get("gln") or "").strip() or None,
                **address_form(form, province or {"name": "?"}),
            }
        )
        await places.register_packing_house(body, principal, uow)
        return f"{PREFIX}/packing-houses?ok=created"

    return await _submit(form, act, lambda notice: _houses_page(request, principal, uow, notice))


# -- batches ---------------------------------------------------------------------------------------


async def _batches_page(
    request: Request, principal: Principal, uow: UowDep, notice: Notice, product_id: str | None = None
) -> Response:
    found = await batches.list_batches(principal, uow, product_id=product_id, limit=300)
    products = await places.products_for(principal, uow)
    areas = await places.list_areas(principal, uow, by_code=True)
    return console.render(
        request,
        "batches.html",
        user=principal,
        title="Lô hàng và tem truy xuất",
        batches=found,
        products=products,
        areas=areas,
        product_id=product_id,
        can_create=principal.role == "producer",
        **notice.context(),
    )


@router.get("/batches")
async def batches_page(request: Request, uow: UowDep, product_id: str | None = None) -> Response:
    principal = require_user(request)
    return await _batches_page(request, principal, uow, Notice(), product_id)


@router.post("/batches")
async def create_batch(request: Request, uow: UowDep) -> Response:
    principal = require_user(request)
    form = await form_of(request)

    async def act() -> str:
        fields = blank_to_none(form, ("product_id", "growing_area_code", "harvest_date", "quantity", "unit", "lot"))
        if fields.get("quantity"):
            fields["quantity"] = fields["quantity"].replace(",", ".")
        body = BatchIn.model_validate({k: v for k, v in fields.items() if v is not None or k != "lot"})
        batch = await batches.create_batch(body, principal, uow)
        return f"{PREFIX}/batches/{batch.id}?ok=created"

    return await _submit(form, act, lambda notice: _batches_page(request, principal, uow, notice))


async def _batch_page(
    request: Request, principal: Principal, batch_id: str, uow: UowDep, rt: RuntimeDep, notice: Notice
) -> Response:
    page = await batches.batch_page(batch_id, principal, uow)
    return console.render(
        request,
        "batch.html",
        user=principal,
        title=f"Lô {page.batch.lot}",
        batch=page.batch,
        product=page.product,
        runs=page.runs,
        events=page.events,
        max_count=rt.settings.max_stamps_per_run,
        **notice.context(),
    )


@router.get("/batches/{batch_id}")
async def batch(request: Request, batch_id: str, uow: UowDep, rt: RuntimeDep) -> Response:
    principal = require_user(request)
    flashes = {"created": "Đã tạo lô hàng.", "event": "Đã ghi thêm một bước vào hành trình của lô."}
    return await _batch_page(request, principal, batch_id, uow, rt, _flash(request, flashes))


async def _batch_form(
    request: Request,
    batch_id: str,
    uow: UowDep,
    rt: RuntimeDep,
    act: Callable[[Principal, dict[str, str]], Awaitable[str]],
) -> Response:
    """A form on a batch's page: another producer's batch answers 404 before the form is read."""
    principal = require_user(request)
    await batches.get_batch(batch_id, principal, uow)
    form = await form_of(request)
    return await _submit(
        form, lambda: act(principal, form), lambda notice: _batch_page(request, principal, batch_id, uow, rt, notice)
    )


@router.post("/batches/{batch_id}/events")
async def add_event(request: Request, batch_id: str, uow: UowDep, rt: RuntimeDep) -> Response:
    """Record a step of the batch's journey (harvest, processing, packing…), shown on the scan page."""

    async def act(principal: Principal, form: dict[str, str]) -> str:
        when = (form.get("time") or "").strip()
        if len(when) in (16, 19):  # a datetime-local field: the producer's local time is Vietnam's
            when += "+07:00"
        body = TrailEventIn.model_validate(
            {
                "type": form.get("type"),
                "time": when or None,
                "place": (form.get("place") or "").strip(),
                "note": (form.get("note") or "").strip(),
            }
        )
        await batches.append_trail_event(AppendTrailEvent(batch_id, body), principal, uow)
        return f"{PREFIX}/batches/{batch_id}?ok=event"

    return await _batch_form(request, batch_id, uow, rt, act)


@router.post("/batches/{batch_id}/stamp-runs")
async def order_run(request: Request, batch_id: str, uow: UowDep, rt: RuntimeDep) -> Response:
    async def act(principal: Principal, form: dict[str, str]) -> str:
        body = StampRunIn.model_validate({"count": (form.get("count") or "").replace(".", "").strip() or None})
        cmd = OrderStampRun(batch_id, body.count, body.layout.model_dump())
        run = await stamp_runs.order_stamp_run(
            cmd, principal, uow, max_count=rt.settings.max_stamps_per_run, jobs=rt.stamp_jobs
        )
        return f"{PREFIX}/runs/{run.id}"

    return await _batch_form(request, batch_id, uow, rt, act)


# -- stamp runs ------------------------------------------------------------------------------------


def _progress(status: stamp_runs.RunProgress) -> dict[str, Any]:
    run = status.run
    return run.progress() | {"status_vi": RUN_STATUS.get(run.status, run.status), "states": status.states}


async def _run_page(request: Request, principal: Principal, run_id: str, uow: UowDep, notice: Notice) -> Response:
    asked = request.query_params.get("trang", "1")
    number = int(asked) if asked.isdigit() and len(asked) < 9 else 1
    page = await stamp_runs.run_page(run_id, principal, uow, page=number)  # 404 for another producer's run
    return console.render(
        request,
        "run.html",
        user=principal,
        title="Đợt in tem",
        run=_progress(page.status),
        batch=page.batch,
        product=page.product,
        stamps=page.stamps,
        display_serial=display_serial,
        page=page.page,
        pages=page.pages,
        **notice.context(),
    )


@router.get("/runs/{run_id}")
async def run(request: Request, run_id: str, uow: UowDep) -> Response:
    principal = require_user(request)
    ok = request.query_params.get("ok", "")
    notice = Notice()
    if ok.startswith(("activate-", "void-")):
        action, _, n = ok.partition("-")
        notice = Notice(
            flash=f"Đã {'kích hoạt' if action == 'activate' else 'huỷ'} {int(n) if n.isdigit() else 0} tem."
        )
    return await _run_page(request, principal, run_id, uow, notice)


@router.get("/runs/{run_id}/progress")
async def run_progress(request: Request, run_id: str, uow: UowDep) -> JSONResponse:
    principal = require_user(request)
    status = await stamp_runs.run_status(run_id, principal, uow)
    return JSONResponse(_progress(status), headers={"Cache-Control": "no-store"})


@router.get("/runs/{run_id}/sheet.pdf")
async def run_sheet(
    request: Request,
    run_id: str,
    uow: UowDep,
    rt: RuntimeDep,
    format: SheetFormat = "a4",  # the query parameter's name, as in the API
    size: RollSize = "40x30",
) -> Response:
    if format == "roll":
        principal = require_user(request)
        return await print_response(stamp_runs.print_file(run_id, principal, uow, rt.sheets, "roll", size, 203))
    sheet = await stamp_runs.sheet_of(run_id, require_user(request), uow, rt.sheets)
    return FileResponse(sheet.path, media_type="application/pdf", filename=sheet.filename)


@router.get("/runs/{run_id}/labels.zpl")
async def run_zpl(
    request: Request, run_id: str, uow: UowDep, rt: RuntimeDep, size: RollSize = "40x30", dpi: Dpi = "203"
) -> Response:
    return await print_response(
        stamp_runs.print_file(run_id, require_user(request), uow, rt.sheets, "zpl", size, int(dpi))
    )


@router.get("/runs/{run_id}/codes.csv")
async def run_codes(request: Request, run_id: str, uow: UowDep) -> Response:
    urls = await stamp_runs.codes_of(run_id, require_user(request), uow)
    return StreamingResponse(
        codes_csv_stream(urls),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="tem-{run_id}.csv"'},
    )


@router.post("/runs/{run_id}/{action}")
async def change_stamps(request: Request, run_id: str, action: str, uow: UowDep, rt: RuntimeDep) -> Response:
    principal = require_user(request)
    if action not in ("activate", "void"):
        raise AppError("not_found", "Không có thao tác này")
    await stamp_runs.get_run(run_id, principal, uow)  # 404 before anything else for others' runs
    form = await form_of(request)

    async def act() -> str:
        body = SerialRangeIn.model_validate(
            blank_to_none(form, ("from_seq", "to_seq", "reason")) | {"reason": form.get("reason", "")}
        )
        serials = SerialRange(body.from_seq, body.to_seq)
        serials.check_ordered()
        cmd = ChangeStamps(run_id, ACTIVE if action == "activate" else VOID, serials)
        changed = await stamp_runs.change_stamps(cmd, principal, uow, rt.scan)
        return f"{PREFIX}/runs/{run_id}?ok={action}-{changed}"

    return await _submit(form, act, lambda notice: _run_page(request, principal, run_id, uow, notice))


# -- scans and clone alerts ------------------------------------------------------------------------


@router.get("/scans")
async def scans(request: Request, uow: UowDep) -> Response:
    principal = require_user(request)
    seen = await alerts.scan_overview(principal, uow)
    return console.render(
        request,
        "scans.html",
        user=principal,
        title="Lượt quét và cảnh báo",
        alerts=seen.alerts,
        scanned=seen.scanned,
        total_scans=seen.total_scans,
        products=seen.products,
        display_serial=display_serial,
    )
