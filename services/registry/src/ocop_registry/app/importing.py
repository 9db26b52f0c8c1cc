"""Excel/CSV import of producers and products, the way provincial staff keep their lists.

Every row is validated with the same rules as the API; good rows are imported idempotently (a producer
by tax code, a product by producer + name: importing the same file twice creates nothing new), bad
rows come back in a row-by-row report. Rows are written in chunks, one unit of work per chunk.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from ocop_registry.adapters.repository import ProducerRepository, ProductRepository, producer_doc
from ocop_registry.app.products import new_product
from ocop_registry.app.register_producer import RegisterProducer, announce, new_producer
from ocop_registry.app.snapshots import product_snapshot
from ocop_registry.domain.producer import Contact, normalize_tax_code
from ocop_shared.errors import AppError
from ocop_shared.events.models import ProductRegistered
from ocop_shared.uow import MongoUnitOfWork
from ocop_shared.vocabulary import GROUP_NAMES

CHUNK = 500
MAX_ROWS = 100_000

# Column headers accepted (English keys or the Vietnamese labels staff use), normalised.
ALIASES = {
    "tên chủ thể": "name", "ten chu the": "name", "loại hình": "kind", "loai hinh": "kind",
    "mã số thuế": "tax_code", "ma so thue": "tax_code", "tỉnh": "province", "tỉnh/thành phố": "province",
    "xã": "commune", "xã/phường": "commune", "huyện": "district", "địa chỉ": "address", "dia chi": "address",
    "tên công khai": "public_name", "điện thoại": "phone", "người đại diện": "representative",
    "mst chủ thể": "producer_tax_code", "mã số thuế chủ thể": "producer_tax_code",
    "tên sản phẩm": "name", "ten san pham": "name", "nhóm": "group", "nhóm sản phẩm": "group",
    "phân nhóm": "sub_group", "mô tả": "description", "đơn vị tính": "unit", "đơn vị": "unit",
    "giá (vnđ)": "price_vnd", "giá": "price_vnd", "mã gtin": "gtin", "ảnh": "images", "hình ảnh": "images",
}
KIND_ALIASES = {"htx": ("cooperative", None), "hợp tác xã": ("cooperative", None),
                "thđ": ("cooperative_group", None), "tht": ("cooperative_group", None),
                "tổ hợp tác": ("cooperative_group", None), "hkd": ("household", None),
                "hộ kinh doanh": ("household", None), "hộ sản xuất kinh doanh": ("household", None),
                "ctcp": ("company", "CTCP"), "tnhh": ("company", "TNHH"), "dntn": ("company", "DNTN")}
GROUP_ALIASES = {name.lower(): g for g, name in GROUP_NAMES.items()}


def _key(header: Any) -> str:
    text = unicodedata.normalize("NFC", str(header or "")).strip().lower()
    return ALIASES.get(text, text.replace(" ", "_"))


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Rows of an .xlsx (first sheet) or .csv (UTF-8) as dicts keyed by normalised headers."""
    if filename.lower().endswith(".xlsx"):
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file, not our bug
            raise AppError("unreadable_file", f"Không đọc được tệp Excel: {exc}") from exc
        rows = wb.worksheets[0].iter_rows(values_only=True)
    elif filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise AppError("unreadable_file", "Tệp CSV phải mã hoá UTF-8") from exc
        rows = csv.reader(io.StringIO(text))
    else:
        raise AppError("unsupported_file", "Chỉ nhận tệp .xlsx hoặc .csv")
    header = next(iter(rows), None)
    if not header:
        raise AppError("empty_file", "Tệp không có dòng tiêu đề")
    keys = [_key(h) for h in header]
    out = []
    for values in rows:
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append({k: (v.strip() if isinstance(v, str) else v) for k, v in zip(keys, values, strict=False)
                    if k and v not in (None, "")})
        if len(out) > MAX_ROWS:
            raise AppError("too_many_rows", f"Tối đa {MAX_ROWS} dòng mỗi lần nhập")
    return out


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()]
    if isinstance(exc, AppError):
        return [exc.message]
    return [str(exc)]


def producer_command(row: dict[str, Any]) -> RegisterProducer:
    from ocop_registry.api.schemas import ProducerIn

    row = dict(row)
    kind = str(row.get("kind", "")).strip().lower()
    if kind in KIND_ALIASES:
        row["kind"], form = KIND_ALIASES[kind]
        row.setdefault("legal_form", form)
    contact = {k: str(row.pop(k)) for k in ("phone", "email", "representative") if k in row}
    if contact:
        row["contact"] = contact
    row["tax_code"] = str(row.get("tax_code", ""))
    body = ProducerIn.model_validate({k: v for k, v in row.items() if v is not None})
    return RegisterProducer(
        name=body.name, kind=body.kind, tax_code=body.tax_code, province=body.province, commune=body.commune,
        district=body.district, address=body.address, legal_form=body.legal_form, public_name=body.public_name,
        contact=Contact(**body.contact.model_dump()) if body.contact else None)


