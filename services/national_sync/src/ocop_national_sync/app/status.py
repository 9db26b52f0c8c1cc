"""Each product's state on the national portal (API and console), scoped to the caller, and the resync."""

from __future__ import annotations

from dataclasses import dataclass

from ocop_national_sync.app import policy
from ocop_national_sync.app.commands import Resync, StatusQuery
from ocop_national_sync.app.ports import UnitOfWork
from ocop_national_sync.domain.readiness import Missing
from ocop_national_sync.domain.record import PortalRecord
from ocop_shared.auth import Principal
from ocop_shared.errors import NotFound

LIST_LIMIT = 2000


@dataclass(frozen=True)
class ProductStatus:
    record: PortalRecord
    missing: list[Missing]

    @property
    def status(self) -> str:
        return self.record.status


async def statuses(query: StatusQuery, principal: Principal, uow: UnitOfWork) -> list[ProductStatus]:
    policy.require_role(principal, policy.READERS)
    visible = await policy.visible_products(principal, uow)
    wanted: set[str] | None = visible
    if query.product_id:
        if visible is not None and query.product_id not in visible:
            raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
        wanted = {query.product_id}
    records = [r for r in await uow.records.listed(wanted, LIST_LIMIT) if r.product is not None]
    if query.product_id and not records:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    return [ProductStatus(r, [Missing(code) for code in r.missing]) for r in records]


async def resync(cmd: Resync, principal: Principal, uow: UnitOfWork) -> int:
    await policy.check_resync(principal, cmd.product_id, uow)
    return await uow.records.resync(cmd.product_id)
