"""Use cases: growing areas (vùng trồng) and packing houses (cơ sở đóng gói).

Their address units are checked and placed in today's units like a producer's (``ocop_shared.admin_units``):
units from before the 07/2025 reform are accepted and kept as written; an old commune split between new ones
is refused with its candidates (choose with ``current_commune``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ocop_shared.admin_units import Placement, place
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow
from ocop_traceability.app import policy
from ocop_traceability.app.commands import GrowingAreaIn, PackingHouseIn
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.codes import PACKING_HOUSE_SCHEMES, normalize_area_code
from ocop_traceability.domain.copies import ProducerCopy, ProductCopy
from ocop_traceability.domain.errors import GrowingAreaNotFound, PackingHouseNotFound, ProducerNotFound
from ocop_traceability.domain.geometry import check_geometry
from ocop_traceability.domain.places import GrowingArea, PackingHouse, feature_collection


async def register_area(
    cmd: GrowingAreaIn, principal: Principal, uow: TraceabilityUow, *, schemes: Mapping[str, str]
) -> GrowingArea:
    """The code must match one of the configured ``schemes``; it is never re-checked against today's units."""
    producer = await uow.producers.get(cmd.producer_id)
    policy.require_registrant(principal, cmd.producer_id, producer)
    code, scheme = normalize_area_code(cmd.code, dict(schemes))
    geometry = check_geometry(cmd.geometry)
    if producer is None:
        raise ProducerNotFound()
    placement = place(cmd)
    area = GrowingArea(
        **(cmd.facts() | {"geometry": geometry}),
        **placed_units(placement),
        code=code,
        scheme=scheme,
        registered_at=utcnow(),
    )
    async with uow.acting(principal, "growing_area.register", growing_area=area.code):
        await uow.growing_areas.add(area)
        await uow.commit()
    return area


async def register_packing_house(cmd: PackingHouseIn, principal: Principal, uow: TraceabilityUow) -> PackingHouse:
    producer = await uow.producers.get(cmd.producer_id)
    policy.require_registrant(principal, cmd.producer_id, producer)
    code, scheme = normalize_area_code(cmd.code, PACKING_HOUSE_SCHEMES)
    if producer is None:
        raise ProducerNotFound()
    house = PackingHouse(**cmd.facts(), **placed_units(place(cmd)), code=code, scheme=scheme, registered_at=utcnow())
    async with uow.acting(principal, "packing_house.register", packing_house=house.code):
        await uow.packing_houses.add(house)
        await uow.commit()
    return house


def placed_units(placement: Placement) -> dict[str, Any]:
    """A place's units: today's at the top, as written in ``recorded``, how they were placed in ``current``."""
    return {
        "province": placement.province.model_dump(),
        "commune": placement.commune.model_dump() if placement.commune else None,
        "recorded": placement.recorded,
        "current": placement.current,
    }


async def get_area(code: str, principal: Principal, uow: TraceabilityUow) -> GrowingArea:
    area = await uow.growing_areas.get(code.strip().upper())
    return await policy.reachable(area, principal, uow, GrowingAreaNotFound())


async def list_areas(
    principal: Principal, uow: TraceabilityUow, *, producer_id: str | None = None, by_code: bool = False
) -> list[GrowingArea]:
    """The areas the caller may see; others than producers may narrow them to one producer."""
    wanted = producer_id if principal.role != "producer" else None
    return await uow.growing_areas.visible(policy.list_scope(principal), producer_id=wanted, by_code=by_code)


async def get_packing_house(code: str, principal: Principal, uow: TraceabilityUow) -> PackingHouse:
    house = await uow.packing_houses.get(code.strip().upper())
    return await policy.reachable(house, principal, uow, PackingHouseNotFound("Không tìm thấy cơ sở đóng gói"))


async def list_packing_houses(
    principal: Principal, uow: TraceabilityUow, *, producer_id: str | None = None
) -> list[PackingHouse]:
    """The packing houses the caller may see, by code; others than producers may narrow them to one producer."""
    wanted = producer_id if principal.role != "producer" else None
    return await uow.packing_houses.visible(policy.list_scope(principal), producer_id=wanted, by_code=True)


async def public_map(uow: TraceabilityUow, producer_id: str | None = None) -> dict[str, Any]:
    """GeoJSON of every area (or a producer's) with public properties only: no login needed."""
    return feature_collection(await uow.growing_areas.public(producer_id))


async def producer_copy(producer_id: str, principal: Principal, uow: TraceabilityUow) -> ProducerCopy:
    """Our copy of a producer (public facts): a producer reads its own, staff any."""
    producer = await uow.producers.get(producer_id) if principal.owns(producer_id) else None
    if producer is None:
        raise ProducerNotFound("Không tìm thấy chủ thể")
    return producer


async def province_of(producer_id: str, uow: TraceabilityUow) -> dict[str, Any] | None:
    """The province our copy of the producer records (what a growing area registered for it is in)."""
    producer = await uow.producers.get(producer_id) if producer_id else None
    return producer.province.model_dump() if producer and producer.province else None


async def producers_for(principal: Principal, uow: TraceabilityUow) -> list[ProducerCopy]:
    """The producers the caller may register places for."""
    return await uow.producers.visible(policy.list_scope(principal))


async def products_for(principal: Principal, uow: TraceabilityUow) -> dict[str, ProductCopy]:
    """The products the caller may see (batches are created for them), by id."""
    return await uow.products.visible(policy.list_scope(principal))
