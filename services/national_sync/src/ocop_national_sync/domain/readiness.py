"""Readiness: what the national traceability portal asks of a product before it accepts it (Thông tư
02/2024/TT-BKHCN's data items, and what the portal's product resource refuses without), checked before any
call so a producer learns exactly what to add.

A product goes to the portal when its OCOP certificate is active and nothing below is missing:

- ``no_producer``: the producer is not known yet (its registry event has not arrived);
- ``no_tax_code``: the producer's tax code (the portal registers organisations by tax code or GLN);
- ``no_gtin`` / ``bad_gtin``: a GTIN with a correct check digit;
- ``no_image``: at least one product image at a public https URL;
- ``no_net_quantity``: a net weight or volume above 0 with its unit (read from the unit of sale: "hộp 200 g");
- ``no_stamps``: traceability stamps issued (the traceability code the consumer scans);
- ``no_stages``: at least one stage of a batch's journey (harvest, packing…) with its EPCIS trace codes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from ocop_national_sync.domain.net_quantity import net_quantity

MESSAGES = {
    "not_certified": "chưa có giấy chứng nhận OCOP còn hiệu lực",
    "no_producer": "chưa nhận được thông tin chủ thể",
    "no_tax_code": "chủ thể chưa có mã số thuế",
    "no_gtin": "chưa có mã GTIN",
    "bad_gtin": "mã GTIN sai số kiểm tra",
    "no_image": "thiếu ảnh sản phẩm",
    "no_net_quantity": "thiếu khối lượng tịnh",
    "no_stamps": "chưa phát hành tem truy xuất",
    "no_stages": "chưa ghi công đoạn nào của lô hàng (thu hoạch, đóng gói…)",
}


@dataclass(frozen=True)
class Missing:
    code: str

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


def gtin_valid(gtin: str) -> bool:
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    body = gtin[:-1]
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(gtin[-1])


def public_url(url: str) -> bool:
    """https, a host name with a dot or a public address: what a citizen's browser can load from the portal."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host == "localhost" or host.endswith((".local", ".localhost")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host


def missing_items(
    *,
    producer_known: bool,
    tax_code: str | None,
    gtin: str | None,
    images: list[str],
    unit: str | None,
    stamps: int,
    stages: int,
) -> list[Missing]:
    out: list[str] = []
    if not producer_known:
        out.append("no_producer")
    elif not tax_code:
        out.append("no_tax_code")
    if not gtin:
        out.append("no_gtin")
    elif not gtin_valid(gtin):
        out.append("bad_gtin")
    if not any(public_url(u) for u in images):
        out.append("no_image")
    if net_quantity(unit) is None:
        out.append("no_net_quantity")
    if stamps <= 0:
        out.append("no_stamps")
    if stages <= 0:
        out.append("no_stages")
    return [Missing(code) for code in out]
