"""Producer routes (officials write; a producer reads only its own record)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ocop_registry.api.deps import Reader, RuntimeDep, Staff
from ocop_registry.api.schemas import ProducerOut
from ocop_registry.app import producers
from ocop_registry.app.commands import ListProducers, RegisterProducer, UpdateProducer
from ocop_registry.app.inputs import ProducerIn, ProducerPatch
from ocop_registry.domain.producer import Producer

router = APIRouter(tags=["producers"])


def _out(p: Producer) -> ProducerOut:
    return ProducerOut.model_validate(p.model_dump())


@router.post("/producers", status_code=201, response_model=ProducerOut, summary="Register a producer (chủ thể)")
async def create_producer(body: ProducerIn, rt: RuntimeDep, principal: Staff) -> ProducerOut:
    return _out(await producers.register_producer(RegisterProducer(body), principal, rt.uow()))


@router.patch(
    "/producers/{producer_id}",
    response_model=ProducerOut,
    summary="Correct a producer (officials, within their provinces): only the fields sent change",
)
async def update_producer(producer_id: str, body: ProducerPatch, rt: RuntimeDep, principal: Staff) -> ProducerOut:
    return _out(await producers.update_producer(UpdateProducer(producer_id, body), principal, rt.uow()))


@router.get("/producers/{producer_id}", response_model=ProducerOut, summary="A producer's full record")
async def get_producer(producer_id: str, rt: RuntimeDep, principal: Reader) -> ProducerOut:
    return _out(await producers.get_producer(producer_id, principal, rt.uow()))


@router.get("/producers", response_model=list[ProducerOut], summary="List producers (officials)")
async def list_producers(
    rt: RuntimeDep,
    principal: Staff,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ProducerOut]:
    return [_out(p) for p in await producers.list_producers(ListProducers(limit, skip), principal, rt.uow())]
