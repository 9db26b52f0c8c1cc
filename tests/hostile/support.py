"""Helpers of the hostile-input suite: seeding one producer's complete set of records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from conftest import RunningApps, eventually, unique_tax_code
from ocop_cli.demo import PLAN_KH180
from tests.support.registry import OFFICIAL, evaluate, issue
from tests.support.traceability import add_area, add_batch, copied, order_stamps, until_ready


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
    # dossiers and a council (seed_dossiers): a draft with one document, an accepted one before a council
    draft: dict = field(default_factory=dict)
    accepted: dict = field(default_factory=dict)
    declared: dict = field(default_factory=dict)  # before the same council: the one a conflict is declared on
    council: dict = field(default_factory=dict)
    chair: str = ""

    def ids(self) -> dict[str, str]:
        """Path-parameter values, by the names the OpenAPI documents use."""
        ids = {
            "producer_id": self.producer["id"],
            "product_id": self.product["id"],
            "evaluation_id": self.spare_evaluation["id"],
            "certificate_id": self.certificate["id"],
            "batch_id": self.batch["id"],
            "run_id": self.run["id"],
            "code": self.area_code,
        }
        if self.draft:
            ids |= {
                "dossier_id": self.draft["id"],
                "evidence_id": self.draft["evidence"][0]["id"],
                "council_id": self.council["id"],
            }
        return ids


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
    evaluation = await evaluate(apps, product["id"], 30, 15, 20)
    certificate = await _ok(await issue(apps, evaluation["id"], decision_no="1/QĐ-UBND"))
    spare = await evaluate(apps, product["id"], 33, 19, 25)
    await copied(apps, producer["id"], product["id"])
    if "national_sync" in apps.apps:  # its copies too: the portal resync of the product is scoped by them
        db = apps.runtime("national_sync").db
        await eventually(lambda: db.producers.find_one({"_id": producer["id"], "name": {"$exists": True}}))
        await eventually(lambda: db.records.find_one({"_id": product["id"], "producer_id": producer["id"]}))
    area_code = f"{area_prefix}-{tag.upper()}"
    area = {"name": "Vùng chè Bản Lạ", "crop": "chè", "province": province, "area_ha": 2.5}
    await add_area(tr, OFFICIAL, producer["id"], area_code, **area)
    house_code = f"{area_prefix}-PH{tag.upper()}"
    await _ok(
        await tr.post(
            "/api/v1/packing-houses",
            headers=OFFICIAL,
            json={"code": house_code, "name": "Xưởng đóng gói", "producer_id": producer["id"], "province": province},
        )
    )
    batch = await add_batch(
        tr, OFFICIAL, product["id"], area_code, harvest_date="2026-10-20", quantity=100, packing_house_code=house_code
    )
    run = await order_stamps(tr, OFFICIAL, batch["id"], 5)
    await until_ready(tr, OFFICIAL, run["id"])
    return Seeded(producer, product, evaluation, certificate, spare, area_code, house_code, batch, run)


def write_templates(s: Seeded) -> list[tuple[str, str, str, dict]]:
    """A body each write route accepts, for ``s``'s records: (service, method, url, body)."""
    polygon = {"type": "Polygon", "coordinates": [[[105.6, 22.1], [105.61, 22.1], [105.61, 22.11], [105.6, 22.1]]]}
    scores = {
        "level": "province",
        "criteria_version": "QD148-2023",
        "evaluated_on": "2026-10-01",
        "scores": {"A": 33, "B": 19, "C": 25},
        "detail": {"A": [{"criterion": "A1", "score": 33}]},
    }
    decision = {"decision_no": "7/QĐ-UBND", "issued_on": "2026-11-01"}
    pid, prod = s.producer["id"], s.product["id"]
    return [
        (
            "registry",
            "POST",
            "/api/v1/producers",
            {
                "name": "HTX Chè Tân Cương",
                "kind": "cooperative",
                "tax_code": "0100109106",
                "province": "19",
                "commune": "Xã Chợ Đồn",
                "address": "Thôn Nà Lạ",
                "contact": {"phone": "0912 345 678"},
            },
        ),
        (
            "registry",
            "POST",
            "/api/v1/products",
            {
                "producer_id": pid,
                "name": "Mật ong",
                "group": "food",
                "price_vnd": 1000,
                "gtin": "8934567890120",
                "images": ["https://example.org/a.jpg"],
                "certifications": [{"scheme": "VietGAP", "valid_from": "2024-01-01"}],
            },
        ),
        ("registry", "PATCH", f"/api/v1/products/{prod}", {"price_vnd": 2000, "description": "mới"}),
        ("registry", "POST", f"/api/v1/products/{prod}/evaluations", scores),
        ("registry", "POST", f"/api/v1/evaluations/{s.spare_evaluation['id']}/certificate", decision),
        (
            "registry",
            "POST",
            f"/api/v1/certificates/{s.certificate['id']}/renew",
            decision | {"evaluation_id": s.spare_evaluation["id"]},
        ),
        (
            "registry",
            "POST",
            f"/api/v1/certificates/{s.certificate['id']}/upgrade",
            decision | {"evaluation_id": s.spare_evaluation["id"]},
        ),
        (
            "registry",
            "POST",
            f"/api/v1/certificates/{s.certificate['id']}/revoke",
            {"reason": "thử", "decision_no": "8/QĐ"},
        ),
        (
            "registry",
            "POST",
            "/api/v1/imports/products",
            {
                "rows": [
                    {
                        "producer_tax_code": s.producer["tax_code"],
                        "name": "Mơ sấy",
                        "group": "food",
                        "price_vnd": "1000",
                    }
                ]
            },
        ),
        (
            "registry",
            "POST",
            "/api/v1/imports/producers",
            {
                "rows": [
                    {
                        "name": "HTX Mơ",
                        "kind": "HTX",
                        "tax_code": "0100109106",
                        "province": "19",
                        "commune": "Xã Chợ Đồn",
                    }
                ]
            },
        ),
        (
            "traceability",
            "POST",
            "/api/v1/growing-areas",
            {
                "code": "VN-19-FUZZ",
                "name": "Vùng chè",
                "crop": "chè",
                "producer_id": pid,
                "province": "19",
                "area_ha": 1.5,
                "geometry": polygon,
                "certifications": [{"scheme": "VietGAP", "valid_from": "2024-01-01"}],
            },
        ),
        (
            "traceability",
            "POST",
            "/api/v1/packing-houses",
            {"code": "VN-19-PHFUZZ", "name": "Xưởng", "producer_id": pid, "province": "19"},
        ),
        (
            "traceability",
            "POST",
            "/api/v1/batches",
            {
                "product_id": prod,
                "growing_area_code": s.area_code,
                "harvest_date": "2026-10-20",
                "quantity": 10,
                "unit": "kg",
                "packing_house_code": s.packing_house_code,
            },
        ),
        (
            "traceability",
            "POST",
            f"/api/v1/batches/{s.batch['id']}/events",
            {"type": "packing", "time": "2026-10-21T08:00:00+07:00", "place": "Xưởng", "note": "đóng hộp"},
        ),
        (
            "traceability",
            "POST",
            f"/api/v1/batches/{s.batch['id']}/stamp-runs",
            {"count": 2, "layout": {"label_w_mm": 30, "label_h_mm": 30}},
        ),
        ("traceability", "POST", f"/api/v1/stamp-runs/{s.run['id']}/activate", {"from_seq": 1, "to_seq": 2}),
        (
            "traceability",
            "POST",
            f"/api/v1/stamp-runs/{s.run['id']}/void",
            {"from_seq": 3, "to_seq": 3, "reason": "hỏng"},
        ),
        ("registry", "POST", "/api/v1/plans", PLAN_KH180),
        ("marketplace_sync", "POST", "/api/v1/listings/resync", {"product_id": prod}),
        (
            "registry",
            "POST",
            "/api/v1/users",
            {"username": f"thoa-{pid[-6:]}", "password": "mat-khau-dai", "role": "producer", "producer_id": pid},
        ),
        ("registry", "PATCH", f"/api/v1/producers/{pid}", {"name": s.producer["name"], "address": "Thôn Nà Lạ"}),
        ("registry", "POST", "/api/v1/migrations/admin-units", {"dry_run": True}),
        ("registry", "POST", "/api/v1/migrations/products", {"dry_run": True}),
        ("traceability", "POST", "/api/v1/migrations/admin-units", {"dry_run": True}),
    ]


