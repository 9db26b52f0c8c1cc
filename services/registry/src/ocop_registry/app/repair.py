"""Repair of product records stored before today's rules (the old ``PATCH /products`` saved what it then
refused, e.g. image entries that are not URLs): ``ocop migrate products`` (``POST /migrations/products``).

Each product is checked with the rules of a new one (``ProductFields``). A field at fault is repaired where
the repair loses nothing a person meant: image entries that are not http(s) URLs and certifications no longer
valid are dropped, text is cleaned (``ocop_shared.text.Text.repair``: refused characters removed), a GTIN
with a wrong check digit or a price out of range becomes "none". The repaired product is saved one version on
and announced (``product.updated``), like any change, so copies follow. A record still at fault after that
(a name too short once cleaned) is reported, not guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ocop_registry.app import policy
from ocop_registry.app.inputs import ProductFields
from ocop_registry.app.ports import ProductQuery, UnitOfWork
from ocop_registry.domain.product import Product, QualityCertification, image_url
from ocop_registry.domain.snapshots import product_snapshot
from ocop_shared.auth import Principal
from ocop_shared.events.models import ProductUpdated
from ocop_shared.text import Text

FIELDS = tuple(ProductFields.model_fields)


@dataclass
class RepairReport:
    checked: int = 0
    repaired: dict[str, list[str]] = field(default_factory=dict)  # product id → fields repaired
    unrepairable: dict[str, str] = field(default_factory=dict)  # product id → what is still wrong
    dry_run: bool = False


def _faults(values: dict[str, Any]) -> list[ValidationError] | None:
    try:
        ProductFields.model_validate(values)
    except ValidationError as exc:
        return [exc]
    return None


def _valid_image(url: Any) -> bool:
    try:
        image_url(url)
    except (ValueError, TypeError):
        return False
    return True


def _valid_certification(item: Any) -> bool:
    try:
        QualityCertification.model_validate(item)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def repaired_value(name: str, value: Any) -> Any:
    """``value`` of the field ``name`` brought in line with the rules, as far as that loses nothing meant."""
    if name == "images":
        return [u for u in value or [] if isinstance(u, str) and _valid_image(u)][:20]
    if name == "certifications":
        return [c for c in value or [] if _valid_certification(c)][:20]
    if name in ("gtin", "price_vnd"):
        return None
    text = next((m for m in ProductFields.model_fields[name].metadata if isinstance(m, Text)), None)
    if text is None:  # e.g. ``sub_group: Text | None``: the Text is inside the union
        annotation = ProductFields.model_fields[name].annotation
        for arg in getattr(annotation, "__args__", ()):
            text = next((m for m in getattr(arg, "__metadata__", ()) if isinstance(m, Text)), text)
    if text is not None and isinstance(value, str):
        return text.repair(value)
    return value


def repair(product: Product) -> tuple[dict[str, Any], str | None]:
    """The changes that bring ``product`` in line, and what is still wrong after them (None: nothing)."""
    values = product.model_dump(include=set(FIELDS))
    errors = _faults(values)
    if errors is None:
        return {}, None
    at_fault = {str(e["loc"][0]) for e in errors[0].errors() if e["loc"]}
    changes = {name: repaired_value(name, values.get(name)) for name in sorted(at_fault)}
    still = _faults(values | changes)
    if still is not None:
        return changes, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in still[0].errors())
    return changes, None


async def repair_products(
    principal: Principal, uow_factory: Callable[[], UnitOfWork], *, dry_run: bool = False
) -> RepairReport:
    """Check every product; repair those at fault (one unit of work each, so the job can simply run again)."""
    policy.require_operator(principal)
    report = RepairReport(dry_run=dry_run)
    for candidate in await uow_factory().products.select(ProductQuery()):
        report.checked += 1
        changes, problem = repair(candidate)
        if problem is not None:
            report.unrepairable[candidate.id] = problem
            continue
        if not changes:
            continue
        report.repaired[candidate.id] = sorted(changes)
        if dry_run:
            continue
        async with uow_factory() as uow:
            product = await uow.products.get(candidate.id)
            producer = await uow.producers.get(candidate.producer_id)
            if product is None or producer is None:
                continue
            updated = product.with_changes(repair(product)[0])
            await uow.products.save(updated)
            event = ProductUpdated(product=product_snapshot(updated, producer), version=updated.version)
            uow.emit(event, key=product.id)
            await uow.commit()
    return report
