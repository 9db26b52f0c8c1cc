"""Use cases: batches (lô) and their append-only trail of EPCIS-style events."""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId

from ocop_shared.auth import Principal, Scope
from ocop_shared.errors import Conflict
from ocop_shared.events.envelope import utcnow
from ocop_traceability.app import policy
from ocop_traceability.app.commands import AppendTrailEvent, BatchIn
from ocop_traceability.app.epcis import trail as epcis_trail
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.batches import Batch, TrailEvent, check_same_producer, generated_lot
from ocop_traceability.domain.codes import normalize_lot
from ocop_traceability.domain.copies import ProductCopy
from ocop_traceability.domain.errors import (
    BatchNotFound,
    DuplicateLot,
    GrowingAreaNotFound,
    ProductNotFound,
)
from ocop_traceability.domain.stamps import StampRun

RACES = 3  # a generated lot that a concurrent request took first: generate again


async def create_batch(cmd: BatchIn, principal: Principal, uow: TraceabilityUow) -> Batch:
    """Product and growing area of the same producer (and its packing house, if given); the lot is the
    producer's or generated from the harvest date."""
    attempt = 1
    while True:
        try:
            return await _create_batch(cmd, principal, uow)
        except Conflict as exc:
            if cmd.lot or exc.code != DuplicateLot.code or attempt == RACES:
                raise
            attempt += 1


async def _create_batch(cmd: BatchIn, principal: Principal, uow: TraceabilityUow) -> Batch:
    async with uow.acting(principal, "batch.create", product=cmd.product_id):
        product = await uow.products.get(cmd.product_id)
        if product is None or not principal.owns(product.producer_id):
            raise ProductNotFound()
        area = await uow.growing_areas.get(cmd.growing_area_code.strip().upper())
        if area is None or not principal.owns(area.producer_id):
            raise GrowingAreaNotFound("Không tìm thấy vùng trồng của chủ thể này")
        await policy.require_province(principal, product.producer_id, uow)
        house_code = (cmd.packing_house_code or "").strip().upper()
        house = await uow.packing_houses.get(house_code) if house_code else None
        check_same_producer(product.producer_id, area, house_code, house)
        lot = (
            normalize_lot(cmd.lot)
            if cmd.lot
            else generated_lot(cmd.harvest_date, await uow.batches.lots_of(product.id))
        )
        batch = Batch(
            id=str(ObjectId()),
            product_id=product.id,
            producer_id=product.producer_id,
            growing_area_code=area.code,
            packing_house_code=cmd.packing_house_code,
            harvest_date=cmd.harvest_date,
            quantity=cmd.quantity,
            unit=cmd.unit,
            lot=lot,
            created_at=utcnow(),
        )
        await uow.batches.add(batch)
        await uow.commit()
    return batch


async def get_batch(batch_id: str, principal: Principal, uow: TraceabilityUow) -> Batch:
    return await policy.reachable(await uow.batches.get(batch_id), principal, uow, BatchNotFound())


async def list_batches(
    principal: Principal, uow: TraceabilityUow, *, product_id: str | None = None, limit: int = 500
) -> list[Batch]:
    """The newest batches the caller may see."""
    return await uow.batches.latest(policy.list_scope(principal), limit, product_id=product_id)


async def batch_trail(batch_id: str, principal: Principal, uow: TraceabilityUow) -> tuple[Batch, list[TrailEvent]]:
    """A batch and its trail in time order."""
    batch = await get_batch(batch_id, principal, uow)
    return batch, await uow.trail.trail(batch_id)


async def append_trail_event(cmd: AppendTrailEvent, principal: Principal, uow: TraceabilityUow) -> TrailEvent:
    """Trail events are appended, never edited (there is no way to change or delete one). Each is also an
    EPCIS event, stored with it (``app.epcis.trail``)."""
    async with uow.acting(principal, "batch.event", batch=cmd.batch_id):
        batch = await get_batch(cmd.batch_id, principal, uow)
        event = TrailEvent(
            id=str(ObjectId()),
            batch_id=batch.id,
            **cmd.event.model_dump(),
            recorded_at=utcnow(),
            recorded_by=principal.subject,
        )
        event = await epcis_trail.record_trail_event(uow, batch, event)
        await uow.trail.add(event)
        await uow.commit()
    return event


@dataclass(frozen=True)
class BatchPage:
    """A batch with what its console page shows."""

    batch: Batch
    product: ProductCopy | None
    events: list[TrailEvent]
    runs: list[StampRun]


async def batch_page(batch_id: str, principal: Principal, uow: TraceabilityUow) -> BatchPage:
    batch, events = await batch_trail(batch_id, principal, uow)
    runs = await uow.stamp_runs.latest(Scope(), 200, batch_id=batch_id)  # the batch's: reached with it
    return BatchPage(batch, await uow.products.get(batch.product_id), events, runs)
