"""Who may do what in marketplace_sync, on the one scope rule (``Principal.reaches`` / ``Principal.scope``).

Scope follows marketplace_sync's own copies: a product's producer from the product copy, the producer's
province from the producer copy (both fed by registry events). Ids the caller may not see answer 404.
"""

from __future__ import annotations

from ocop_marketplace_sync.app.ports import UnitOfWork
from ocop_shared.auth import Principal, check_push_again, reachable_products, require_role

__all__ = ["READERS", "RESYNCERS", "check_resync", "require_role", "visible_products"]

READERS = ("official", "operator", "producer")  # listings: a producer its own products
RESYNCERS = ("official", "operator")  # push listings again (after fixing a product's data)
SELLER_READERS = ("official", "operator")  # the seller records kept for producers


async def visible_products(principal: Principal, uow: UnitOfWork) -> set[str] | None:
    """Product ids the caller may see (None: all). A producer its own; a scoped official its provinces'."""
    return await reachable_products(principal, uow.products.ids_of_producers, uow.producers.in_provinces)


async def check_resync(principal: Principal, product_id: str | None, uow: UnitOfWork) -> None:
    """Operators and unscoped officials resync anything; an official scoped to provinces one product of theirs."""

    async def owner(product: str) -> tuple[str | None, str | None]:
        producer_id = await uow.products.producer_of(product)
        return producer_id, (await uow.producers.province_of(producer_id) if producer_id else None)

    await check_push_again(principal, RESYNCERS, product_id, owner)
