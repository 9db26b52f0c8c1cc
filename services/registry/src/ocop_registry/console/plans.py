"""Officials' plan pages: the plans of their provinces, and a plan's dashboard (per unit and indicator:
target, actual, percentage, with the products behind each figure; SVG bars drawn here), its Excel download."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ocop_registry.adapters.excel import XLSX, report_xlsx
from ocop_registry.adapters.plan_pdf import PDF, progress_pdf
from ocop_registry.app import plans
from ocop_registry.app.inputs import PlanIn
from ocop_registry.app.plan_import import MAX_UPLOAD, targets_from_file
from ocop_registry.app.plan_report import progress_report
from ocop_registry.app.policy import STAFF
from ocop_registry.console import charts
from ocop_registry.console.common import console, redirect, refusal, router
from ocop_registry.runtime import RuntimeDep
from ocop_shared.auth import Principal
from ocop_shared.console import PREFIX, form_of, require_user
from ocop_shared.errors import AppError

Period = Annotated[int | None, Query(ge=2018, le=2100)]
FIELDS = ("number", "year", "issuer", "province", "title", "issued_on")


async def _list(request: Request, rt: RuntimeDep, principal: Principal, **context: Any) -> Response:
    found = await plans.list_plans(principal, rt.uow())
    return console.render(request, "plans.html", user=principal, title="Kế hoạch OCOP", plans=found, **context)


@router.get("/plans")
async def plan_list(request: Request, rt: RuntimeDep) -> Response:
    return await _list(request, rt, require_user(request, *STAFF), form={})


@router.post("/plans")
async def plan_upload(request: Request, rt: RuntimeDep) -> Response:
    """A plan entered from its annex tables (.xlsx/.csv) and its number, year, issuer and province."""
    principal = require_user(request, *STAFF)
    form = await form_of(request)
    upload = (await request.form()).get("file")
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise AppError("missing_file", "Chọn tệp bảng chỉ tiêu (.xlsx hoặc .csv)")
        content = await upload.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise AppError("file_too_large", "Tệp quá lớn (tối đa 5 MB)")
        found = targets_from_file(upload.filename, content)
        body = PlanIn.model_validate(
            {
                **{k: v.strip() for k, v in form.items() if k in FIELDS and v.strip()},
                "indicators": found["indicators"],
                "targets": found["targets"],
            }
        )
        plan = await plans.create_plan(body, principal, rt.uow(), rt.settings.plan_indicators)
    except (AppError, ValidationError) as exc:
        status, message = refusal(exc)
        return await _list(request, rt, principal, form=form, status=status, error=message)
    return redirect(f"{PREFIX}/plans/{plan.id}")


def dashboard_charts(result: dict) -> dict:
    """The SVG charts of a progress result: bars per unit for each indicator, the province total, quarters."""
    per_indicator = []
    total = next(r for r in result["rows"] if r["total"])
    for ind in result["indicators"]:
        k = ind["key"]
        items = [
            charts.Bar(
                r["unit"], r["written"] or r["name"], r["cells"][k]["target"], r["cells"][k]["actual"], r["total"]
            )
            for r in result["rows"]
        ]
        per_indicator.append(charts.bars(ind["label"], k, items))
    totals = charts.bars(
        f"{total['written'] or total['name']}: các chỉ tiêu",
        "total",
        [
            charts.Bar(i["key"], i["label"], total["cells"][i["key"]]["target"], total["cells"][i["key"]]["actual"])
            for i in result["indicators"]
        ],
        label_w=330,
    )
    quarters = charts.columns(
        f"Sản phẩm được công nhận mới theo quý, năm {result['period']}",
        ["Quý I", "Quý II", "Quý III", "Quý IV"],
        result["quarters"],
    )
    return {"indicators": per_indicator, "total": totals, "quarters": quarters}


@router.get("/plans/{plan_id}")
async def dashboard(request: Request, rt: RuntimeDep, plan_id: str, nam: Period = None) -> Response:
    principal = require_user(request, *STAFF)
    result = await plans.plan_progress(plan_id, nam, principal, rt.uow())
    return console.render(
        request,
        "plan_dashboard.html",
        user=principal,
        title=f"Tiến độ Kế hoạch {result['plan']['number']}",
        result=result,
        charts=dashboard_charts(result),
    )


@router.get("/plans/{plan_id}/tien-do.xlsx")
async def dashboard_xlsx(request: Request, rt: RuntimeDep, plan_id: str, nam: Period = None) -> Response:
    principal = require_user(request, *STAFF)
    result = await plans.plan_progress(plan_id, nam, principal, rt.uow())
    name = f"tien-do-ke-hoach-{result['plan']['year']}-ky-{result['period']}"
    return Response(
        report_xlsx(progress_report(result)),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/plans/{plan_id}/bao-cao.pdf")
async def dashboard_pdf(request: Request, rt: RuntimeDep, plan_id: str, nam: Period = None) -> Response:
    principal = require_user(request, *STAFF)
    result = await plans.plan_progress(plan_id, nam, principal, rt.uow())
    return Response(
        progress_pdf(result, office=rt.settings.plan_report_office, today=date.today()),
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="bao-cao-ke-hoach-ky-{result["period"]}.pdf"'},
    )
