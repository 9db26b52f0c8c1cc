"""Use case: register a producer (chủ thể) and announce it (producer.registered)."""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId

from ocop_registry.adapters.repository import ProducerRepository
from ocop_registry.domain.producer import Contact, Producer, ProducerKind
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import AdminUnit, ProducerRegistered, ProducerSnapshot
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


def snapshot(p: Producer) -> ProducerSnapshot:
    return ProducerSnapshot(
        producer_id=p.id, name=p.name, public_name=p.public_name or p.name, kind=p.kind.value,
        province=AdminUnit(**p.province), commune=AdminUnit(**p.commune) if p.commune else None,
        district=AdminUnit(**p.district) if p.district else None,
    )


async def register_producer(cmd: RegisterProducer, uow: MongoUnitOfWork) -> Producer:
    async with uow:
        producer = Producer(
            id=str(ObjectId()), name=cmd.name.strip(), kind=cmd.kind, tax_code=cmd.tax_code,
            province=cmd.province.model_dump(), commune=cmd.commune.model_dump() if cmd.commune else None,
            district=cmd.district.model_dump() if cmd.district else None, address=cmd.address,
            legal_form=cmd.legal_form, public_name=cmd.public_name, contact=cmd.contact or Contact(),
            registered_at=utcnow(),
        )
        await ProducerRepository(uow.db, uow.session).add(producer)
        uow.emit(ProducerRegistered(producer=snapshot(producer), version=producer.version,
                                    registered_at=producer.registered_at), key=producer.id)
        await uow.commit()
    return producer