async def seed_dossiers(apps: RunningApps, seeded: Seeded) -> Seeded:
    """The producer's dossiers (upgrades: the product holds a 3★ certificate) and a council: a draft of 2026
    with one document; those of 2025 and 2024, accepted, before a council of three members (the product is a
    beverage: its sheet has part scores)."""
    from conftest import auth
    from tests.support.dossiers import accepted_dossier, file_evidence, form_council, panel, pdf_bytes, start_dossier

    owner = auth("producer", producer_id=seeded.producer["id"])
    document = {"data": pdf_bytes(), "filename": "giay-phep.pdf", "criteria": "A"}
    seeded.draft = await start_dossier(apps, seeded.product["id"], owner, year=2026, kind="upgrade")
    await file_evidence(apps, seeded.draft["id"], owner, **document)
    seeded.draft = (await apps["registry"].get(f"/api/v1/dossiers/{seeded.draft['id']}", headers=owner)).json()
    seeded.accepted = await accepted_dossier(apps, seeded.product["id"], owner, year=2025, kind="upgrade", criteria="A")
    seeded.declared = await accepted_dossier(apps, seeded.product["id"], owner, year=2024, kind="upgrade", criteria="A")
    members = await panel(apps, 3)
    seeded.council = await form_council(apps, members.members(), [seeded.accepted["id"], seeded.declared["id"]])
    seeded.chair = members.usernames[0]
    return seeded
