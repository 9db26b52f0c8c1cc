"""KPI reports (JSON, or Excel with ``?format=xlsx``) and the public catalogue of certified products."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from ocop_registry.adapters.excel import XLSX, report_xlsx
from ocop_registry.api.deps import RuntimeDep, Staff
from ocop_registry.app import reports
from ocop_registry.app.catalogue import public_product, public_products
from ocop_registry.app.commands import CatalogueQuery, ExpiringReport
from ocop_registry.domain.product import ProductGroup
from ocop_shared.openapi import returns

router = APIRouter(tags=["reports"])
public = APIRouter(tags=["public catalogue"])
Format = Annotated[Literal["json", "xlsx"], Query(alias="format")]
JSON_OR_XLSX = returns("application/json", XLSX, description="The report (JSON), or an Excel workbook with format=xlsx")


def _respond(report: dict, fmt: str, name: str) -> Response:
    if fmt == "xlsx":
        return Response(
            report_xlsx(report),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{reports.FILE_NAMES[name]}.xlsx"'},
        )
    body = {**report, "columns": [{"key": k, "label": v} for k, v in report["columns"]]}
    return JSONResponse(body)


@router.get(
    "/reports/products-by-stars", summary="Certified products per unit, group and stars", responses=JSON_OR_XLSX
)
async def by_stars(rt: RuntimeDep, principal: Staff, fmt: Format = "json") -> Response:
    return _respond(await reports.products_by_stars(principal, rt.uow()), fmt, "products-by-stars")


@router.get("/reports/new-certifications", summary="Certifications per year", responses=JSON_OR_XLSX)
async def per_year(rt: RuntimeDep, principal: Staff, fmt: Format = "json") -> Response:
    return _respond(await reports.new_certifications(principal, rt.uow()), fmt, "new-certifications")


@router.get("/reports/expiring", summary="Certificates expiring within N days", responses=JSON_OR_XLSX)
async def expiring(
    rt: RuntimeDep, principal: Staff, days: Annotated[int, Query(ge=0, le=3650)] = 90, fmt: Format = "json"
) -> Response:
    report = await reports.expiring(ExpiringReport(days, date.today()), principal, rt.uow())
    return _respond(report, fmt, "expiring")


@router.get("/reports/traceability", summary="Certified products with traceability stamps", responses=JSON_OR_XLSX)
async def traced(rt: RuntimeDep, principal: Staff, fmt: Format = "json") -> Response:
    return _respond(await reports.traceability(principal, rt.uow()), fmt, "traceability")


@public.get("/public/products", summary="Certified OCOP products (no login, no private data)")
async def catalogue(
    rt: RuntimeDep,
    group: ProductGroup | None = None,
    province: Annotated[str | None, Query(max_length=100)] = None,
    stars: Annotated[int | None, Query(ge=3, le=5)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict]:
    query = CatalogueQuery(group.value if group else None, province, stars, limit, skip)
    return await public_products(query, rt.uow())


@public.get("/public/products/{product_id}", summary="One certified product (public)")
async def catalogue_entry(product_id: str, rt: RuntimeDep) -> dict:
    return await public_product(product_id, rt.uow())
