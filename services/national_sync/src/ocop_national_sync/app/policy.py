"""Who may do what in national_sync, on the one scope rule (``Principal.reaches`` / ``Principal.scope``).

Scope follows national_sync's own copies: a product's producer from its record, the producer's province from
the organisation copy (both fed by registry events). Ids the caller may not see answer 404.
"""

from __future__ import annotations

from ocop_national_sync.app.ports import UnitOfWork
from ocop_shared.auth import Principal, check_push_again, reachable_products, require_role

__all__ = ["READERS", "RESYNCERS", "check_resync", "require_role", "visible_products"]

READERS = ("official", "operator", "producer")  # portal status: a producer its own products
RESYNCERS = ("official", "operator")  # push to the portal again


async def visible_products(principal: Principal, uow: UnitOfWork) -> set[str] | None:
    """Product ids the caller may see (None: all). A producer its own; a scoped official its provinces'."""
    return await reachable_products(principal, uow.records.of_producers, uow.organisations.in_provinces)


async def check_resync(principal: Principal, product_id: str | None, uow: UnitOfWork) -> None:
    """Operators and unscoped officials resync anything; an official scoped to provinces one product of theirs."""

    async def owner(product: str) -> tuple[str | None, str | None]:
        record = await uow.records.get(product)
        organisation = await uow.organisations.get(record.producer_id) if record and record.producer_id else None
        return (record.producer_id if record else None), (organisation.province.get("code") if organisation else None)

    await check_push_again(principal, RESYNCERS, product_id, owner)
