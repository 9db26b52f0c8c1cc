"""Demo data drawn from the seed planning documents (Bắc Kạn OCOP plan 2024, Lục Ngạn plan).

Producer names are the ones the seeds list; tax codes, communes and contacts are invented for the demo.
Loading twice creates nothing new: a producer whose tax code exists answers 409 and is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import time

import httpx

from ocop_registry.domain.certificate import add_months

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


# Products named in the seed plans (Bắc Kạn raw-material zones, Lục Ngạn vải thiều), with the star rank
# they are demoed at. "expiring" is issued so that it expires within 30 days; "revoked" is revoked.
PRODUCTS = [
    ("4700271835", "Hạt dẻ Ngân Sơn", "food", "túi 1 kg", 180000, (28, 14, 20), None),
    ("4700271835", "Gạo nếp Khẩu nua lếch Ngân Sơn", "food", "túi 2 kg", 90000, (33, 19, 24), None),
    ("4700285617", "Miến dong Na Rì", "food", "gói 500 g", 65000, (34, 19, 26), None),
    ("4700290345", "Cao quýt Bạch Thông", "herbal", "lọ 200 ml", 150000, (29, 15, 19), "expiring"),
    ("4700301122-001", "Chè Shan tuyết Chợ Đồn", "beverage", "hộp 200 g", 250000, (35, 20, 27), None),
    ("4700312288", "Bí xanh thơm Ba Bể", "food", "kg", 30000, (27, 14, 18), "revoked"),
    ("4700320457", "Mơ vàng ngâm Chợ Mới", "beverage", "chai 500 ml", 120000, (30, 16, 20), None),
    ("2400812345", "Vải thiều Lục Ngạn", "food", "hộp 2 kg", 160000, (36, 21, 28), None),
]


def _certify(client: httpx.Client, product_id: str, scores, special: str | None, today: date, n: int) -> None:
    if client.get("/api/v1/certificates", params={"product_id": product_id}).json():
        return  # already certified once: loading the demo again changes nothing
    a, b, c = scores
    ev = client.post(f"/api/v1/products/{product_id}/evaluations", json={
        "level": "province", "criteria_version": "QD148-2023", "scores": {"A": a, "B": b, "C": c},
        "evaluated_on": (today - timedelta(days=30)).isoformat()}).json()
    issued_on = today - timedelta(days=20)
    if special == "expiring":
        issued_on = add_months(today + timedelta(days=20), -36)
    cert = client.post(f"/api/v1/evaluations/{ev['id']}/certificate",
                       json={"decision_no": f"{1611 + n}/QĐ-UBND", "issued_on": issued_on.isoformat()})
    cert.raise_for_status()
    if special == "revoked":
        client.post(f"/api/v1/certificates/{cert.json()['id']}/revoke",
                    json={"reason": "Không duy trì điều kiện sản xuất theo hồ sơ công nhận", "decision_no": "2105/QĐ-UBND"}
                    ).raise_for_status()


# A growing area of chè Shan tuyết in Chợ Đồn (a plausible polygon on the hills west of the commune).
DEMO_AREA = {
    "code": "VN-19-063-02020-001", "name": "Đồi chè Shan tuyết Bản Tàn", "crop": "chè Shan tuyết",
    "province": {"code": "19", "name": "Thái Nguyên"}, "commune": {"code": "02020", "name": "Xã Chợ Đồn"},
    "area_ha": 14.2, "certifications": [{"scheme": "VietGAP", "number": "VG-TN-0213", "valid_from": "2025-03-01",
                                         "valid_until": "2028-03-01"}],
    "geometry": {"type": "Polygon", "coordinates": [[[105.5731, 22.1862], [105.5802, 22.1849], [105.5829, 22.1903],
                                                      [105.5776, 22.1941], [105.5718, 22.1915], [105.5731, 22.1862]]]},
}


def load_traceability(trace_url: str, token: str, producer_id: str, product_id: str) -> str | None:
    """Growing area, batch with a trail and a one-page stamp run for the Chợ Đồn tea. Returns the run id
    when it was created now (None when the demo batch already existed)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=trace_url, headers=headers, timeout=30) as client:
        for _ in range(100):  # traceability learns about producers and products from events
            if client.get(f"/api/v1/producers/{producer_id}").status_code == 200:
                break
            time.sleep(0.2)
        resp = client.post("/api/v1/growing-areas", json={**DEMO_AREA, "producer_id": producer_id})
        if resp.status_code not in (201, 409):
            raise RuntimeError(f"demo growing area: {resp.status_code} {resp.text}")
        for _ in range(100):
            batch = client.post("/api/v1/batches", json={
                "product_id": product_id, "growing_area_code": DEMO_AREA["code"], "harvest_date": "2026-10-28",
                "quantity": 350, "unit": "kg", "lot": "CD-2610-01"})
            if batch.status_code != 404:
                break
            time.sleep(0.2)
        if batch.status_code == 409:
            return None
        batch.raise_for_status()
        batch_id = batch.json()["id"]
        for kind, when, place, note in (
                ("harvesting", "2026-10-28T06:30:00+07:00", "Đồi chè Bản Tàn, xã Chợ Đồn", "Hái một tôm hai lá"),
                ("processing", "2026-10-28T14:00:00+07:00", "Xưởng chế biến HKD Hà Thị Thoa", "Sao suốt thủ công"),
                ("packing", "2026-10-30T08:00:00+07:00", "Xưởng chế biến HKD Hà Thị Thoa", "Hộp 200 g")):
            client.post(f"/api/v1/batches/{batch_id}/events",
                        json={"type": kind, "time": when, "place": place, "note": note}).raise_for_status()
        run = client.post(f"/api/v1/batches/{batch_id}/stamp-runs", json={"count": 48})
        run.raise_for_status()
        client.post(f"/api/v1/stamp-runs/{run.json()['id']}/activate", json={})
        return run.json()["id"]


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
        rows = [{"producer_tax_code": t, "name": n, "group": g, "unit": u, "price_vnd": p,
                 "description": f"{n} — sản phẩm OCOP (dữ liệu minh hoạ)"} for t, n, g, u, p, _s, _x in PRODUCTS]
        report = client.post("/api/v1/imports/products", json={"rows": rows}).json()
        counts["products"] = report["created"]
        ids = {p["name"]: p["id"] for p in client.get("/api/v1/products", params={"limit": 500}).json()}
        today = date.today()
        for n, (_t, name, _g, _u, _p, scores, special) in enumerate(PRODUCTS):
            _certify(client, ids[name], scores, special, today, n)
            progress(name)
    return counts
