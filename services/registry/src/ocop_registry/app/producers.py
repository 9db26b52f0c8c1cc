"""Use cases of producers (chủ thể): register one and announce it (producer.registered); correct one
(producer.updated, and what follows it: the reports' certificates, the products' snapshots); read and list them.

Addresses are placed in today's units by ``ocop_shared.admin_units`` (pre-07/2025 ones too). Here, where a
person is typing, an old commune split between new ones is refused with its candidates (422): a wrong guess
would move the producer into another commune's statistics and council. Bulk imports and the migration
accept it with today's commune left for an official to choose (``split``)."""

from __future__ import annotations

from collections.abc import Iterable

from bson import ObjectId

from ocop_registry.app import policy
from ocop_registry.app.commands import ListProducers, RegisterProducer, SearchProducers, UpdateProducer
from ocop_registry.app.inputs import ProducerIn, ProducerPatch
from ocop_registry.app.ports import ProductQuery, UnitOfWork
from ocop_registry.domain.producer import Contact, Producer
from ocop_registry.domain.snapshots import producer_snapshot, product_snapshot
from ocop_shared.addresses import AddressFields, Scheme, UnitIn
from ocop_shared.admin_units import SplitPolicy, place
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ProducerRegistered, ProducerUpdated, ProductUpdated


def new_producer(details: ProducerIn, *, split: SplitPolicy = "refuse") -> Producer:
    """Validate the input into a Producer, its address placed in today's units."""
    placement = place(details, on_split=split)
    return Producer(
        id=str(ObjectId()),
        name=details.name.strip(),
        kind=details.kind,
        tax_code=details.tax_code,
        province=placement.province.model_dump(),
        commune=placement.commune.model_dump() if placement.commune else None,
        address=details.address,
        legal_form=details.legal_form,
        public_name=details.public_name,
        contact=Contact(**details.contact.model_dump()) if details.contact else Contact(),
        registered_at=utcnow(),
        recorded=placement.recorded,
        current=placement.current,
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


async def update_producer(cmd: UpdateProducer, principal: Principal, uow: UnitOfWork) -> Producer:
    """An official corrects a producer (within their provinces, before and after the change). The record,
    producer.updated and, when the public name or today's units changed, the certificates the reports count
    and a product.updated per product (traceability's and the marketplaces' copies follow) commit together."""
    async with uow.acting(principal, "producer.update", producer=cmd.producer_id):
        before = policy.writable(principal, await uow.producers.get(cmd.producer_id))
        after = corrected(before, cmd.changes)
        policy.may_move_to(principal, after.province_code)
        await uow.producers.save(after)
        await follow(uow, before, after)
        await uow.commit()
    return after


def corrected(producer: Producer, patch: ProducerPatch) -> Producer:
    """The producer with the patch applied: the same checks as a registration."""
    fields = patch.model_dump(
        include={"name", "kind", "legal_form", "tax_code", "address", "public_name", "contact"}, exclude_unset=True
    )
    if "contact" in fields:
        fields["contact"] = fields["contact"] or {}
    clearable = ("legal_form", "public_name")
    changed = producer.with_changes({k: v for k, v in fields.items() if v is not None or k in clearable}, utcnow())
    address = _address_of(producer, patch)
    return changed.placed(place(address)) if address is not None else changed


def _address_of(producer: Producer, patch: ProducerPatch) -> AddressFields | None:
    """The address to place: the units sent (today's province if none is sent), or the recorded address again
    with the choice sent (``current_commune``); None when the patch leaves the address alone."""
    choice = {"current_commune": patch.current_commune, "unit_scheme": patch.unit_scheme}
    if patch.changes_units():
        province = patch.province or UnitIn(code=producer.province_code or None, name=producer.province.get("name", ""))
        return AddressFields(province=province, district=patch.district, commune=patch.commune, **choice)
    if not patch.changes_choice():
        return None
    return AddressFields(
        **written_units(producer), **(choice | {"unit_scheme": patch.unit_scheme or written_scheme(producer)})
    )


def written_units(producer: Producer) -> dict[str, UnitIn | None]:
    """The address as it was written, to place again: by the units found when it was recorded, else (records
    older than the conversion) by the units stored."""
    r = producer.recorded
    if r is not None:
        units = {"province": r.province, "district": r.district, "commune": r.commune}
        return {k: _unit(u.code, u.name or u.given) if u else None for k, u in units.items()}
    stored = {"province": producer.province, "district": producer.district, "commune": producer.commune}
    return {k: _unit(u.get("code"), u.get("name") or "") if u else None for k, u in stored.items()}


def _unit(code: str | None, name: str) -> UnitIn:
    return UnitIn(code=code if code and code.isdigit() else None, name=name if name or not code else "")


def written_scheme(producer: Producer) -> Scheme | None:
    if producer.recorded is not None:
        return producer.recorded.scheme
    return "legacy" if producer.district else None


async def follow(uow: UnitOfWork, before: Producer, after: Producer) -> None:
    """Announce a changed producer, and carry today's units and public name to what copies them."""
    uow.emit(
        ProducerUpdated(
            producer=producer_snapshot(after), version=after.version, updated_at=after.updated_at or utcnow()
        ),
        key=after.id,
    )
    units = ("province", "commune")
    if any(getattr(before, f) != getattr(after, f) for f in units):
        await uow.certificates.relocate(after.id, after.province, after.commune)
    if before.public_name != after.public_name or before.province != after.province:
        for product in await uow.products.select(ProductQuery(producer_id=after.id)):
            moved = product.with_changes({})
            await uow.products.save(moved)
            uow.emit(ProductUpdated(product=product_snapshot(moved, after), version=moved.version), key=moved.id)


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
        and (not cmd.pending or p.pending_choice)
        and cmd.in_place(p)
    ]
    return sorted(rows, key=lambda p: p.public_name or ""), province_options(found)


def province_options(producers: Iterable[Producer]) -> list[tuple[str | None, str | None]]:
    """(code, name) of the provinces of ``producers``, by name: what a list may be filtered by."""
    found = {(p.province_code or p.province.get("name"), p.province.get("name")) for p in producers}
    return sorted(found, key=lambda x: x[1] or "")
