"""Registry records made over HTTP as an official: producers, products, evaluations, certificates."""

from __future__ import annotations

import httpx

from conftest import RunningApps, auth, unique_tax_code

OFFICIAL = auth("official")


def producer_body(**overrides) -> dict:
    """A producer as the API takes it, with its private data (tax code, address, phone) filled in."""
    return {
        "name": "HTX Sang Hà",
        "kind": "cooperative",
        "tax_code": unique_tax_code(),
        "province": {"code": "19", "name": "Thái Nguyên"},
        "commune": {"name": "Xã Bằng Vân"},
        "address": "Thôn Nà Lạ",
        "contact": {"phone": "0912 345 678"},
    } | overrides


async def make_producer(apps: RunningApps, **overrides) -> dict:
    body = {
        "name": "HTX Sang Hà",
        "kind": "cooperative",
        "tax_code": unique_tax_code(),
        "province": "Thái Nguyên",
        "commune": "Xã Thượng Quan",
        "address": "Thôn Khuổi Ha",
        "contact": {"phone": "0912 000 101"},
    } | overrides
    r = await apps["registry"].post("/api/v1/producers", json=body, headers=OFFICIAL)
    assert r.status_code == 201, r.text
    return r.json()


async def make_product(apps: RunningApps, producer_id: str, **overrides) -> dict:
    body = {
        "producer_id": producer_id,
        "name": "Chè Shan tuyết Khuổi Ha",
        "group": "beverage",
        "sub_group": "chè",
        "description": "Chè Shan tuyết cổ thụ",
        "unit": "hộp 200 g",
        "price_vnd": 250000,
        "images": ["https://example.org/che.jpg"],
        "gtin": "8934567890120",
        "certifications": [
            {"scheme": "VietGAP", "number": "VG-01", "valid_from": "2024-01-01", "valid_until": "2027-01-01"}
        ],
    } | overrides
    r = await apps["registry"].post("/api/v1/products", json=body, headers=OFFICIAL)
    assert r.status_code == 201, r.text
    return r.json()


async def post_evaluation(apps: RunningApps, product_id: str, a: float, b: float, c: float) -> httpx.Response:
    """A provincial council's scores (groups A, B, C) under criteria QĐ 148/2023; the answer as it is."""
    return await apps["registry"].post(
        f"/api/v1/products/{product_id}/evaluations",
        headers=OFFICIAL,
        json={
            "level": "province",
            "criteria_version": "QD148-2023",
            "scores": {"A": a, "B": b, "C": c},
            "evaluated_on": "2026-10-01",
        },
    )


async def evaluate(apps: RunningApps, product_id: str, a: float, b: float, c: float) -> dict:
    r = await post_evaluation(apps, product_id, a, b, c)
    assert r.status_code == 201, r.text
    return r.json()


async def issue(
    apps: RunningApps, evaluation_id: str, issued_on: str = "2026-11-01", decision_no: str = "1611/QĐ-UBND"
) -> httpx.Response:
    return await apps["registry"].post(
        f"/api/v1/evaluations/{evaluation_id}/certificate",
        headers=OFFICIAL,
        json={"decision_no": decision_no, "issued_on": issued_on},
    )