def product_fields(row: dict[str, Any], producer_id: str) -> dict[str, Any]:
    from ocop_registry.api.schemas import ProductIn

    row = {k: v for k, v in row.items() if k not in ("producer_tax_code", "producer_id")}
    group = str(row.get("group", "")).strip()
    row["group"] = GROUP_ALIASES.get(group.lower(), group.lower())
    if isinstance(row.get("images"), str):
        row["images"] = [u for u in row["images"].replace(";", " ").split() if u]
    for k in ("gtin", "unit", "sub_group", "description", "name"):
        if k in row:
            row[k] = str(row[k])
    if "price_vnd" in row:
        try:
            row["price_vnd"] = int(float(str(row["price_vnd"]).replace(",", "").replace(".", "")))
        except (ValueError, OverflowError):  # "abc", or "1e999" (infinite): the model reports it
            pass
    return ProductIn.model_validate({**row, "producer_id": producer_id}).model_dump()


Progress = Callable[[int], None]


async def import_producers(rows: list[dict[str, Any]], uow_factory: Callable[[], MongoUnitOfWork],
                           first_row: int = 2, progress: Progress = lambda _n: None,
                           allowed_provinces: tuple[str, ...] = ()) -> dict[str, Any]:
    report: dict[str, Any] = {"rows": len(rows), "created": 0, "existing": 0, "errors": []}
    for start in range(0, len(rows), CHUNK):
        good = []
        for offset, row in enumerate(rows[start:start + CHUNK]):
            try:
                producer = new_producer(producer_command(row))
                if allowed_provinces and producer.province.get("code") not in allowed_provinces:
                    raise AppError("out_of_scope", "Chủ thể ngoài tỉnh cán bộ phụ trách")
                good.append(producer)
            except (ValidationError, AppError, ValueError) as exc:
                report["errors"].append({"row": first_row + start + offset, "errors": _errors(exc)})
        async with uow_factory() as uow:
            repo = ProducerRepository(uow.db, uow.session)
            existing = await repo.by_tax_codes([p.tax_code for p in good])
            fresh, seen = [], set(existing)
            for producer in good:
                if producer.tax_code in seen:
                    report["existing"] += 1
                    continue
                seen.add(producer.tax_code)
                fresh.append(producer)
            if fresh:
                await repo.collection.insert_many([producer_doc(p) for p in fresh], session=uow.session)
                for p in fresh:
                    announce(uow, p)
            await uow.commit()
            report["created"] += len(fresh)
        progress(min(start + CHUNK, len(rows)))
    return report


async def import_products(rows: list[dict[str, Any]], uow_factory: Callable[[], MongoUnitOfWork],
                          first_row: int = 2, progress: Progress = lambda _n: None,
                          allowed_provinces: tuple[str, ...] = ()) -> dict[str, Any]:
    """Rows name their producer by ``producer_tax_code`` (or ``producer_id``)."""
    report: dict[str, Any] = {"rows": len(rows), "created": 0, "existing": 0, "errors": []}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        async with uow_factory() as uow:
            producers = ProducerRepository(uow.db, uow.session)
            tax_codes = []
            for row in chunk:
                try:
                    tax_codes.append(normalize_tax_code(str(row.get("producer_tax_code", ""))))
                except AppError:
                    pass
            by_tax = await producers.by_tax_codes(tax_codes)
            by_id = await producers.many([str(r["producer_id"]) for r in chunk if r.get("producer_id")])
            good = []
            for offset, row in enumerate(chunk):
                try:
                    producer = _producer_of(row, by_tax, by_id, allowed_provinces)
                    good.append((new_product(product_fields(row, producer.id)), producer))
                except (ValidationError, AppError, ValueError) as exc:
                    report["errors"].append({"row": first_row + start + offset, "errors": _errors(exc)})
            products = ProductRepository(uow.db, uow.session)
            existing = await products.by_keys([p.natural_key for p, _ in good])
            fresh, seen = [], set(existing)
            for product, producer in good:
                if product.natural_key in seen:
                    report["existing"] += 1
                    continue
                seen.add(product.natural_key)
                fresh.append((product, producer))
            await products.add_many([p for p, _ in fresh])
            for product, producer in fresh:
                uow.emit(ProductRegistered(product=product_snapshot(product, producer), version=product.version),
                         key=product.id)
            await uow.commit()
            report["created"] += len(fresh)
        progress(min(start + CHUNK, len(rows)))
    return report


def _producer_of(row, by_tax, by_id, allowed_provinces):
    producer = None
    if row.get("producer_id"):
        producer = by_id.get(str(row["producer_id"]))
    elif row.get("producer_tax_code"):
        producer = by_tax.get(normalize_tax_code(str(row["producer_tax_code"])))
    else:
        raise AppError("missing_producer", "Thiếu cột producer_tax_code (mã số thuế chủ thể)")
    if producer is None:
        raise AppError("producer_not_found", "Không tìm thấy chủ thể với mã số thuế/mã này")
    if allowed_provinces and producer.province.get("code") not in allowed_provinces:
        raise AppError("out_of_scope", "Chủ thể ngoài tỉnh cán bộ phụ trách")
    return producer


__all__ = ["read_rows", "import_producers", "import_products"]
