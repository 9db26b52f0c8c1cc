"""Who may do what in national_sync, on the one scope rule (``Principal.reaches`` / ``Principal.scope``).

Scope follows national_sync's own copies: a product's producer from its record, the producer's province from
the organisation copy (both fed by registry events). Ids the caller may not see answer 404.
"""

from __future__ import annotations

from ocop_national_sync.app.ports import UnitOfWork
from ocop_shared.auth import Principal, require_role
from ocop_shared.errors import Forbidden, NotFound

__all__ = ["READERS", "RESYNCERS", "check_resync", "require_role", "visible_products"]

READERS = ("official", "operator", "producer")  # portal status: a producer its own products
RESYNCERS = ("official", "operator")  # push to the portal again


async def visible_products(principal: Principal, uow: UnitOfWork) -> set[str] | None:
    """Product ids the caller may see (None: all). A producer its own; a scoped official its provinces'."""
    scope = principal.scope
    if scope.unlimited:
        return None
    if scope.producer_id is not None:
        return await uow.records.of_producers({scope.producer_id})
    return await uow.records.of_producers(await uow.organisations.in_provinces(scope.provinces))


async def check_resync(principal: Principal, product_id: str | None, uow: UnitOfWork) -> None:
    """Operators and unscoped officials resync anything; an official scoped to provinces one product of theirs."""
    require_role(principal, RESYNCERS)
    if principal.scope.unlimited:
        return
    if not product_id:
        raise Forbidden("out_of_scope", "Cán bộ phụ trách tỉnh chỉ đồng bộ lại từng sản phẩm của tỉnh mình")
    record = await uow.records.get(product_id)
    organisation = await uow.organisations.get(record.producer_id) if record and record.producer_id else None
    province = organisation.province.get("code") if organisation else None
    if record is None or not principal.reaches(record.producer_id, province):
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
