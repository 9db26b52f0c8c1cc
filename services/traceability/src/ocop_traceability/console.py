"""Traceability's console pages (``/console``): growing areas on a map, batches, stamp runs with live
progress, PDF/CSV downloads, activating and voiding stamps, scans and clone alerts.

A producer sees only its own records (other ids answer 404, as in the API); officials see all. Forms are
validated with the API schemas and handed to the API's route functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, Console, NavEntry, blank_to_none, form_of, require_user
from ocop_shared.errors import AppError
from ocop_traceability.api import batches as batches_api
from ocop_traceability.api import places as places_api
from ocop_traceability.api.schemas import BatchIn, GrowingAreaIn, SerialRangeIn, StampRunIn, TrailEventIn
from ocop_traceability.app.batches import batch_for, trail
from ocop_traceability.app.places import feature, visible
from ocop_traceability.domain.codes import display_serial
from ocop_traceability.domain.geometry import hectares, parse_boundary

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = (NavEntry("/areas", "Vùng trồng"), NavEntry("/batches", "Lô hàng và tem"),
       NavEntry("/scans", "Lượt quét, cảnh báo"))
FIELD_NAMES = {"name": "Tên", "product_id": "Sản phẩm", "growing_area_code": "Vùng trồng", "harvest_date": "Ngày thu hoạch",
               "quantity": "Sản lượng", "unit": "Đơn vị", "lot": "Mã lô", "count": "Số tem", "from_seq": "Từ số thứ tự",
               "to_seq": "Đến số thứ tự", "code": "Mã", "crop": "Cây trồng", "area_ha": "Diện tích (ha)",
               "time": "Thời gian", "place": "Địa điểm", "note": "Ghi chú", "type": "Công đoạn"}
console = Console("traceability", Path(__file__).resolve().parent / "templates" / "console", nav=NAV,
                  field_names=FIELD_NAMES)
RUN_STATUS = {"queued": "Đang chờ", "generating": "Đang sinh mã tem", "rendering": "Đang dàn trang PDF",
              "ready": "Sẵn sàng in", "failed": "Lỗi"}
STAMP_STATE = {"issued": "Đã phát hành", "active": "Đang dùng", "void": "Đã huỷ"}
EVENT_NAMES = {"harvesting": "Thu hoạch", "processing": "Chế biến", "packing": "Đóng gói", "shipping": "Xuất hàng",
               "receiving": "Nhận hàng", "inspection": "Kiểm tra"}
console.env.globals.update(RUN_STATUS=RUN_STATUS, STAMP_STATE=STAMP_STATE, EVENT_NAMES=EVENT_NAMES)


async def _own(request: Request, principal: Principal) -> dict[str, Any]:
    """What the caller may see: a producer its own, a scoped official its provinces (as the API)."""
    return await visible(request.app.state.runtime.db, principal)


def _error(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, AppError):
        return exc.status, exc.message
    return 422, console.validation_message(exc)


# -- growing areas ---------------------------------------------------------------------------------

async def _areas_page(request: Request, principal: Principal, *, status: int = 200, error: str | None = None,
                      flash: str | None = None, form: dict | None = None) -> Response:
    db = request.app.state.runtime.db
    docs = await db.growing_areas.find(await _own(request, principal)).sort("_id", 1).to_list(1000)
    geojson = json.dumps({"type": "FeatureCollection", "features": [feature(d) for d in docs]}, ensure_ascii=False)
    producers = [p async for p in db.producers.find({}, projection={"public_name": 1, "name": 1, "province": 1})
                 if principal.role != "producer" or p["_id"] == principal.producer_id]
    producers = [p for p in producers if principal.covers((p.get("province") or {}).get("code"))]
    return console.render(request, "areas.html", status=status, user=principal, title="Vùng trồng", areas=docs,
                          geojson=geojson.replace("</", "<\\/"), producers=producers, error=error, flash=flash,
                          form=form or {})


@router.get("")
async def start(request: Request) -> Response:
    require_user(request)
    return RedirectResponse(f"{PREFIX}/batches", status_code=303)


@router.get("/areas")
async def areas(request: Request) -> Response:
    principal = require_user(request)
    flash = {"created": "Đã đăng ký vùng trồng."}.get(request.query_params.get("ok", ""))
    return await _areas_page(request, principal, flash=flash)


@router.post("/areas")
async def register_area(request: Request) -> Response:
    """Register a growing area with its official code; the boundary as GPS points or GeoJSON."""
    principal = require_user(request)
    form = await form_of(request)
    db = request.app.state.runtime.db
    try:
        producer_id = principal.producer_id if principal.role == "producer" else (form.get("producer_id") or "")
        producer = await db.producers.find_one({"_id": producer_id}) or {}
        geometry = parse_boundary(form.get("boundary", ""))
        area_ha = (form.get("area_ha") or "").strip().replace(",", ".")
        body = GrowingAreaIn.model_validate({
            "code": form.get("code", ""), "name": form.get("name", ""), "crop": form.get("crop", ""),
            "producer_id": producer_id, "province": producer.get("province") or {"name": "?"},
            "commune": {"name": form["commune"].strip()} if (form.get("commune") or "").strip() else None,
            "area_ha": area_ha or hectares(geometry), "geometry": geometry})
        await places_api.create_area(body, request, principal)
    except (AppError, ValidationError) as exc:
        status, message = _error(exc)
        return await _areas_page(request, principal, status=status, error=message, form=form)
    return RedirectResponse(f"{PREFIX}/areas?ok=created", status_code=303)


# -- batches ---------------------------------------------------------------------------------------

async def _batches_page(request: Request, principal: Principal, *, product_id: str | None = None, status: int = 200,
                        error: str | None = None, form: dict | None = None) -> Response:
    db = request.app.state.runtime.db
    query = await _own(request, principal) | ({"product_id": product_id} if product_id else {})
    batches = await db.batches.find(query).sort("created_at", -1).to_list(300)
    products = {p["_id"]: p for p in await db.products.find(await _own(request, principal)).sort("name", 1).to_list(2000)}
    areas_ = await db.growing_areas.find(await _own(request, principal)).sort("_id", 1).to_list(1000)
    return console.render(request, "batches.html", status=status, user=principal, title="Lô hàng và tem truy xuất",
                          batches=batches, products=products, areas=areas_, error=error, form=form or {},
                          product_id=product_id, can_create=principal.role == "producer")


@router.get("/batches")
async def batches(request: Request, product_id: str | None = None) -> Response:
    principal = require_user(request)
    return await _batches_page(request, principal, product_id=product_id)


@router.post("/batches")
async def create_batch(request: Request) -> Response:
    principal = require_user(request)
    form = await form_of(request)
    try:
        fields = blank_to_none(form, ("product_id", "growing_area_code", "harvest_date", "quantity", "unit", "lot"))
        if fields.get("quantity"):
            fields["quantity"] = fields["quantity"].replace(",", ".")
        body = BatchIn.model_validate({k: v for k, v in fields.items() if v is not None or k != "lot"})
        batch = await batches_api.post_batch(body, request, principal)
    except (AppError, ValidationError) as exc:
        status, message = _error(exc)
        return await _batches_page(request, principal, status=status, error=message, form=form)
    return RedirectResponse(f"{PREFIX}/batches/{batch['id']}?ok=created", status_code=303)


async def _batch_page(request: Request, principal: Principal, batch_id: str, *, status: int = 200,
                      error: str | None = None, form: dict | None = None) -> Response:
    db = request.app.state.runtime.db
    batch = await batch_for(db, batch_id, principal)
    product = await db.products.find_one({"_id": batch["product_id"]}) or {}
    runs = await db.stamp_runs.find({"batch_id": batch_id}).sort("created_at", -1).to_list(200)
    flash = {"created": "Đã tạo lô hàng.", "event": "Đã ghi thêm một bước vào hành trình của lô."}.get(
        request.query_params.get("ok", ""))
    return console.render(request, "batch.html", status=status, user=principal, title=f"Lô {batch['lot']}",
                          batch=batch, product=product, runs=runs, events=await trail(db, batch_id), error=error,
                          flash=flash, form=form or {}, max_count=request.app.state.runtime.settings.max_stamps_per_run)


@router.get("/batches/{batch_id}")
async def batch(request: Request, batch_id: str) -> Response:
    principal = require_user(request)
    return await _batch_page(request, principal, batch_id)


@router.post("/batches/{batch_id}/events")
async def add_event(request: Request, batch_id: str) -> Response:
    """Record a step of the batch's journey (harvest, processing, packing…), shown on the scan page."""
    principal = require_user(request)
    await batch_for(request.app.state.runtime.db, batch_id, principal)  # 404 for another producer's batch
    form = await form_of(request)
    try:
        when = (form.get("time") or "").strip()
        if len(when) in (16, 19):  # a datetime-local field: the producer's local time is Vietnam's
            when += "+07:00"
        body = TrailEventIn.model_validate({"type": form.get("type"), "time": when or None,
                                            "place": (form.get("place") or "").strip(),
                                            "note": (form.get("note") or "").strip()})
        await batches_api.post_event(batch_id, body, request, principal)
    except (AppError, ValidationError) as exc:
        status, message = _error(exc)
        return await _batch_page(request, principal, batch_id, status=status, error=message, form=form)
    return RedirectResponse(f"{PREFIX}/batches/{batch_id}?ok=event", status_code=303)


