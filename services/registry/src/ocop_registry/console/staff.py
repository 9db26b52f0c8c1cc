"""Officials' pages: products expiring soon, the KPI reports and their Excel downloads."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import Response

from ocop_registry.adapters.excel import XLSX, report_xlsx
from ocop_registry.app import reports
from ocop_registry.app.commands import ExpiringReport
from ocop_registry.app.policy import STAFF
from ocop_registry.console.common import console, router
from ocop_registry.domain.certificate import EXPIRY_WARNING_DAYS
from ocop_registry.runtime import RuntimeDep
from ocop_shared.console import require_user
from ocop_shared.errors import NotFound


def _days(days: int) -> int:
    return max(0, min(days, 3650))


@router.get("/expiring")
async def expiring(request: Request, rt: RuntimeDep, days: int = EXPIRY_WARNING_DAYS) -> Response:
    principal = require_user(request, *STAFF)
    report = await reports.expiring(ExpiringReport(_days(days), date.today()), principal, rt.uow())
    return console.render(
        request,
        "expiring.html",
        user=principal,
        title="Sản phẩm sắp hết hạn chứng nhận",
        report=report,
        days=_days(days),
    )


@router.get("/reports")
async def reports_page(request: Request, rt: RuntimeDep) -> Response:
    principal = require_user(request, *STAFF)
    tables = [(name, await report(principal, rt.uow())) for name, report in reports.TABLES.items()]
    return console.render(request, "reports.html", user=principal, title="Báo cáo chỉ tiêu OCOP", tables=tables)


@router.get("/reports/{name}.xlsx")
async def report_download(request: Request, rt: RuntimeDep, name: str, days: int = EXPIRY_WARNING_DAYS) -> Response:
    principal = require_user(request, *STAFF)
    if name == "expiring":
        report = await reports.expiring(ExpiringReport(_days(days), date.today()), principal, rt.uow())
    elif name in reports.TABLES:
        report = await reports.TABLES[name](principal, rt.uow())
    else:
        raise NotFound("report_not_found", "Không có báo cáo này")
    return Response(
        report_xlsx(report),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{reports.FILE_NAMES[name]}.xlsx"'},
    )
