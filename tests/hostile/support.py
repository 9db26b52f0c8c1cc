"""Helpers of the hostile-input suite: seeding one producer's complete set of records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from conftest import RunningApps, auth, eventually, unique_tax_code

OFFICIAL = auth("official")


def polygon(dx: float = 0.0) -> dict:
    x, y = 105.60 + dx, 22.10
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]]}


@dataclass
class Seeded:
    """One producer's complete set of records, in registry and in traceability."""

    producer: dict
    product: dict
    evaluation: dict  # certified (3★)
    certificate: dict
    spare_evaluation: dict  # 4★, not used yet: for renew / upgrade
    area_code: str
    packing_house_code: str
    batch: dict
    run: dict

    def ids(self) -> dict[str, str]:
        """Path-parameter values, by the names the OpenAPI documents use."""
        return {
            "producer_id": self.producer["id"],
            "product_id": self.product["id"],
            "evaluation_id": self.spare_evaluation["id"],
            "certificate_id": self.certificate["id"],
            "batch_id": self.batch["id"],
            "run_id": self.run["id"],
            "code": self.area_code,
        }


async def _ok(resp, status: int = 201) -> dict:
    assert resp.status_code == status, resp.text
    return resp.json()


async def seed_producer(
    apps: RunningApps, *, province: str = "19", commune: str = "Xã Chợ Đồn", area_prefix: str = "VN-19"
) -> Seeded:
    """Producer → product → evaluation → certificate (registry), then growing area, packing house,
    batch and a ready stamp run (traceability), waiting for traceability's copies in between."""
    reg, tr = apps["registry"], apps["traceability"]
    tag = uuid.uuid4().hex[:6]
    producer = await _ok(
        await reg.post(
            "/api/v1/producers",
            headers=OFFICIAL,
            json={
                "name": f"HTX Chè {tag}",
                "kind": "cooperative",
                "tax_code": unique_tax_code(),
                "province": province,
                "commune": commune,
                "address": "Thôn Nà Lạ",
            },
        )
    )
    product = await _ok(
        await reg.post(
            "/api/v1/products",
            headers=OFFICIAL,
            json={
                "producer_id": producer["id"],
                "name": f"Chè Shan tuyết {tag}",
                "group": "beverage",
                "unit": "hộp 200 g",
                "price_vnd": 250000,
            },
        )
    )
    scores = {"level": "province", "criteria_version": "QD148-2023", "evaluated_on": "2026-10-01"}
    evaluation = await _ok(
        await reg.post(
            f"/api/v1/products/{product['id']}/evaluations",
            headers=OFFICIAL,
            json=scores | {"scores": {"A": 30, "B": 15, "C": 20}},
        )
    )
    certificate = await _ok(
        await reg.post(
            f"/api/v1/evaluations/{evaluation['id']}/certificate",
            headers=OFFICIAL,
            json={"decision_no": "1/QĐ-UBND", "issued_on": "2026-11-01"},
        )
    )
    spare = await _ok(
        await reg.post(
            f"/api/v1/products/{product['id']}/evaluations",
            headers=OFFICIAL,
            json=scores | {"scores": {"A": 33, "B": 19, "C": 25}},
        )
    )

    db = apps.runtime("traceability").db

    async def copied():
        return (
            await db.producers.find_one({"_id": producer["id"]}) is not None
            and await db.products.find_one({"_id": product["id"]}) is not None
        )

    await eventually(copied)
    area_code = f"{area_prefix}-{tag.upper()}"
    await _ok(
        await tr.post(
            "/api/v1/growing-areas",
            headers=OFFICIAL,
            json={
                "code": area_code,
                "name": "Vùng chè Bản Lạ",
                "crop": "chè",
                "producer_id": producer["id"],
                "province": province,
                "area_ha": 2.5,
                "geometry": polygon(),
            },
        )
    )
    house_code = f"{area_prefix}-PH{tag.upper()}"
    await _ok(
        await tr.post(
            "/api/v1/packing-houses",
            headers=OFFICIAL,
            json={"code": house_code, "name": "Xưởng đóng gói", "producer_id": producer["id"], "province": province},
        )
    )
    batch = await _ok(
        await tr.post(
            "/api/v1/batches",
            headers=OFFICIAL,
            json={
                "product_id": product["id"],
                "growing_area_code": area_code,
                "harvest_date": "2026-10-20",
                "quantity": 100,
                "unit": "kg",
                "packing_house_code": house_code,
            },
        )
    )
    run = await _ok(
        await tr.post(f"/api/v1/batches/{batch['id']}/stamp-runs", headers=OFFICIAL, json={"count": 5}), 202
    )

    async def ready():
        r = await tr.get(f"/api/v1/stamp-runs/{run['id']}", headers=OFFICIAL)
        return r.json()["status"] == "ready"

    await eventually(ready, timeout=60)
    return Seeded(producer, product, evaluation, certificate, spare, area_code, house_code, batch, run)
