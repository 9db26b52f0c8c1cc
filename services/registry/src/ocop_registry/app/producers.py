"""Use cases of producers (chủ thể): register one and announce it (producer.registered); read and list them."""

from __future__ import annotations

from collections.abc import Iterable

from bson import ObjectId

from ocop_registry.adapters.admin_units import resolve_units
from ocop_registry.app import policy
from ocop_registry.app.commands import ListProducers, RegisterProducer, SearchProducers
from ocop_registry.app.inputs import ProducerIn
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.domain.producer import Contact, Producer
from ocop_registry.domain.snapshots import producer_snapshot
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ProducerRegistered


def new_producer(details: ProducerIn) -> Producer:
    """Validate the input into a Producer (units checked against the official list)."""
    province, commune, district = resolve_units(details.province, details.commune, details.district)
    return Producer(
        id=str(ObjectId()),
        name=details.name.strip(),
        kind=details.kind,
        tax_code=details.tax_code,
        province=province.model_dump(),
        commune=commune.model_dump() if commune else None,
        district=district.model_dump() if district else None,
        address=details.address,
        legal_form=details.legal_form,
        public_name=details.public_name,
        contact=Contact(**details.contact.model_dump()) if details.contact else Contact(),
        registered_at=utcnow(),
    )


def announce(uow: UnitOfWork, producer: Producer) -> None:
    uow.emit(
        ProducerRegistered(
            producer=producer_snapshot(producer), version=producer.version, registered_at=producer.registered_at
        ),
        key=producer.id,
    )


async def register_producer(cmd: RegisterProducer, principal: Principal, uow: UnitOfWork) -> Producer:
    policy.require_staff(principal)
    producer = new_producer(cmd.producer)
    policy.may_register_in(principal, producer.province_code)
    async with uow.acting(principal, "producer.register"):
        await uow.producers.add(producer)
        announce(uow, producer)
        await uow.commit()
    return producer


async def get_producer(producer_id: str, principal: Principal, uow: UnitOfWork) -> Producer:
    producer = await uow.producers.get(producer_id) if principal.owns(producer_id) else None
    return policy.readable(principal, producer)


async def list_producers(cmd: ListProducers, principal: Principal, uow: UnitOfWork) -> list[Producer]:
    policy.require_staff(principal)
    return await uow.producers.in_provinces(principal.scope.provinces, limit=cmd.limit, skip=cmd.skip)


async def producer_options(principal: Principal, uow: UnitOfWork) -> list[Producer]:
    """The producers a staff member may pick (e.g. for a new product), by public name."""
    found = await list_producers(ListProducers(limit=2000), principal, uow)
    return sorted(found, key=lambda p: p.public_name or "")


async def search_producers(
    cmd: SearchProducers, principal: Principal, uow: UnitOfWork
) -> tuple[list[Producer], list[tuple[str | None, str | None]]]:
    """Producers matching the console's filters (by public name) and the provinces to filter by."""
    found = await list_producers(ListProducers(limit=5000), principal, uow)
    needle = cmd.q.strip().lower()
    rows = [
        p
        for p in found
        if (not needle or needle in p.name.lower() or needle in (p.public_name or "").lower() or needle in p.tax_code)
        and (not cmd.kind or p.kind.value == cmd.kind)
        and cmd.in_place(p)
    ]
    return sorted(rows, key=lambda p: p.public_name or ""), province_options(found)


def province_options(producers: Iterable[Producer]) -> list[tuple[str | None, str | None]]:
    """(code, name) of the provinces of ``producers``, by name: what a list may be filtered by."""
    found = {(p.province_code or p.province.get("name"), p.province.get("name")) for p in producers}
    return sorted(found, key=lambda x: x[1] or "")
