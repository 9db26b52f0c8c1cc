"""Request-scoped helpers: the runtime, and who may act on which producer's data."""

from __future__ import annotations

from fastapi import Request

from ocop_registry.adapters.repository import ProducerRepository
from ocop_registry.domain.producer import Producer
from ocop_shared.auth import Principal
from ocop_shared.errors import Forbidden, NotFound
from ocop_shared.web import Runtime


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def in_scope(principal: Principal, province_code: str | None) -> bool:
    """Officials scoped to provinces act only there; producers only on their own data (checked apart)."""
    return not principal.provinces or province_code in principal.provinces


async def producer_for(request: Request, principal: Principal, producer_id: str, *, write: bool) -> Producer:
    """The producer, if the caller may see it (and change it, with ``write``); 404 hides others' ids."""
    producer = await ProducerRepository(runtime(request).db).get(producer_id)
    if producer is None or not principal.owns(producer_id):
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")
    if principal.role == "official" and not in_scope(principal, producer.province.get("code")):
        if write:
            raise Forbidden("out_of_scope", "Cán bộ chỉ thao tác với chủ thể trong tỉnh mình phụ trách")
        raise NotFound("producer_not_found", "Không tìm thấy chủ thể")
    if write and principal.role == "producer":
        raise Forbidden("forbidden_role", "Chủ thể không được tự sửa hồ sơ đã công nhận; liên hệ cán bộ")
    return producer


async def visible_product(request: Request, principal: Principal, product_id: str, *, write: bool):
    """(product, current certificate) if the caller may see it (or change it, with ``write``)."""
    from ocop_registry.app.products import product_view

    view = await product_view(runtime(request).db, product_id)
    if view is None:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm")
    try:
        await producer_for(request, principal, view[0].producer_id, write=write)
    except NotFound as exc:
        raise NotFound("product_not_found", "Không tìm thấy sản phẩm") from exc
    return view
