"""Helpers of the hostile-input suite: seeding one producer's complete set of records."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from conftest import RunningApps, eventually, unique_tax_code
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
