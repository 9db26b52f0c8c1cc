"""Reading an uploaded list into rows the import understands: the column headers staff use (English keys
or the Vietnamese labels, e.g. "Mã số thuế"), kinds ("HTX", "TNHH"…) and groups by their Vietnamese names.
Each row is then validated with the same input models as the API.
"""

from __future__ import annotations

import contextlib
import unicodedata
from typing import Any

from ocop_registry.adapters.spreadsheet import table_rows
from ocop_registry.app.inputs import ProducerIn, ProductIn
from ocop_shared.errors import AppError
from ocop_shared.vocabulary import GROUP_NAMES

MAX_ROWS = 100_000

# Column headers accepted (English keys or the Vietnamese labels staff use), normalised.
ALIASES = {
    "tên chủ thể": "name",
    "ten chu the": "name",
    "loại hình": "kind",
    "loai hinh": "kind",
    "mã số thuế": "tax_code",
    "ma so thue": "tax_code",
    "tỉnh": "province",
    "tỉnh/thành phố": "province",
    "xã": "commune",
    "xã/phường": "commune",
    "huyện": "district",
    "địa chỉ": "address",
    "dia chi": "address",
    "tên công khai": "public_name",
    "điện thoại": "phone",
    "người đại diện": "representative",
    "mst chủ thể": "producer_tax_code",
    "mã số thuế chủ thể": "producer_tax_code",
    "tên sản phẩm": "name",
    "ten san pham": "name",
    "nhóm": "group",
    "nhóm sản phẩm": "group",
    "phân nhóm": "sub_group",
    "mô tả": "description",
    "đơn vị tính": "unit",
    "đơn vị": "unit",
    "giá (vnđ)": "price_vnd",
    "giá": "price_vnd",
    "mã gtin": "gtin",
    "ảnh": "images",
    "hình ảnh": "images",
}
KIND_ALIASES = {
    "htx": ("cooperative", None),
    "hợp tác xã": ("cooperative", None),
    "thđ": ("cooperative_group", None),
    "tht": ("cooperative_group", None),
    "tổ hợp tác": ("cooperative_group", None),
    "hkd": ("household", None),
    "hộ kinh doanh": ("household", None),
    "hộ sản xuất kinh doanh": ("household", None),
    "ctcp": ("company", "CTCP"),
    "tnhh": ("company", "TNHH"),
    "dntn": ("company", "DNTN"),
}
GROUP_ALIASES = {name.lower(): g for g, name in GROUP_NAMES.items()}


def _key(header: Any) -> str:
    text = unicodedata.normalize("NFC", str(header or "")).strip().lower()
    return ALIASES.get(text, text.replace(" ", "_"))


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    """Rows of an .xlsx (first sheet) or .csv (UTF-8) as dicts keyed by normalised headers."""
    rows = iter(table_rows(filename, content))
    header = next(rows, None)
    if not header:
        raise AppError("empty_file", "Tệp không có dòng tiêu đề")
    keys = [_key(h) for h in header]
    out = []
    for values in rows:
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append(
            {
                k: (v.strip() if isinstance(v, str) else v)
                for k, v in zip(keys, values, strict=False)
                if k and v not in (None, "")
            }
        )
        if len(out) > MAX_ROWS:
            raise AppError("too_many_rows", f"Tối đa {MAX_ROWS} dòng mỗi lần nhập")
    return out


def producer_input(row: dict[str, Any]) -> ProducerIn:
    row = dict(row)
    kind = str(row.get("kind", "")).strip().lower()
    if kind in KIND_ALIASES:
        row["kind"], form = KIND_ALIASES[kind]
        row.setdefault("legal_form", form)
    contact = {k: str(row.pop(k)) for k in ("phone", "email", "representative") if k in row}
    if contact:
        row["contact"] = contact
    row["tax_code"] = str(row.get("tax_code", ""))
    return ProducerIn.model_validate({k: v for k, v in row.items() if v is not None})


def product_input(row: dict[str, Any], producer_id: str) -> ProductIn:
    row = {k: v for k, v in row.items() if k not in ("producer_tax_code", "producer_id")}
    group = str(row.get("group", "")).strip()
    row["group"] = GROUP_ALIASES.get(group.lower(), group.lower())
    if isinstance(row.get("images"), str):
        row["images"] = [u for u in row["images"].replace(";", " ").split() if u]
    for k in ("gtin", "unit", "sub_group", "description", "name"):
        if k in row:
            row[k] = str(row[k])
    if "price_vnd" in row:
        with contextlib.suppress(ValueError, OverflowError):  # "abc", or "1e999" (infinite): the model reports it
            row["price_vnd"] = int(float(str(row["price_vnd"]).replace(",", "").replace(".", "")))
    return ProductIn.model_validate({**row, "producer_id": producer_id})
