"""Use case: register a producer (chủ thể) and announce it (producer.registered)."""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId

from ocop_registry.adapters.admin_units import resolve_units
from ocop_registry.adapters.repository import ProducerRepository
from ocop_registry.app.snapshots import producer_snapshot
from ocop_registry.domain.producer import Contact, Producer, ProducerKind
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import AdminUnit, ProducerRegistered
from ocop_shared.uow import MongoUnitOfWork


@dataclass
class RegisterProducer:
    name: str
    kind: ProducerKind
    tax_code: str
    province: AdminUnit
    commune: AdminUnit | None
    address: str
    legal_form: str | None = None
    district: AdminUnit | None = None
    public_name: str | None = None
    contact: Contact | None = None


def new_producer(cmd: RegisterProducer) -> Producer:
    """Validate a command into a Producer (units checked against the official list)."""
    province, commune, district = resolve_units(cmd.province, cmd.commune, cmd.district)
    return Producer(
        id=str(ObjectId()), name=cmd.name.strip(), kind=cmd.kind, tax_code=cmd.tax_code,
        province=province.model_dump(), commune=commune.model_dump() if commune else None,
        district=district.model_dump() if district else None, address=cmd.address,
        legal_form=cmd.legal_form, public_name=cmd.public_name, contact=cmd.contact or Contact(),
        registered_at=utcnow(),
    )


def announce(uow: MongoUnitOfWork, producer: Producer) -> None:
    uow.emit(ProducerRegistered(producer=producer_snapshot(producer), version=producer.version,
                                registered_at=producer.registered_at), key=producer.id)


async def register_producer(cmd: RegisterProducer, uow: MongoUnitOfWork) -> Producer:
    producer = new_producer(cmd)
    async with uow:
        await ProducerRepository(uow.db, uow.session).add(producer)
        announce(uow, producer)
        await uow.commit()
    return producer