@router.post("/batches/{batch_id}/stamp-runs")
async def order_run(request: Request, batch_id: str) -> Response:
    principal = require_user(request)
    await batch_for(request.app.state.runtime.db, batch_id, principal)  # 404 for another producer's batch
    form = await form_of(request)
    try:
        body = StampRunIn.model_validate({"count": (form.get("count") or "").replace(".", "").strip() or None})
        answer = await batches_api.post_run(batch_id, body, request, principal)
    except (AppError, ValidationError) as exc:
        status, message = _error(exc)
        return await _batch_page(request, principal, batch_id, status=status, error=message, form=form)
    run_id = json.loads(answer.body)["id"]
    return RedirectResponse(f"{PREFIX}/runs/{run_id}", status_code=303)


# -- stamp runs ------------------------------------------------------------------------------------

def _progress(view: dict) -> dict:
    return {**view, "status_vi": RUN_STATUS.get(view["status"], view["status"])}


async def _run_page(request: Request, principal: Principal, run_id: str, *, status: int = 200,
                    error: str | None = None, flash: str | None = None, form: dict | None = None) -> Response:
    view = await batches_api.get_run(run_id, request, principal)  # 404 for another producer's run
    db = request.app.state.runtime.db
    run = await db.stamp_runs.find_one({"_id": run_id})
    batch_ = await db.batches.find_one({"_id": run["batch_id"]}) or {}
    product = await db.products.find_one({"_id": run["product_id"]}) or {}
    pages = max(1, (view["count"] + 49) // 50)
    asked = request.query_params.get("trang", "1")
    page = min(max(1, int(asked)), pages) if asked.isdigit() and len(asked) < 9 else 1
    stamps = []
    if view["status"] == "ready":
        stamps = await db.stamps.find({"run_id": run_id}, projection={"seq": 1, "state": 1, "scan_count": 1}) \
            .sort("seq", 1).skip((page - 1) * 50).limit(50).to_list(50)
    return console.render(request, "run.html", status=status, user=principal, title="Đợt in tem", run=_progress(view),
                          batch=batch_, product=product, stamps=stamps, display_serial=display_serial, error=error,
                          flash=flash, form=form or {}, page=page, pages=pages)


@router.get("/runs/{run_id}")
async def run(request: Request, run_id: str) -> Response:
    principal = require_user(request)
    ok = request.query_params.get("ok", "")
    flash = None
    if ok.startswith(("activate-", "void-")):
        action, _, n = ok.partition("-")
        flash = f"Đã {'kích hoạt' if action == 'activate' else 'huỷ'} {int(n) if n.isdigit() else 0} tem."
    return await _run_page(request, principal, run_id, flash=flash)


@router.get("/runs/{run_id}/progress")
async def run_progress(request: Request, run_id: str) -> JSONResponse:
    principal = require_user(request)
    return JSONResponse(_progress(await batches_api.get_run(run_id, request, principal)),
                        headers={"Cache-Control": "no-store"})


@router.get("/runs/{run_id}/sheet.pdf")
async def run_sheet(request: Request, run_id: str) -> Response:
    return await batches_api.get_sheet(run_id, request, require_user(request))


@router.get("/runs/{run_id}/codes.csv")
async def run_codes(request: Request, run_id: str) -> Response:
    return await batches_api.get_codes(run_id, request, require_user(request))


@router.post("/runs/{run_id}/{action}")
async def change_stamps(request: Request, run_id: str, action: str) -> Response:
    principal = require_user(request)
    if action not in ("activate", "void"):
        raise AppError("not_found", "Không có thao tác này")
    await batches_api.get_run(run_id, request, principal)  # 404 before anything else for others' runs
    form = await form_of(request)
    try:
        body = SerialRangeIn.model_validate(blank_to_none(form, ("from_seq", "to_seq", "reason")) | {
            "reason": form.get("reason", "")})
        if body.from_seq and body.to_seq and body.from_seq > body.to_seq:
            raise AppError("bad_range", "Số thứ tự đầu phải nhỏ hơn hoặc bằng số thứ tự cuối")
        endpoint = batches_api.activate if action == "activate" else batches_api.void
        result = await endpoint(run_id, body, request, principal)
    except (AppError, ValidationError) as exc:
        status, message = _error(exc)
        return await _run_page(request, principal, run_id, status=status, error=message, form=form)
    return RedirectResponse(f"{PREFIX}/runs/{run_id}?ok={action}-{result['changed']}", status_code=303)


# -- scans and clone alerts ------------------------------------------------------------------------

@router.get("/scans")
async def scans(request: Request) -> Response:
    principal = require_user(request)
    db = request.app.state.runtime.db
    alerts = await db.clone_alerts.find(await _own(request, principal)).sort("at", -1).to_list(200)
    runs = await db.stamp_runs.find(await _own(request, principal), projection={"_id": 1}).to_list(1000)
    scanned = []
    for r in runs:  # stamps are indexed by run
        scanned += await db.stamps.find({"run_id": r["_id"], "scan_count": {"$gt": 0}},
                                        projection={"seq": 1, "state": 1, "scan_count": 1, "product_id": 1,
                                                    "first_scan_at": 1, "run_id": 1, "clone_reason": 1}).to_list(1000)
    scanned.sort(key=lambda s: -int(s.get("scan_count") or 0))
    product_ids = list({s["product_id"] for s in scanned} | {a["product_id"] for a in alerts})
    products = {p["_id"]: p for p in await db.products.find({"_id": {"$in": product_ids}}).to_list(2000)}
    return console.render(request, "scans.html", user=principal, title="Lượt quét và cảnh báo", alerts=alerts,
                          scanned=scanned[:200], total_scans=sum(int(s.get("scan_count") or 0) for s in scanned),
                          products=products, display_serial=display_serial)
