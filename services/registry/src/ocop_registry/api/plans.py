"""Plans (kế hoạch OCOP) and their progress: targets per unit as the plan writes them, actual figures counted
live (JSON, Excel with ``?format=xlsx``, the report to the People's Committee with ``?format=pdf``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from ocop_registry.adapters.excel import XLSX, report_xlsx
from ocop_registry.adapters.plan_pdf import PDF, progress_pdf
from ocop_registry.api.deps import RuntimeDep, Staff
from ocop_registry.app import plans
from ocop_registry.app.inputs import PlanIn
from ocop_registry.app.plan_import import MAX_UPLOAD, targets_from_file
from ocop_registry.app.plan_report import progress_report
from ocop_shared.errors import AppError

router = APIRouter(tags=["plans"])
Year = Annotated[int | None, Query(ge=2018, le=2100, description="period counted (default: the plan's year)")]


@router.post("/plans", status_code=201, summary="Record a plan's targets per unit")
async def create(body: PlanIn, rt: RuntimeDep, principal: Staff) -> dict:
    plan = await plans.create_plan(body, principal, rt.uow(), rt.settings.plan_indicators)
    return plan.model_dump(mode="json")


@router.post("/plans/import", status_code=201, summary="Record a plan from an .xlsx/.csv shaped like its annex tables")
async def import_plan(
    rt: RuntimeDep,
    principal: Staff,
    file: Annotated[UploadFile, File(description="the annex tables: a header row with 'Đơn vị', one row per unit")],
    number: Annotated[str, Form(max_length=60)],
    year: Annotated[int, Form(ge=2018, le=2100)],
    issuer: Annotated[str, Form(max_length=200)],
    province: Annotated[str, Form(max_length=100)],
    title: Annotated[str, Form(max_length=300)] = "",
    issued_on: Annotated[date | None, Form()] = None,
) -> dict:
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise AppError("file_too_large", "Tệp quá lớn (tối đa 5 MB)")
    found = targets_from_file(file.filename or "", content)
    body = PlanIn.model_validate(
        {
            "number": number,
            "year": year,
            "issuer": issuer,
            "province": province,
            "title": title,
            "issued_on": issued_on,
            "indicators": found["indicators"],
            "targets": found["targets"],
        }
    )
    plan = await plans.create_plan(body, principal, rt.uow(), rt.settings.plan_indicators)
    return {**plan.model_dump(mode="json"), "ignored_columns": found["ignored_columns"]}


@router.get("/plans", summary="Plans of the caller's provinces")
async def listing(rt: RuntimeDep, principal: Staff) -> list[dict]:
    return [p.model_dump(mode="json") for p in await plans.list_plans(principal, rt.uow())]


@router.get("/plans/{plan_id}", summary="One plan")
async def one(plan_id: str, rt: RuntimeDep, principal: Staff) -> dict:
    return (await plans.get_plan(plan_id, principal, rt.uow())).model_dump(mode="json")


@router.get("/plans/{plan_id}/progress", summary="Targets, actual figures and the products behind each")
async def progress(
    plan_id: str,
    rt: RuntimeDep,
    principal: Staff,
    year: Year = None,
    fmt: Annotated[Literal["json", "xlsx", "pdf"], Query(alias="format")] = "json",
) -> Response:
    result = await plans.plan_progress(plan_id, year, principal, rt.uow())
    if fmt == "pdf":
        return Response(
            progress_pdf(result, office=rt.settings.plan_report_office, today=date.today()),
            media_type=PDF,
            headers={"Content-Disposition": f'attachment; filename="bao-cao-ke-hoach-ky-{result["period"]}.pdf"'},
        )
    if fmt == "xlsx":
        name = f"tien-do-ke-hoach-{result['plan']['year']}-ky-{result['period']}"
        return Response(
            report_xlsx(progress_report(result)),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return JSONResponse(result)
