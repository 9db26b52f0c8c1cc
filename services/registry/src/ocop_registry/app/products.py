"""Use cases: register and update products (sản phẩm)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from ocop_registry.adapters.repository import CertificateRepository, ProducerRepository, ProductRepository
from ocop_registry.app.snapshots import certificate_snapshot, product_snapshot
from ocop_registry.domain.product import Product, ProductGroup, normalize_gtin
from ocop_shared.errors import NotFound
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ProductRegistered, ProductUpdated
from ocop_shared.uow import MongoUnitOfWork


def new_product(fields: dict[str, Any]) -> Product:
    fields = dict(fields)
    if fields.get("gtin"):
        fields["gtin"] = normalize_gtin(fields["gtin"])
    return Product(id=str(ObjectId()), created_at=utcnow(), **fields)


async def register_product(fields: dict[str, Any], uow: MongoUnitOfWork) -> Product:
    product = new_product(fields)
    async with uow:
        producer = await ProducerRepository(uow.db, uow.session).get(product.producer_id)
        if producer is None:
            raise NotFound("producer_not_found", f"Không tìm thấy chủ thể {product.producer_id}")
        await ProductRepository(uow.db, uow.session).add(product)
        uow.emit(ProductRegistered(product=product_snapshot(product, producer), version=product.version),
                 key=product.id)
        await uow.commit()
    return product


async def update_product(product_id: str, changes: dict[str, Any], uow: MongoUnitOfWork) -> Product:
    """Change product facts; consumers (scan pages, listings) follow the product.updated event."""
    async with uow:
        products = ProductRepository(uow.db, uow.session)
        product = await products.get(product_id)
        if product is None:
            raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
        if changes.get("gtin"):
            changes["gtin"] = normalize_gtin(changes["gtin"])
        if changes.get("group") is not None:  # null is refused by the re-check below (422), not a crash here
            changes["group"] = ProductGroup(changes["group"])
        updated = product.model_copy(update={**changes, "version": product.version + 1})
        Product.model_validate(updated.model_dump())  # re-check the rules on the result
        producer = await ProducerRepository(uow.db, uow.session).get(product.producer_id)
        await products.save(updated)
        uow.emit(ProductUpdated(product=product_snapshot(updated, producer), version=updated.version), key=product.id)
        await uow.commit()
    return updated


async def product_view(db, product_id: str) -> tuple[Product, dict | None] | None:
    product = await ProductRepository(db).get(product_id)
    if product is None:
        return None
    certificate = await CertificateRepository(db).get(product.current_certificate_id) if product.current_certificate_id else None
    return product, (certificate_snapshot(certificate).model_dump(mode="json") | {
        "level": certificate.level, "kind": certificate.kind.value}) if certificate else None


__all__ = ["register_product", "update_product", "product_view", "new_product"]
