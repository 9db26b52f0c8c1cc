"""Excel/CSV import of producers and products, the way provincial staff keep their lists.

Every row is validated with the same rules as the API; good rows are imported idempotently (a producer
by tax code, a product by producer + name: importing the same file twice creates nothing new), bad
rows come back in a row-by-row report. Rows are written in chunks, one unit of work per chunk. A scoped
official imports only producers (and their products) of their provinces; other rows are reported.

Producers' addresses may be written in the units before the 07/2025 reform, mixed with today's: each row is
placed in today's units and the report lists, row by row, every conversion made (``conversions``). An old
commune split between new ones does not stop the import: the producer is stored in its (certain) province of
today with the commune left for an official to choose (status ``pending_choice``, listed in the report and
flagged in the console), rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from ocop_registry.app import policy, producers, products
from ocop_registry.app.commands import ImportRows
from ocop_registry.app.import_rows import Sheet, producer_input, product_input, read_rows, read_sheet
from ocop_registry.app.ports import UnitOfWork
from ocop_registry.domain.producer import Producer, normalize_tax_code
from ocop_registry.domain.product import Product
from ocop_shared.addresses import describe
from ocop_shared.auth import Principal
from ocop_shared.errors import AppError

CHUNK = 500
Report = dict[str, Any]
UowFactory = Callable[[], UnitOfWork]
T = TypeVar("T")


async def import_rows(cmd: ImportRows, principal: Principal, uow_factory: UowFactory) -> Report:
    policy.require_staff(principal)
    importer = import_producers if cmd.kind == "producers" else import_products
    return await importer(cmd, principal, uow_factory)


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()]
    if isinstance(exc, AppError):
        return [exc.message]
    return [str(exc)]


def _in_scope(principal: Principal, producer: Producer) -> Producer:
    if not principal.covers(producer.province_code):
        raise AppError("out_of_scope", "Chủ thể ngoài tỉnh cán bộ phụ trách")
    return producer


async def import_producers(cmd: ImportRows, principal: Principal, uow_factory: UowFactory) -> Report:
    report: Report = {"rows": len(cmd.rows), "created": 0, "existing": 0, "errors": [], "conversions": []}
    for start in range(0, len(cmd.rows), CHUNK):
        good: list[tuple[int, Producer]] = []
        for offset, row in enumerate(cmd.rows[start : start + CHUNK]):
            number = cmd.number(start + offset)
            try:
                producer = producers.new_producer(producer_input(row), split="pending")
                good.append((number, _in_scope(principal, producer)))
            except (ValidationError, AppError, ValueError) as exc:
                report["errors"].append({"row": number, "errors": _errors(exc)})
        async with uow_factory().acting(principal, "producer.import") as uow:
            uow.note(rows=len(cmd.rows), first_row=cmd.number(start))
            stored = await uow.producers.by_tax_codes([p.tax_code for _, p in good])
            fresh = _new_only(good, lambda pair: pair[1].tax_code, stored, report)
            await uow.producers.add_many([p for _, p in fresh])
            for number, p in fresh:
                producers.announce(uow, p)
                if (conversion := _conversion(number, p)) is not None:
                    report["conversions"].append(conversion)
            await uow.commit()
            report["created"] += len(fresh)
    report["pending_choice"] = sum(c["status"] == "pending_choice" for c in report["conversions"])
    return report


def _conversion(row: int, p: Producer) -> dict[str, Any] | None:
    """What the report says about a row written in other units than today's (None: written in today's)."""
    if p.current is None or p.recorded is None or p.current.status == "exact":
        return None
    today = ", ".join(x for x in ((p.commune or {}).get("name"), p.province.get("name")) if x)
    return {
        "row": row,
        "producer": p.public_name,
        "recorded": describe(p.recorded),
        "current": today,
        "status": p.current.status,
        "candidates": [c.model_dump() for c in p.current.candidates],
    }


async def import_products(cmd: ImportRows, principal: Principal, uow_factory: UowFactory) -> Report:
    """Rows name their producer by ``producer_tax_code`` (or ``producer_id``)."""
    report: Report = {"rows": len(cmd.rows), "created": 0, "existing": 0, "errors": []}
    for start in range(0, len(cmd.rows), CHUNK):
        chunk = cmd.rows[start : start + CHUNK]
        async with uow_factory().acting(principal, "product.import") as uow:
            uow.note(rows=len(chunk), first_row=cmd.number(start))
            by_tax = await uow.producers.by_tax_codes([code for r in chunk if (code := _tax_code(r))])
            by_id = await uow.producers.many(str(r["producer_id"]) for r in chunk if r.get("producer_id"))
            good: list[tuple[Product, Producer]] = []
            for offset, row in enumerate(chunk):
                try:
                    producer = _in_scope(principal, _producer_of(row, by_tax, by_id))
                    good.append((products.new_product(product_input(row, producer.id)), producer))
                except (ValidationError, AppError, ValueError) as exc:
                    report["errors"].append({"row": cmd.number(start + offset), "errors": _errors(exc)})
            stored = await uow.products.by_keys([p.natural_key for p, _ in good])
            fresh = _new_only(good, lambda pair: pair[0].natural_key, stored, report)
            await uow.products.add_many([p for p, _ in fresh])
            for product, producer in fresh:
                products.announce(uow, product, producer)
            await uow.commit()
            report["created"] += len(fresh)
    return report


def _new_only(items: list[T], key: Callable[[T], str], stored: Iterable[str], report: Report) -> list[T]:
    """The items neither stored already nor repeated earlier in the chunk (those are counted as existing)."""
    seen, fresh = set(stored), []
    for item in items:
        if key(item) in seen:
            report["existing"] += 1
            continue
        seen.add(key(item))
        fresh.append(item)
    return fresh


def _tax_code(row: dict[str, Any]) -> str | None:
    try:
        return normalize_tax_code(str(row.get("producer_tax_code", "")))
    except AppError:
        return None


def _producer_of(row: dict[str, Any], by_tax: dict[str, Producer], by_id: dict[str, Producer]) -> Producer:
    producer = None
    if row.get("producer_id"):
        producer = by_id.get(str(row["producer_id"]))
    elif row.get("producer_tax_code"):
        producer = by_tax.get(normalize_tax_code(str(row["producer_tax_code"])))
    else:
        raise AppError("missing_producer", "Thiếu cột producer_tax_code (mã số thuế chủ thể)")
    if producer is None:
        raise AppError("producer_not_found", "Không tìm thấy chủ thể với mã số thuế/mã này")
    return producer


async def import_sheet(kind: str, sheet: Sheet, principal: Principal, uow_factory: UowFactory) -> Report:
    """An uploaded file's rows, with the columns left out named in the report."""
    cmd = ImportRows("producers" if kind == "producers" else "products", sheet.rows, row_numbers=tuple(sheet.numbers))
    return await import_rows(cmd, principal, uow_factory) | {"ignored_columns": sheet.ignored}


__all__ = ["CHUNK", "ImportRows", "Sheet", "import_rows", "import_sheet", "read_rows", "read_sheet"]
