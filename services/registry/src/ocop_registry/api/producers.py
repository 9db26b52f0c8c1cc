"""Producer routes (officials write; a producer reads only its own record)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from ocop_registry.adapters.repository import ProducerRepository
from ocop_registry.api.schemas import ProducerIn, ProducerOut
from ocop_registry.app.register_producer import RegisterProducer, register_producer
from ocop_registry.domain.producer import Contact, Producer
from ocop_shared.auth import Principal, require
from ocop_shared.errors import Forbidden, NotFound

router = APIRouter(tags=["producers"])


def _out(p: Producer) -> ProducerOut:
    data = asdict(p)
    return ProducerOut.model_validate(data)


@router.post("/producers", status_code=201, response_model=ProducerOut, summary="Register a producer (chủ thể)")
async def create_producer(body: ProducerIn, request: Request,
                          principal: Annotated[Principal, Depends(require("official", "operator"))]) -> ProducerOut:
    if principal.provinces and body.province.code not in principal.provinces:
        raise Forbidden("out_of_scope", "Cán bộ chỉ được đăng ký chủ thể trong tỉnh mình phụ trách")
    cmd = RegisterProducer(
        name=body.name, kind=body.kind, tax_code=body.tax_code, province=body.province, commune=body.commune,
        district=body.district, address=body.address, legal_form=body.legal_form, public_name=body.public_name,
        contact=Contact(**body.contact.model_dump()) if body.contact else None,
    )
    producer = await register_producer(cmd, request.app.state.runtime.uow())
    return _out(producer)


@router.get("/producers/{producer_id}", response_model=ProducerOut, summary="A producer's full record")
async def get_producer(producer_id: str, request: Request,
                       principal: Annotated[Principal, Depends(require("official", "operator", "producer"))]) -> ProducerOut:
    if not principal.owns(producer_id):
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")  # do not reveal others' ids
    producer = await ProducerRepository(request.app.state.runtime.db).get(producer_id)
    if producer is None:
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")
    return _out(producer)


@router.get("/producers", response_model=list[ProducerOut], summary="List producers (officials)")
async def list_producers(request: Request,
                         principal: Annotated[Principal, Depends(require("official", "operator"))],
                         limit: Annotated[int, Query(ge=1, le=500)] = 100,
                         skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[ProducerOut]:
    producers = await ProducerRepository(request.app.state.runtime.db).list(
        province_codes=principal.provinces, limit=limit, skip=skip)
    return [_out(p) for p in producers]
