"""Traceability's copy of products and their certificates, fed by registry events (newest version wins)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.models import CertificateSnapshot, ProductSnapshot
from ocop_shared.projection import upsert_if_newer


def _product_fields(p: ProductSnapshot) -> dict:
    return {"producer_id": p.producer_id, "name": p.name, "group": p.group, "gtin": p.gtin, "images": p.images,
            "unit": p.unit, "description": p.description, "producer_public_name": p.producer_public_name,
            "province": p.province.model_dump()}


async def apply_product(db: AsyncDatabase, product: ProductSnapshot, version: int, session: AsyncClientSession) -> bool:
    return await upsert_if_newer(db.products, product.product_id, _product_fields(product), version, session, merge=True)


async def apply_certificate(db: AsyncDatabase, product: ProductSnapshot, certificate: CertificateSnapshot,
                            version: int, session: AsyncClientSession) -> bool:
    fields = _product_fields(product) | {"certificate": certificate.model_dump(mode="json")}
    return await upsert_if_newer(db.products, product.product_id, fields, version, session, merge=True)
