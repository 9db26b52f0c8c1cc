"""Use cases of products (sản phẩm): register, change facts, list; and the lookup every product use case
starts with (the product and its producer, if the caller may see or change them)."""

from __future__ import annotations

from bson import ObjectId

from ocop_registry.app import policy
from ocop_registry.app.commands import ListProducts, RegisterProduct, UpdateProduct
from ocop_registry.app.inputs import ProductIn
from ocop_registry.app.ports import ProductQuery, UnitOfWork
from ocop_registry.domain.errors import ProductNotFound
from ocop_registry.domain.producer import Producer
from ocop_registry.domain.product import Product
from ocop_registry.domain.snapshots import product_snapshot
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ProductRegistered, ProductUpdated


async def product_for(
    principal: Principal, uow: UnitOfWork, product_id: str, *, write: bool
) -> tuple[Product, Producer]:
    """The product and its producer if the caller may see them (or change them, with ``write``)."""
    product = await uow.products.get(product_id)
    if product is None:
        raise ProductNotFound()
    check = policy.writable if write else policy.readable
    return product, check(principal, await uow.producers.get(product.producer_id), ProductNotFound())


def new_product(details: ProductIn) -> Product:
    return Product(id=str(ObjectId()), created_at=utcnow(), **details.model_dump())


def announce(uow: UnitOfWork, product: Product, producer: Producer) -> None:
    uow.emit(ProductRegistered(product=product_snapshot(product, producer), version=product.version), key=product.id)


async def register_product(cmd: RegisterProduct, principal: Principal, uow: UnitOfWork) -> Product:
    async with uow.acting(principal, "product.register"):
        producer = policy.writable(principal, await uow.producers.get(cmd.product.producer_id))
        product = new_product(cmd.product)
        await uow.products.add(product)
        announce(uow, product, producer)
        await uow.commit()
    return product


async def update_product(cmd: UpdateProduct, principal: Principal, uow: UnitOfWork) -> Product:
    """Change product facts; consumers (scan pages, listings) follow the product.updated event."""
    async with uow.acting(principal, "product.update", product=cmd.product_id):
        product, producer = await product_for(principal, uow, cmd.product_id, write=True)
        updated = product.with_changes(cmd.changes.model_dump(exclude_unset=True))
        await uow.products.save(updated)
        uow.emit(ProductUpdated(product=product_snapshot(updated, producer), version=updated.version), key=product.id)
        await uow.commit()
    return updated


async def list_products(cmd: ListProducts, principal: Principal, uow: UnitOfWork) -> list[Product]:
    """Products (a producer sees only its own, a scoped official those of producers in its provinces)."""
    scope = principal.scope
    products = await uow.products.select(
        ProductQuery(producer_id=scope.producer_id or cmd.producer_id, group=cmd.group, limit=cmd.limit, skip=cmd.skip)
    )
    if cmd.q:
        needle = cmd.q.lower()
        products = [p for p in products if needle in p.name.lower()]
    if scope.provinces:
        producers = await uow.producers.many({p.producer_id for p in products})
        products = [
            p for p in products if p.producer_id in producers and policy.may_see(principal, producers[p.producer_id])
        ]
    return products
