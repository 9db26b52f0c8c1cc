"""The public catalogue of certified products (no login): public facts only — no tax code, phone, address or
representative."""

from __future__ import annotations

from typing import Any

from ocop_registry.app.commands import CatalogueQuery
from ocop_registry.app.ports import CertificateQuery, ProductQuery, UnitOfWork
from ocop_registry.domain.certificate import Certificate
from ocop_registry.domain.errors import ProductNotFound


async def public_products(query: CatalogueQuery, uow: UnitOfWork) -> list[dict[str, Any]]:
    by_code = bool(query.province and query.province.isdigit())
    certificates = await uow.certificates.select(
        CertificateQuery(
            status="active",
            group=query.group,
            stars=query.stars,
            limit=query.limit,
            skip=query.skip,
            province_code=query.province if by_code else None,
            province_name=None if by_code else query.province,
        )
    )
    return await _entries(certificates, uow)


async def public_product(product_id: str, uow: UnitOfWork) -> dict[str, Any]:
    entries = await _entries(
        await uow.certificates.select(CertificateQuery(product_id=product_id, status="active")), uow
    )
    if not entries:
        raise ProductNotFound("Không có sản phẩm OCOP còn hiệu lực với mã này")
    return entries[0]


async def _entries(certificates: list[Certificate], uow: UnitOfWork) -> list[dict[str, Any]]:
    products = {p.id: p for p in await uow.products.select(ProductQuery(ids=tuple(c.product_id for c in certificates)))}
    producers = await uow.producers.many(c.producer_id for c in certificates)
    out = []
    for c in certificates:
        p, producer = products.get(c.product_id), producers.get(c.producer_id)
        if p is None or producer is None:
            continue
        out.append(
            {
                "product_id": p.id,
                "name": p.name,
                "group": p.group.value,
                "description": p.description,
                "unit": p.unit,
                "price_vnd": p.price_vnd,
                "images": p.images,
                "gtin": p.gtin,
                "stars": c.stars,
                "decision_no": c.decision_no,
                "issued_on": c.issued_on.isoformat(),
                "valid_until": c.valid_until.isoformat(),
                "producer": {
                    "name": producer.public_name,
                    "province": producer.province.get("name"),
                    "commune": (producer.commune or {}).get("name"),
                },
            }
        )
    return out
