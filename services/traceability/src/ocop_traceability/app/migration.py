"""``ocop migrate admin-units`` in traceability: growing areas and packing houses registered before their
address units were checked (any text was taken) are placed in today's units, what was written kept in
``recorded``. Idempotent (a placed record is not examined again); a split old commune keeps its province with
the commune left for an official (``pending_choice``); units that cannot be found are reported, with the
closest names, and the record is left as it is. ``dry_run`` changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ocop_shared.addresses import UnitIn, describe
from ocop_shared.admin_units import AmbiguousUnit, UnknownUnit, place_units
from ocop_shared.auth import Principal
from ocop_shared.errors import Forbidden
from ocop_traceability.app.places import placed_units
from ocop_traceability.app.ports import PlacesPort, TraceabilityUow
from ocop_traceability.domain.places import Place, Unit

CHUNK = 200
Report = dict[str, Any]
UowFactory = Callable[[], TraceabilityUow]


async def migrate_admin_units(dry_run: bool, principal: Principal, uow_factory: UowFactory) -> Report:
    if principal.role != "operator":
        raise Forbidden("forbidden_role", f"Vai trò '{principal.role}' không được phép / role not allowed")
    reports = {}
    for collection in ("growing_areas", "packing_houses"):
        reports[collection] = await _migrate_all(collection, dry_run, principal, uow_factory)
    return {"dry_run": dry_run, **reports}


async def _migrate_all(collection: str, dry_run: bool, principal: Principal, uow_factory: UowFactory) -> Report:
    report: Report = {"examined": 0, "converted": [], "pending_choice": [], "placed": 0, "could_not": []}
    after = ""
    while True:
        async with uow_factory().acting(principal, f"{collection.rstrip('s')}.migrate_units") as uow:
            places: PlacesPort[Any] = getattr(uow, collection)
            batch = await places.unplaced(after=after, limit=CHUNK)
            if not batch:
                break
            for record in batch:
                report["examined"] += 1
                await _migrate(places, record, report)
            if not dry_run:
                await uow.commit()
        after = batch[-1].code
    return report


def _unit(u: Unit) -> UnitIn:
    return UnitIn(code=u.code if u.code and u.code.isdigit() else None, name=u.name if u.name != "?" else "")


async def _migrate(places: PlacesPort[Any], record: Place, report: Report) -> None:
    written = ", ".join(u.name or u.code or "" for u in (record.commune, record.province) if u)
    try:
        commune = _unit(record.commune) if record.commune else None
        placement = place_units(_unit(record.province), None, commune, on_split="pending")
    except (UnknownUnit, AmbiguousUnit) as exc:
        report["could_not"].append(
            {"code": record.code, "written": written, "error": exc.message, "details": exc.details}
        )
        return
    except ValidationError as exc:
        report["could_not"].append({"code": record.code, "written": written, "error": str(exc)})
        return
    placed = type(record).model_validate(record.model_dump() | placed_units(placement))
    await places.put(placed)
    if placed.province == record.province and placed.commune == record.commune:
        report["placed"] += 1
        return
    entry = {
        "code": record.code,
        "recorded": describe(placement.recorded),
        "current": ", ".join(x.name for x in (placed.commune, placed.province) if x),
        "status": placement.current.status,
    }
    if placement.current.pending:
        report["pending_choice"].append(entry | {"candidates": [c.model_dump() for c in placement.current.candidates]})
    else:
        report["converted"].append(entry)
