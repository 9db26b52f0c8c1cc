"""``ocop migrate admin-units`` in the registry: producers stored before addresses were placed in today's
units get their ``recorded`` and ``current`` address, and those written in the old units (a record with a
``district`` and no codes) move to today's province and commune, with what follows a corrected producer
(producer.updated, the certificates the reports count, the products' snapshots).

Idempotent: a placed producer is never examined again. A split old commune is placed in its province with
the commune left for an official (``pending_choice``); a record whose units cannot be found is left as it is
and reported, with the closest names. ``dry_run`` reports the same and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ocop_registry.app import policy
from ocop_registry.app.commands import MigrateAdminUnits
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.app.producers import follow, written_scheme, written_units
from ocop_registry.domain.producer import Producer
from ocop_shared.addresses import AddressFields, describe
from ocop_shared.admin_units import AmbiguousUnit, UnknownUnit, place
from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow

CHUNK = 200
Report = dict[str, Any]


async def migrate_admin_units(
    cmd: MigrateAdminUnits, principal: Principal, uow_factory: Callable[[], UnitOfWork]
) -> Report:
    policy.require_operator(principal)
    report: Report = {"examined": 0, "converted": [], "pending_choice": [], "placed": 0, "could_not": []}
    after = ""
    while True:
        async with uow_factory().acting(principal, "producer.migrate_units") as uow:  # entry only if committed
            batch = await uow.producers.unplaced(after=after, limit=CHUNK)
            if not batch:
                break
            for producer in batch:
                report["examined"] += 1
                await _migrate(uow, producer, report)
            if not cmd.dry_run:
                await uow.commit()
        after = batch[-1].id
    return report | {"dry_run": cmd.dry_run, "collection": "producers"}


async def _migrate(uow: UnitOfWork, producer: Producer, report: Report) -> None:
    written = ", ".join(
        (u or {}).get("name") or (u or {}).get("code") or ""
        for u in (producer.commune, producer.district, producer.province)
        if u
    )
    try:
        units = written_units(producer)
        placement = place(AddressFields(**units, unit_scheme=written_scheme(producer)), on_split="pending")
    except ValidationError as exc:  # a unit stored with neither code nor name
        report["could_not"].append(
            {"id": producer.id, "name": producer.public_name, "written": written, "error": str(exc)}
        )
        return
    except (UnknownUnit, AmbiguousUnit) as exc:
        report["could_not"].append(
            {
                "id": producer.id,
                "name": producer.public_name,
                "written": written,
                "error": exc.message,
                "details": exc.details,
            }
        )
        return
    placed = producer.placed(placement)
    if placed.province == producer.province and placed.commune == producer.commune and not producer.district:
        await uow.producers.save(placed)  # already in today's units: only recorded and current are added
        report["placed"] += 1
        return
    moved = placed.with_changes({}, utcnow())
    await uow.producers.save(moved)
    await follow(uow, producer, moved)
    entry = {
        "id": producer.id,
        "name": producer.public_name,
        "recorded": describe(moved.recorded),
        "current": ", ".join(x for x in ((moved.commune or {}).get("name"), moved.province.get("name")) if x),
        "status": placement.current.status,
    }
    if placement.current.pending:
        report["pending_choice"].append(entry | {"candidates": [c.model_dump() for c in placement.current.candidates]})
    else:
        report["converted"].append(entry)
