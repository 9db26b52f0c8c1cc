"""Our records become EPCIS events when they are written, once: a trail event in the same transaction as
the trail row; a stamp activation or void right after the stamps change (journalled first, so a crash in
between is finished at the next start); and, once per database, the records written before EPCIS existed.
The eventID hash is computed then and stored: it never changes afterwards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from ocop_shared.auth import Scope
from ocop_shared.logging import get_logger
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.epcis import mapping
from ocop_traceability.domain.epcis.record import PUBLIC, Recorded, producer_sees, record
from ocop_traceability.domain.stamps import ACTIVE, ISSUED, VOID, SerialRange, StampRun, StampState, StateChange

log = get_logger(__name__)
EVENTS_PER_TRANSACTION = 20  # stamp events (up to 1,000 stamps each) written per transaction
BACKFILL_FLAG = "backfill-v1"


async def _places(uow: TraceabilityUow, batch: Batch | None) -> mapping.Places:
    if batch is None:
        return mapping.Places(None, None)
    area = await uow.growing_areas.get(batch.growing_area_code)
    house = await uow.packing_houses.get(batch.packing_house_code.strip().upper()) if batch.packing_house_code else None
    return mapping.Places(area, house)


def _ours(event: dict, uow: TraceabilityUow, producer_id: str, **extra: Any) -> Recorded:
    m = uow.epcis_config.minting
    return record(
        event,
        {"ocop": m.namespace},
        m,
        visible_to=[PUBLIC, producer_sees(producer_id)],
        ours=True,
        **extra,
    )


async def record_trail_event(uow: TraceabilityUow, batch: Batch, ev: TrailEvent) -> TrailEvent:
    """Inside the unit of work that appends ``ev``: its EPCIS event is stored with it. Returns the trail
    event carrying its ``epcis_event_id``."""
    m = uow.epcis_config.minting
    earlier = await uow.trail.trail(batch.id) if ev.type == "harvesting" else []
    first = not any(e.type == "harvesting" and not e.captured for e in earlier)
    product = await uow.products.get(batch.product_id)
    event = mapping.trail_event(m, ev, batch, product, await _places(uow, batch), first_harvest=first)
    recorded = _ours(event, uow, batch.producer_id, source="trail", batches=[batch.id])
    await uow.epcis.add([recorded])
    return ev.model_copy(update={"epcis_event_id": recorded.event_id})


async def change_stamps(
    uow: TraceabilityUow, run: StampRun, target: StampState, serials: SerialRange, at: datetime
) -> int:
    """Activate or void stamps (the update of up to a whole run, outside a transaction) and record the
    change as EPCIS events: activated stamps are commissioned; active stamps voided are decommissioned
    (stamps voided before they were ever activated were never commissioned: no event)."""
    mark = str(ObjectId())
    activate = target == ACTIVE
    await uow.epcis.intend(mark, {"kind": "stamp_change", "run_id": run.id, "activate": activate, "at": at})
    sources: tuple[StampState, ...] = (ISSUED,) if activate else (ACTIVE,)
    changed = await uow.stamps.change(StateChange(run.id, target, sources, serials), at, mark)
    if target == VOID:
        changed += await uow.stamps.change(StateChange(run.id, VOID, (ISSUED,), serials), at)
    await finish_change(uow, run, mark, activate, at)
    return changed


async def finish_change(uow: TraceabilityUow, run: StampRun, mark: str, activate: bool, at: datetime) -> int:
    """Record the events of a journalled stamp change (again after a crash: events already stored are
    recognised by their ID, which is the same since it is computed from the same stamps and time)."""
    serials = await uow.stamps.marked(run.id, mark)
    batch = await uow.batches.get(run.batch_id)
    product = await uow.products.get(run.product_id)
    events = mapping.stamp_events(
        uow.epcis_config.minting,
        run,
        batch,
        product,
        await _places(uow, batch),
        serials,
        at,
        activate=activate,
        list_limit=uow.epcis_config.stamps_listed,
    )
    records = [_ours(e, uow, run.producer_id, source="stamps", mark=mark, batches=[run.batch_id]) for e in events]
    stored = 0
    for i in range(0, len(records), EVENTS_PER_TRANSACTION):
        chunk = records[i : i + EVENTS_PER_TRANSACTION]
        known = await uow.epcis.by_event_ids(r.event_id for r in chunk)
        chunk = [r for r in chunk if r.event_id not in known]
        if chunk:
            async with uow:
                await uow.epcis.add(chunk)
                await uow.commit()
            stored += len(chunk)
    await uow.epcis.intent_done(mark)
    return stored


async def resume_changes(uow: TraceabilityUow) -> int:
    """At start: finish the stamp changes a crash interrupted."""
    done = 0
    for intent in await uow.epcis.intents():
        run = await uow.stamp_runs.get(intent["run_id"])
        if run is None:
            await uow.epcis.intent_done(intent["mark"])
            continue
        done += await finish_change(uow, run, intent["mark"], bool(intent["activate"]), intent["at"])
    return done


async def backfill(uow: TraceabilityUow) -> tuple[int, int]:
    """Once per database: EPCIS events for the trail events and active stamps written before EPCIS existed
    (their data as it is now). Returns (trail events, stamp events) recorded."""
    if await uow.epcis.flag(BACKFILL_FLAG):
        return 0, 0
    trail_count = stamp_count = 0
    for batch in await uow.batches.latest(Scope(), 1_000_000):
        for ev in await uow.trail.trail(batch.id):
            if ev.epcis_event_id or ev.captured:
                continue
            async with uow:
                recorded = await record_trail_event(uow, batch, ev)
                await uow.trail.set_epcis_id(ev.id, recorded.epcis_event_id or "")
                await uow.commit()
            trail_count += 1
    for (run_id, mark), stamps in (await uow.stamps.active_marks()).items():
        run = await uow.stamp_runs.get(run_id)
        if mark or run is None:  # a marked change is recorded (or journalled: ``resume_changes``)
            continue
        at = max((t for _s, t in stamps if t), default=None) or run.created_at or datetime.now(UTC)
        new_mark = f"backfill-{run_id}"
        await uow.epcis.intend(new_mark, {"kind": "stamp_change", "run_id": run_id, "activate": True, "at": at})
        # mark the run's active stamps so they can be read back (state unchanged)
        await uow.stamps.change(StateChange(run_id, ACTIVE, (ACTIVE,), SerialRange()), at, new_mark)
        stamp_count += await finish_change(uow, run, new_mark, True, at)
    await uow.epcis.set_flag(BACKFILL_FLAG)
    log.info("epcis.backfilled", trail_events=trail_count, stamp_events=stamp_count)
    return trail_count, stamp_count
