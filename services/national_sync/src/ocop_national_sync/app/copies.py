"""Registry and traceability events change a product's portal record (in the consumer's inbox
transaction); the worker pushes it afterwards. Each returns whether a record became due."""

from __future__ import annotations

from ocop_national_sync.app.ports import UnitOfWork
from ocop_national_sync.domain.record import Stage
from ocop_shared.events.models import (
    CertificateSnapshot,
    ProducerSnapshot,
    ProductSnapshot,
    StampRunIssued,
    TrailEventRecorded,
)
from ocop_shared.tracing import current_traceparent


async def producer_changed(producer: ProducerSnapshot, version: int, uow: UnitOfWork) -> bool:
    """The organisation's name, tax code, address…: every product of it is pushed again."""
    async with uow:
        changed = await uow.organisations.apply(producer, version)
        touched = await uow.records.touch_producer(producer.producer_id) if changed else 0
        await uow.commit()
    return touched > 0


async def product_changed(
    product: ProductSnapshot, version: int, uow: UnitOfWork, certificate: CertificateSnapshot | None = None
) -> bool:
    """product.registered|updated, and certificate.* (which carry the product as it is then)."""
    traceparent = current_traceparent()
    async with uow:
        changed = await uow.records.apply_product(product, version, traceparent)
        if certificate is not None:
            changed = await uow.records.apply_certificate(certificate, version, traceparent) or changed
        await uow.commit()
    return changed


async def stamps_issued(event: StampRunIssued, uow: UnitOfWork) -> bool:
    async with uow:
        changed = await uow.records.add_stamp_run(event.product_id, event.producer_id, event.run_id, event.count)
        await uow.commit()
    return changed


async def stage_recorded(event: TrailEventRecorded, uow: UnitOfWork) -> bool:
    stage = Stage.model_validate(event.model_dump(exclude={"product_id", "producer_id"}))
    async with uow:
        changed = await uow.records.add_stage(event.product_id, event.producer_id, stage)
        await uow.commit()
    return changed
