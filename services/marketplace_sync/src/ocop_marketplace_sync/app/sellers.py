"""marketplace_sync's copy of producers: listings show the seller's public name and province."""

from __future__ import annotations

from typing import Any

from ocop_marketplace_sync.app import policy
from ocop_marketplace_sync.app.commands import ProducerChanged
from ocop_marketplace_sync.app.ports import UnitOfWork
from ocop_shared.auth import Principal
from ocop_shared.errors import NotFound


async def producer_changed(cmd: ProducerChanged, uow: UnitOfWork) -> bool:
    async with uow:
        changed = await uow.producers.apply(cmd.producer, cmd.version)
        await uow.commit()
    return changed


async def seller_record(producer_id: str, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    policy.require_role(principal, policy.SELLER_READERS)
    record = await uow.producers.seller_record(producer_id)
    if record is None:
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")
    return record
