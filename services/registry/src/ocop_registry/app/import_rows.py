"""Reading an uploaded list into rows the import understands: the column headers staff use (English keys
or the Vietnamese labels, e.g. "Mã số thuế", "Tỉnh", "Huyện", "Xã", "Địa chỉ"), kinds ("HTX", "TNHH"…) and
groups by their Vietnamese names. Provincial lists come as they are: a title above the header row, columns the
import does not use (STT, Ghi chú: reported, not refused), units before or after the 07/2025 reform, and the
commune, district or province sometimes only inside "Địa chỉ" ("Thôn Nà Pài, xã Vi Hương, huyện Bạch Thông").
Each row is then validated with the same input models as the API.
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ocop_registry.adapters.spreadsheet import table_rows
from ocop_registry.app.inputs import ContactIn, ProducerIn, ProductIn
from ocop_shared.admin_units.text import variants
from ocop_shared.errors import AppError
from ocop_shared.vocabulary import GROUP_NAMES

MAX_ROWS = 100_000
HEADER_SEARCH_ROWS = 10  # a title and a blank line or two may stand above the header

# Column headers accepted (English keys or the Vietnamese labels staff use), normalised.
ALIASES = {
    "tên chủ thể": "name",
    "ten chu the": "name",
    "loại hình": "kind",
    "loai hinh": "kind",
    "mã số thuế": "tax_code",
    "ma so thue": "tax_code",
    "tỉnh": "province",
    "tinh": "province",
    "tỉnh/thành phố": "province",
    "tỉnh/tp": "province",
    "tỉnh, thành phố": "province",
    "mã tỉnh": "province",
    "xã": "commune",
    "xa": "commune",
    "xã/phường": "commune",
    "xã/phường/thị trấn": "commune",
    "xã, phường, thị trấn": "commune",
    "phường/xã": "commune",
    "mã xã": "commune",
    "huyện": "district",
    "huyen": "district",
    "huyện/thị xã/thành phố": "district",
    "huyện/thành phố": "district",
    "huyện, thị xã, thành phố": "district",
    "quận/huyện": "district",
    "mã huyện": "district",
    "xã/phường hiện nay": "current_commune",
    "địa chỉ": "address",
    "dia chi": "address",
    "thôn/bản": "address",
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


# What a column may be called once its header is read (anything else is reported and left out).
KNOWN = (
    set(ALIASES.values())
    | set(ProducerIn.model_fields)
    | set(ProductIn.model_fields)
    | set(ContactIn.model_fields)
    | {"producer_tax_code", "producer_id"}
)


@dataclass
class Sheet:
    """The rows of an uploaded list (blank ones left out), the spreadsheet row number of each (for the report)
    and the columns left out."""

    rows: list[dict[str, Any]]
    numbers: list[int] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def read_sheet(filename: str, content: bytes) -> Sheet:
    """The rows of an .xlsx (first sheet) or .csv (UTF-8) as dicts keyed by normalised headers: the header is
    the first of the top rows that names at least two known columns (else the first row)."""
    rows = iter(table_rows(filename, content))
    top = []
    for values in rows:
        top.append(values)
        if len(top) >= HEADER_SEARCH_ROWS:
            break
    if not top or not top[0]:
        raise AppError("empty_file", "Tệp không có dòng tiêu đề")
    at = next((i for i, v in enumerate(top) if sum(_key(h) in KNOWN for h in v or ()) >= 2), 0)
    keys = [_key(h) for h in top[at]]
    ignored = [str(h).strip() for h, k in zip(top[at], keys, strict=False) if h not in (None, "") and k not in KNOWN]
    sheet = Sheet([], [], ignored)
    for number, values in enumerate([*top[at + 1 :], *rows], start=at + 2):
        if values is None or all(v in (None, "") for v in values):
            continue
        sheet.rows.append(
            {
                k: (v.strip() if isinstance(v, str) else v)
                for k, v in zip(keys, values, strict=False)
                if k in KNOWN and v not in (None, "")
            }
        )
        sheet.numbers.append(number)
        if len(sheet.rows) > MAX_ROWS:
            raise AppError("too_many_rows", f"Tối đa {MAX_ROWS} dòng mỗi lần nhập")
    return sheet


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    """The rows alone (see ``read_sheet``)."""
    return read_sheet(filename, content).rows


# The level of a unit written inside an address, by its type word; TP (thành phố) is a province only where
# it ends the address.
_LEVEL = {"t": 0, "x": 2, "p": 2, "tt": 2, "h": 1, "q": 1, "tx": 1}
_FIELDS = ("province", "district", "commune")


def units_from_address(row: dict[str, Any]) -> dict[str, Any]:
    """A row whose units are written only inside its address ("Thôn Nà Pài, xã Vi Hương, huyện Bạch Thông,
    tỉnh Bắc Kạn"): the trailing parts with a type word, in the order province, district, commune from the
    end, become the units the row lacks; the rest stays the address. Nothing changes without a commune."""
    address = row.get("address")
    if not isinstance(address, str) or "," not in address or row.get("commune"):
        return row
    parts = [p.strip() for p in address.split(",") if p.strip()]
    found: dict[str, str] = {}
    last = -1
    while len(parts) > 1 and "commune" not in found:
        hint = variants(parts[-1])[0] or ""
        level = _LEVEL.get(hint, 0 if last < 0 and not row.get("province") else 1) if hint == "tp" else _LEVEL.get(hint)
        if level is None or level <= last:
            break
        found[_FIELDS[level]] = parts.pop()
        last = level
    if "commune" not in found:
        return row
    return {
        **{k: v for k, v in found.items() if not row.get(k)},
        **row,
        "commune": found["commune"],
        "address": ", ".join(parts),
    }


def producer_input(row: dict[str, Any]) -> ProducerIn:
    row = units_from_address(dict(row))
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
