"""Demo data drawn from the seed planning documents (Bắc Kạn OCOP plan 2024, Lục Ngạn plan).

Producer names are the ones the seeds list; tax codes, communes and contacts are invented for the demo.
Loading twice creates nothing new: a producer whose tax code exists answers 409 and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

# Since 07/2025 Bắc Kạn is part of Thái Nguyên (GSO 19) and Bắc Giang of Bắc Ninh (24); new records use
# today's units (checked against the vietnam-provinces package). The communes below are real.
BAC_KAN = {"code": "19", "name": "Thái Nguyên"}
BAC_GIANG = {"code": "24", "name": "Bắc Ninh"}

PRODUCERS = [
    {"name": "HTX Sang Hà", "kind": "cooperative", "tax_code": "4700271835", "province": BAC_KAN,
     "commune": {"name": "Xã Thượng Quan"}, "address": "Thôn Khuổi Ha",
     "contact": {"phone": "0912 000 101", "representative": "Nguyễn Văn Sang"}},
    {"name": "HTX dịch vụ tổng hợp Na Rì", "kind": "cooperative", "tax_code": "4700285617", "province": BAC_KAN,
     "commune": {"name": "Xã Na Rì"}, "address": "Tiểu khu Pàn Xá"},
    {"name": "Công ty cổ phần công nghệ dược liệu Bắc Hà", "kind": "company", "legal_form": "CTCP",
     "public_name": "CTCP công nghệ dược liệu Bắc Hà", "tax_code": "4700290345", "province": BAC_KAN,
     "commune": {"name": "Xã Bạch Thông"}, "address": "Thôn Nà Pài"},
    {"name": "Hộ kinh doanh Hà Thị Thoa", "kind": "household", "public_name": "HKD Hà Thị Thoa",
     "tax_code": "4700301122-001", "province": BAC_KAN, "commune": {"name": "Xã Chợ Đồn"}, "address": "Tổ 3", "contact": {"phone": "0987 000 202"}},
    {"name": "Hộ kinh doanh Phong Phin", "kind": "household", "public_name": "HKD Phong Phin",
     "tax_code": "4700312288", "province": BAC_KAN, "commune": {"name": "Xã Ba Bể"}, "address": "Bản Pác Ngòi"},
    {"name": "Cơ sở sản xuất thương mại ANFA", "kind": "company", "legal_form": "DNTN",
     "public_name": "Cơ sở SXTM ANFA", "tax_code": "4700320457", "province": BAC_KAN,
     "commune": {"name": "Phường Đức Xuân"}, "address": "Tổ 10"},
    {"name": "HTX sản xuất và kinh doanh dịch vụ tổng hợp Hồng Xuân", "kind": "cooperative",
     "public_name": "HTX Hồng Xuân", "tax_code": "2400812345", "province": BAC_GIANG,
     "commune": {"name": "Phường Phượng Sơn"}, "address": "Thôn Hồng Xuân"},
]


def load(registry_url: str, token: str, progress: Callable[[str], None] = lambda _m: None) -> dict[str, int]:
    counts = {"created": 0, "existing": 0}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=registry_url, headers=headers, timeout=30) as client:
        for producer in PRODUCERS:
            resp = client.post("/api/v1/producers", json=producer)
            if resp.status_code == 201:
                counts["created"] += 1
            elif resp.status_code == 409:
                counts["existing"] += 1
            else:
                raise RuntimeError(f"demo producer {producer['name']}: {resp.status_code} {resp.text}")
            progress(producer["name"])
    return counts
