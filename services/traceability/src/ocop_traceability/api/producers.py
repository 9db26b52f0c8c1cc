"""Traceability's view of producers (a copy fed by registry events)."""

from __future__ import annotations

from fastapi import APIRouter

from ocop_traceability.api.deps import Actor, UowDep
from ocop_traceability.app.places import producer_copy

router = APIRouter(tags=["producers"])


@router.get("/producers/{producer_id}", summary="Traceability's copy of a producer (public facts)")
async def get_producer(producer_id: str, principal: Actor, uow: UowDep) -> dict:
    producer = await producer_copy(producer_id, principal, uow)
    return {**producer.model_dump(exclude={"id"}), "id": producer.id}
