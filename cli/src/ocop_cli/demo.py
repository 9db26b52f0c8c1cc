"""Demo data drawn from the seed planning documents (Bắc Kạn OCOP plan 2024, Lục Ngạn plan).

Producer names are the ones the seeds list; tax codes, communes and contacts are invented for the demo.
Loading twice creates nothing new: a producer whose tax code exists answers 409 and is skipped.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

import httpx

from ocop_registry.domain.certificate import add_months

# Since 07/2025 Bắc Kạn is part of Thái Nguyên (GSO 19) and Bắc Giang of Bắc Ninh (24). Most records are
# written in today's units; two the way the seed documents (2018–2024) write them, before the reform: HTX Sang
# Hà (tỉnh Bắc Kạn "06", huyện Ngân Sơn, xã Thượng Quan — the README example) and the tổ hợp tác of the seed's
# "rượu men lá Bằng Phúc" craft village (xã Bằng Phúc, tỉnh Bắc Kạn: no district), which the registry places
# in Thái Nguyên (Xã Thượng Quan, Xã Đồng Phúc) keeping the address as written. The communes are real.
BAC_KAN = {"code": "19", "name": "Thái Nguyên"}
BAC_GIANG = {"code": "24", "name": "Bắc Ninh"}

PRODUCERS: list[dict[str, Any]] = [
    {
        "name": "HTX Sang Hà",
        "kind": "cooperative",
        "tax_code": "4700271835",
        "province": {"code": "06", "name": "Bắc Kạn"},
        "district": "Huyện Ngân Sơn",
        "commune": "Xã Thượng Quan",
        "address": "Thôn Khuổi Ha",
        "contact": {"phone": "0912 000 101", "representative": "Nguyễn Văn Sang"},
    },
    {
        "name": "HTX dịch vụ tổng hợp Na Rì",
        "kind": "cooperative",
        "tax_code": "4700285617",
        "province": BAC_KAN,
        "commune": {"name": "Xã Na Rì"},
        "address": "Tiểu khu Pàn Xá",
    },
    {
        "name": "Công ty cổ phần công nghệ dược liệu Bắc Hà",
        "kind": "company",
        "legal_form": "CTCP",
        "public_name": "CTCP công nghệ dược liệu Bắc Hà",
        "tax_code": "4700290345",
        "province": BAC_KAN,
        "commune": {"name": "Xã Bạch Thông"},
        "address": "Thôn Nà Pài",
    },
    {
        "name": "Hộ kinh doanh Hà Thị Thoa",
        "kind": "household",
        "public_name": "HKD Hà Thị Thoa",
        "tax_code": "4700301122-001",
        "province": BAC_KAN,
        "commune": {"name": "Xã Chợ Đồn"},
        "address": "Tổ 3",
        "contact": {"phone": "0987 000 202"},
    },
    {
        "name": "Hộ kinh doanh Phong Phin",
        "kind": "household",
        "public_name": "HKD Phong Phin",
        "tax_code": "4700312288",
        "province": BAC_KAN,
        "commune": {"name": "Xã Ba Bể"},
        "address": "Bản Pác Ngòi",
    },
    {
        "name": "Cơ sở sản xuất thương mại ANFA",
        "kind": "company",
        "legal_form": "DNTN",
        "public_name": "Cơ sở SXTM ANFA",
        "tax_code": "4700320457",
        "province": BAC_KAN,
        "commune": {"name": "Phường Đức Xuân"},
        "address": "Tổ 10",
    },
    {
        "name": "HTX sản xuất và kinh doanh dịch vụ tổng hợp Hồng Xuân",
        "kind": "cooperative",
        "public_name": "HTX Hồng Xuân",
        "tax_code": "2400812345",
        "province": BAC_GIANG,
        "commune": {"name": "Phường Phượng Sơn"},
        "address": "Thôn Hồng Xuân",
    },
    {
        "name": "Tổ hợp tác rượu men lá Bằng Phúc",
        "kind": "cooperative_group",
        "public_name": "THT rượu men lá Bằng Phúc",
        "tax_code": "4700335120",
        "province": "Bắc Kạn",
        "commune": "Bằng Phúc",
        "address": "Thôn Nà Dọ",
    },
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
# Invented GTIN-13s (Vietnam's GS1 prefix 893, check digits valid): these products' stamps are GS1 Digital
# Links (https://HOST/01/<GTIN>/10/<lot>/21/<serial>) that the GS1 resolver answers; the others get the short form.
DEMO_GTINS = {"Chè Shan tuyết Chợ Đồn": "8939999000123", "Vải thiều Lục Ngạn": "8939999000130"}


def _certify(client: httpx.Client, product_id: str, scores, special: str | None, today: date, n: int) -> None:
    if client.get("/api/v1/certificates", params={"product_id": product_id}).json():
        return  # already certified once: loading the demo again changes nothing
    a, b, c = scores
    ev = client.post(
        f"/api/v1/products/{product_id}/evaluations",
        json={
            "level": "province",
            "criteria_version": "QD148-2023",
            "scores": {"A": a, "B": b, "C": c},
            "evaluated_on": (today - timedelta(days=30)).isoformat(),
        },
    ).json()
    issued_on = today - timedelta(days=20)
    if special == "expiring":
        issued_on = add_months(today + timedelta(days=20), -36)
    cert = client.post(
        f"/api/v1/evaluations/{ev['id']}/certificate",
        json={"decision_no": f"{1611 + n}/QĐ-UBND", "issued_on": issued_on.isoformat()},
    )
    cert.raise_for_status()


def _revoke(client: httpx.Client, product_id: str) -> None:
    """Revoked after its stamps were printed: those stamps now scan as "revoked"."""
    for cert in client.get("/api/v1/certificates", params={"product_id": product_id}).json():
        if cert["status"] == "active":
            client.post(
                f"/api/v1/certificates/{cert['id']}/revoke",
                json={"reason": "Không duy trì điều kiện sản xuất theo hồ sơ công nhận", "decision_no": "2105/QĐ-UBND"},
            ).raise_for_status()


def polygon(lon: float, lat: float, hectares: float, turn: int = 0) -> tuple[dict, float]:
    """An irregular hexagon of about ``hectares`` around (lon, lat): a plausible field or hill plot.
    Returns the GeoJSON Polygon and its area in hectares (computed, so area_ha matches the drawing)."""
    radius_m = math.sqrt(hectares * 10_000 / (3 * math.sqrt(3) / 2))
    shape = (1.0, 0.82, 1.12, 0.9, 1.06, 0.78)
    pts = []
    for i in range(6):
        angle = math.radians(60 * i + 17 * turn)
        r = radius_m * shape[(i + turn) % 6]
        dx, dy = r * math.cos(angle), r * math.sin(angle)
        pts.append((round(lon + dx / (111_320 * math.cos(math.radians(lat))), 6), round(lat + dy / 110_574, 6)))
    ring = [*pts, pts[0]]
    # shoelace in metres
    xy = [((x - lon) * 111_320 * math.cos(math.radians(lat)), (y - lat) * 110_574) for x, y in ring]
    area_m2 = abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(xy))) / 2
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}, round(area_m2 / 10_000, 2)


# Raw-material zones named in the Bắc Kạn plan (QĐ 1228/QĐ-UBND 2023) and the Lục Ngạn vải thiều orchards.
# Domestic codes: VN-<province>-<district (pre-2025 GSO)>-<commune>-<n>; the Lục Ngạn orchard carries an
# export-style code. Centres are near the real places; the outlines are drawn for the demo.
_VIETGAP = {"scheme": "VietGAP", "valid_from": "2025-03-01", "valid_until": "2028-03-01"}
AREAS = [
    # (owner tax code, code, name, crop, commune code, commune name, lon, lat, ha, certificate number)
    (
        "4700301122-001",
        "VN-19-064-02020-001",
        "Đồi chè Shan tuyết Bản Tàn",
        "chè Shan tuyết",
        "02020",
        "Xã Chợ Đồn",
        105.5773,
        22.1895,
        14.0,
        "VG-TN-0213",
    ),
    (
        "4700271835",
        "VN-19-062-01957-001",
        "Rừng hạt dẻ Nà Lẹng",
        "hạt dẻ",
        "01957",
        "Xã Thượng Quan",
        105.9402,
        22.3268,
        22.0,
        None,
    ),
    (
        "4700271835",
        "VN-19-062-01957-002",
        "Ruộng nếp Khẩu nua lếch Cốc Pái",
        "lúa nếp Khẩu nua lếch",
        "01957",
        "Xã Thượng Quan",
        105.9317,
        22.3172,
        8.5,
        "VG-TN-0188",
    ),
    (
        "4700285617",
        "VN-19-066-02155-001",
        "Vùng dong riềng Pàn Xá",
        "dong riềng",
        "02155",
        "Xã Na Rì",
        106.1051,
        22.2587,
        25.0,
        None,
    ),
    (
        "4700290345",
        "VN-19-063-02014-001",
        "Vườn cam quýt Nà Pài",
        "cam, quýt",
        "02014",
        "Xã Bạch Thông",
        105.8612,
        22.2551,
        11.0,
        "VG-TN-0247",
    ),
    (
        "4700312288",
        "VN-19-061-01906-001",
        "Vùng bí xanh thơm Pác Ngòi",
        "bí xanh thơm",
        "01906",
        "Xã Ba Bể",
        105.6372,
        22.4103,
        6.5,
        None,
    ),
    (
        "4700320457",
        "VN-19-065-02086-001",
        "Đồi mơ vàng Chợ Mới",
        "mơ vàng",
        "02086",
        "Xã Chợ Mới",
        105.7891,
        21.8806,
        12.0,
        None,
    ),
    (
        "2400812345",
        "VN-BGOR-0312",
        "Vườn vải thiều Hồng Xuân",
        "vải thiều",
        "07612",
        "Phường Phượng Sơn",
        106.5217,
        21.3846,
        18.0,
        "VG-BN-1042",
    ),
]

# Batches with a trail and a stamp run, per product: (area code, lot, harvest date, quantity, unit, stamps, trail)
LOTS = {
    "Chè Shan tuyết Chợ Đồn": (
        "VN-19-064-02020-001",
        "CD-2610-01",
        "2026-10-28",
        350,
        "kg",
        48,
        (
            ("harvesting", "2026-10-28T06:30:00+07:00", "Đồi chè Bản Tàn, xã Chợ Đồn", "Hái một tôm hai lá"),
            ("processing", "2026-10-28T14:00:00+07:00", "Xưởng chế biến HKD Hà Thị Thoa", "Sao suốt thủ công"),
            ("packing", "2026-10-30T08:00:00+07:00", "Xưởng chế biến HKD Hà Thị Thoa", "Hộp 200 g"),
        ),
    ),
    "Vải thiều Lục Ngạn": (
        "VN-BGOR-0312",
        "LN-2606-03",
        "2026-06-14",
        1200,
        "kg",
        24,
        (
            ("harvesting", "2026-06-14T05:00:00+07:00", "Vườn vải thiều Hồng Xuân", "Thu hái lúc sáng sớm, chín đều"),
            ("packing", "2026-06-14T11:00:00+07:00", "Nhà sơ chế HTX Hồng Xuân", "Hộp 2 kg, bảo quản lạnh 4 °C"),
            ("shipping", "2026-06-15T06:00:00+07:00", "Phường Phượng Sơn", "Xe lạnh đi Hà Nội"),
        ),
    ),
    "Bí xanh thơm Ba Bể": (
        "VN-19-061-01906-001",
        "BB-2609-01",
        "2026-09-20",
        800,
        "kg",
        12,
        (
            ("harvesting", "2026-09-20T07:00:00+07:00", "Vùng bí xanh thơm Pác Ngòi", "Quả 1,5–2 kg"),
            ("packing", "2026-09-21T08:00:00+07:00", "Bản Pác Ngòi, xã Ba Bể", "Dán tem từng quả"),
        ),
    ),
}


@dataclass
class DemoResult:
    producers_created: int = 0
    producers_existing: int = 0
    products_created: int = 0
    areas_created: int = 0
    runs: dict[str, str] = field(default_factory=dict)  # product name → stamp run id
    genuine_url: str | None = None
    revoked_url: str | None = None


def _wait(
    call: Callable[[], httpx.Response], until: Callable[[httpx.Response], bool], seconds: float = 30
) -> httpx.Response:
    """Traceability learns about producers, products and certificates from events: wait for them."""
    deadline = time.monotonic() + seconds
    while True:
        resp = call()
        if until(resp) or time.monotonic() > deadline:
            return resp
        time.sleep(0.2)


def load(
    registry_url: str, token: str, progress: Callable[[str], None] = lambda _m: None, trace_url: str | None = None
) -> DemoResult:
    result = DemoResult()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=registry_url, headers=headers, timeout=30) as client:
        producer_ids: dict[str, str] = {}
        for producer in PRODUCERS:
            resp = client.post("/api/v1/producers", json=producer)
            if resp.status_code == 201:
                result.producers_created += 1
            elif resp.status_code == 409:
                result.producers_existing += 1
            else:
                raise RuntimeError(f"demo producer {producer['name']}: {resp.status_code} {resp.text}")
            progress(str(producer["name"]))
        for stored in client.get("/api/v1/producers", params={"limit": 500}).json():
            producer_ids[stored["tax_code"]] = stored["id"]
        rows = [
            {
                "producer_tax_code": t,
                "name": n,
                "group": g,
                "unit": u,
                "price_vnd": p,
                "description": f"{n} — sản phẩm OCOP (dữ liệu minh hoạ)",
                **({"gtin": DEMO_GTINS[n]} if n in DEMO_GTINS else {}),
            }
            for t, n, g, u, p, _s, _x in PRODUCTS
        ]
        report = client.post("/api/v1/imports/products", json={"rows": rows}).json()
        result.products_created = report["created"]
        ids = {p["name"]: p["id"] for p in client.get("/api/v1/products", params={"limit": 500}).json()}
        today = date.today()
        for n, (_t, name, _g, _u, _p, scores, special) in enumerate(PRODUCTS):
            _certify(client, ids[name], scores, special, today, n)
            progress(name)
        if trace_url:
            with httpx.Client(base_url=trace_url, headers=headers, timeout=60) as trace:
                _load_traceability(trace, producer_ids, ids, result)
                result.genuine_url = _first_url(trace, result.runs.get("Chè Shan tuyết Chợ Đồn"))
                result.revoked_url = _first_url(trace, result.runs.get("Bí xanh thơm Ba Bể"))
        for _t, name, *_rest, special in PRODUCTS:
            if special == "revoked":
                _revoke(client, ids[name])  # after its stamps exist (no-op when already revoked)
    return result


def _load_traceability(
    trace: httpx.Client, producer_ids: dict[str, str], product_ids: dict[str, str], result: DemoResult
) -> None:
    for tax, code, name, crop, commune_code, commune, lon, lat, ha, cert_no in AREAS:
        producer_id = producer_ids[tax]
        _wait(partial(trace.get, f"/api/v1/producers/{producer_id}"), lambda r: r.status_code == 200)
        geometry, area_ha = polygon(lon, lat, ha, turn=len(code))
        province = {"code": "24", "name": "Bắc Ninh"} if code.startswith(("VN-24", "VN-BG")) else BAC_KAN
        resp = trace.post(
            "/api/v1/growing-areas",
            json={
                "code": code,
                "name": name,
                "crop": crop,
                "producer_id": producer_id,
                "province": province,
                "commune": {"code": commune_code, "name": commune},
                "area_ha": area_ha,
                "geometry": geometry,
                "certifications": [{**_VIETGAP, "number": cert_no}] if cert_no else [],
            },
        )
        if resp.status_code == 201:
            result.areas_created += 1
        elif resp.status_code != 409:
            raise RuntimeError(f"demo growing area {code}: {resp.status_code} {resp.text}")
    for product, (area, lot, harvested, quantity, unit, stamps, events) in LOTS.items():
        product_id = product_ids[product]
        existing = [
            b for b in trace.get("/api/v1/batches", params={"product_id": product_id}).json() if b["lot"] == lot
        ]
        if existing:  # loaded before: find its run
            runs = trace.get("/api/v1/stamp-runs", params={"batch_id": existing[0]["id"]}).json()
            if runs:
                result.runs[product] = runs[-1]["id"]
            continue
        batch = _wait(
            partial(
                trace.post,
                "/api/v1/batches",
                json={
                    "product_id": product_id,
                    "growing_area_code": area,
                    "harvest_date": harvested,
                    "quantity": quantity,
                    "unit": unit,
                    "lot": lot,
                },
            ),
            lambda r: r.status_code != 404,
        )
        batch.raise_for_status()
        batch_id = batch.json()["id"]
        for kind, when, place, note in events:
            trace.post(
                f"/api/v1/batches/{batch_id}/events", json={"type": kind, "time": when, "place": place, "note": note}
            ).raise_for_status()
        run = trace.post(f"/api/v1/batches/{batch_id}/stamp-runs", json={"count": stamps})
        run.raise_for_status()
        run_id = run.json()["id"]
        _wait(partial(trace.get, f"/api/v1/stamp-runs/{run_id}"), lambda r: r.json()["status"] == "ready", 60)
        trace.post(f"/api/v1/stamp-runs/{run_id}/activate", json={}).raise_for_status()
        result.runs[product] = run_id


def _first_url(trace: httpx.Client, run_id: str | None) -> str | None:
    if not run_id:
        return None
    resp = trace.get(f"/api/v1/stamp-runs/{run_id}/codes.csv")
    if resp.status_code != 200:
        return None
    # printed URLs are upper case (QR alphanumeric mode); scheme and host are case-insensitive
    lines = [line.strip() for line in resp.text.splitlines() if line.strip().lower().startswith("http")]
    if not lines:
        return None
    scheme, rest = lines[0].split("://", 1)
    host, path = rest.split("/", 1)
    return f"{scheme.lower()}://{host.lower()}/{path}"


def count_listings(standin_url: str, expected: int = 7, seconds: float = 30) -> int:
    """Active listings a stand-in holds, waiting (up to ``seconds``) for the demo's certified products."""
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        try:
            held = httpx.get(f"{standin_url}/__inspect/products", timeout=5).json()
            count = sum(1 for p in held if p["status"] == "active")
        except httpx.HTTPError:
            pass
        if count == expected:
            break
        time.sleep(0.5)
    return count
