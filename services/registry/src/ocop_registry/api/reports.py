"""KPI reports (JSON, or Excel with ``?format=xlsx``) and the public catalogue of certified products."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from ocop_registry.adapters.excel import report_xlsx
from ocop_registry.adapters.repository import CertificateRepository, ProducerRepository, ProductRepository
from ocop_registry.api.deps import runtime
from ocop_registry.app import reports
from ocop_registry.domain.product import ProductGroup
from ocop_shared.auth import Principal, require
from ocop_shared.errors import NotFound

router = APIRouter(tags=["reports"])
public = APIRouter(tags=["public catalogue"])
Official = Annotated[Principal, Depends(require("official", "operator"))]
Format = Annotated[Literal["json", "xlsx"], Query(alias="format")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _respond(report: dict, fmt: str, name: str) -> Response:
    if fmt == "xlsx":
        return Response(report_xlsx(report), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    body = {**report, "columns": [{"key": k, "label": v} for k, v in report["columns"]]}
    return JSONResponse(body)


@router.get("/reports/products-by-stars", summary="Certified products per unit, group and stars")
async def by_stars(request: Request, principal: Official, fmt: Format = "json") -> Response:
    return _respond(await reports.products_by_stars(runtime(request).db, principal.provinces), fmt, "ocop-theo-hang-sao")


@router.get("/reports/new-certifications", summary="Certifications per year")
async def per_year(request: Request, principal: Official, fmt: Format = "json") -> Response:
    return _respond(await reports.new_certifications(runtime(request).db, principal.provinces), fmt, "ocop-theo-nam")


@router.get("/reports/expiring", summary="Certificates expiring within N days")
async def expiring(request: Request, principal: Official, days: Annotated[int, Query(ge=0, le=3650)] = 90,
                   fmt: Format = "json") -> Response:
    report = await reports.expiring(runtime(request).db, days, date.today(), principal.provinces)
    return _respond(report, fmt, "ocop-sap-het-han")


@router.get("/reports/traceability", summary="Certified products with traceability stamps")
async def traced(request: Request, principal: Official, fmt: Format = "json") -> Response:
    return _respond(await reports.traceability(runtime(request).db, principal.provinces), fmt, "ocop-truy-xuat")


async def _public_entries(db, certificates) -> list[dict]:
    products = {p.id: p for p in await ProductRepository(db).find({"_id": {"$in": [c.product_id for c in certificates]}})}
    producers = await ProducerRepository(db).many([c.producer_id for c in certificates])
    out = []
    for c in certificates:
        p, producer = products.get(c.product_id), producers.get(c.producer_id)
        if p is None or producer is None:
            continue
        out.append({
            "product_id": p.id, "name": p.name, "group": p.group.value, "description": p.description,
            "unit": p.unit, "price_vnd": p.price_vnd, "images": p.images, "gtin": p.gtin,
            "stars": c.stars, "decision_no": c.decision_no, "issued_on": c.issued_on.isoformat(),
            "valid_until": c.valid_until.isoformat(),
            # public facts only: no tax code, phone, address or representative
            "producer": {"name": producer.public_name, "province": producer.province.get("name"),
                         "commune": (producer.commune or {}).get("name")},
        })
    return out


@public.get("/public/products", summary="Certified OCOP products (no login, no private data)")
async def catalogue(request: Request, group: ProductGroup | None = None,
                    province: Annotated[str | None, Query(max_length=100)] = None,
                    stars: Annotated[int | None, Query(ge=3, le=5)] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[dict]:
    query: dict = {"status": "active"}
    if group:
        query["group"] = group.value
    if stars:
        query["stars"] = stars
    if province:
        query["province.name" if not province.isdigit() else "province.code"] = province
    certs = await CertificateRepository(runtime(request).db).find(query, limit=limit, skip=skip)
    return await _public_entries(runtime(request).db, certs)


@public.get("/public/products/{product_id}", summary="One certified product (public)")
async def catalogue_entry(product_id: str, request: Request) -> dict:
    certs = await CertificateRepository(runtime(request).db).find({"product_id": product_id, "status": "active"})
    entries = await _public_entries(runtime(request).db, certs)
    if not entries:
        raise NotFound("product_not_found", "Không có sản phẩm OCOP còn hiệu lực với mã này")
    return entries[0]
