"""Certificate lifecycle through HTTP and the real broker: every transition emits its event."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import auth, unique_tax_code
from ocop_registry.domain.certificate import valid_until
from ocop_shared.events.models import REGISTRY
from tests.support.kafka import read_topic
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product, post_evaluation

pytestmark = pytest.mark.integration


async def replace(apps, certificate_id: str, how: str, evaluation_id: str, decision_no: str, issued_on: str):
    """Renew or upgrade the certificate on a new evaluation: the answer as it is."""
    return await apps["registry"].post(
        f"/api/v1/certificates/{certificate_id}/{how}",
        headers=OFFICIAL,
        json={"evaluation_id": evaluation_id, "decision_no": decision_no, "issued_on": issued_on},
    )


def _events(records) -> list[dict]:
    """CloudEvents among the records (other tests put malformed messages on the topic on purpose)."""
    out = []
    for r in records:
        try:
            event = json.loads(r.value)
        except ValueError:
            continue
        if isinstance(event, dict):
            out.append(event)
    return out


async def events_for(stack, subject: str, types: set[str]) -> dict[str, dict]:
    records = await read_topic(
        stack, REGISTRY, lambda rs: types <= {e.get("type") for e in _events(rs) if e.get("subject") == subject}
    )
    return {e["type"]: e for e in _events(records) if e.get("subject") == subject}


async def test_issue_renew_upgrade_revoke_with_events(apps, stack):
    reg = apps["registry"]
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"])

    ev = await evaluate(apps, product["id"], 32, 18, 25)
    assert (ev["total"], ev["stars"]) == (75, 4)
    r = await issue(apps, ev["id"])
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["status"] == "active" and cert["stars"] == 4 and cert["decision_no"] == "1611/QĐ-UBND"
    assert cert["valid_until"] == valid_until(date(2026, 11, 1)).isoformat() == "2029-11-01"
    issued = (await events_for(stack, cert["id"], {"vn.ocop.registry.certificate.issued.v1"}))[
        "vn.ocop.registry.certificate.issued.v1"
    ]
    assert issued["partitionkey"] == product["id"]
    snap = issued["data"]["product"]
    assert snap["name"] == "Chè Shan tuyết Khuổi Ha" and snap["group"] == "beverage" and snap["price_vnd"] == 250000
    assert snap["producer_public_name"] == "HTX Sang Hà" and snap["province"]["name"] == "Thái Nguyên"
    assert snap["images"] == ["https://example.org/che.jpg"] and snap["unit"] == "hộp 200 g"
    assert issued["data"]["certificate"]["status"] == "active" and issued["data"]["certificate"]["stars"] == 4
    assert "tax_code" not in json.dumps(issued) and "0912" not in json.dumps(issued)

    view = (await reg.get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()
    assert view["certificate"]["certificate_id"] == cert["id"] and view["certificate"]["stars"] == 4

    # the same evaluation cannot be used twice; a second certificate while one is active is refused
    assert (await issue(apps, ev["id"])).json()["error"]["code"] == "evaluation_used"
    ev2 = await evaluate(apps, product["id"], 30, 15, 20)
    again = await issue(apps, ev2["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_certified"

    # renew with a 3★ evaluation (stars may go down)
    renewed = await replace(apps, cert["id"], "renew", ev2["id"], "200/QĐ-UBND", "2026-11-10")
    assert renewed.status_code == 201, renewed.text
    renewed = renewed.json()
    assert renewed["stars"] == 3 and renewed["previous_certificate_id"] == cert["id"] and renewed["kind"] == "renewed"
    old = (await reg.get(f"/api/v1/certificates/{cert['id']}", headers=OFFICIAL)).json()
    assert old["status"] == "superseded" and old["superseded_by"] == renewed["id"]

    # upgrade: more stars needed, and within what the council level may award
    ev5 = await evaluate(apps, product["id"], 38, 24, 33)
    assert ev5["stars"] == 5
    too_high = await replace(apps, renewed["id"], "upgrade", ev5["id"], "201/QĐ-UBND", "2026-11-11")
    assert too_high.status_code == 422 and too_high.json()["error"]["code"] == "level_cannot_award"
    ev4 = await evaluate(apps, product["id"], 35, 20, 25)
    upgraded = await replace(apps, renewed["id"], "upgrade", ev4["id"], "202/QĐ-UBND", "2026-11-12")
    assert upgraded.status_code == 201, upgraded.text
    upgraded = upgraded.json()
    assert upgraded["stars"] == 4 and upgraded["kind"] == "upgraded"

    revoked = await reg.post(
        f"/api/v1/certificates/{upgraded['id']}/revoke",
        headers=OFFICIAL,
        json={"reason": "Vi phạm an toàn thực phẩm", "decision_no": "300/QĐ-UBND"},
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    twice = await reg.post(
        f"/api/v1/certificates/{upgraded['id']}/revoke",
        headers=OFFICIAL,
        json={"reason": "lần hai", "decision_no": "301/QĐ-UBND"},
    )
    assert twice.status_code == 409

    got = await events_for(stack, renewed["id"], {"vn.ocop.registry.certificate.renewed.v1"})
    assert got["vn.ocop.registry.certificate.renewed.v1"]["data"]["previous_certificate_id"] == cert["id"]
    got = await events_for(
        stack, upgraded["id"], {"vn.ocop.registry.certificate.upgraded.v1", "vn.ocop.registry.certificate.revoked.v1"}
    )
    up = got["vn.ocop.registry.certificate.upgraded.v1"]["data"]
    rv = got["vn.ocop.registry.certificate.revoked.v1"]["data"]
    assert up["previous_stars"] == 3 and up["certificate"]["stars"] == 4
    assert rv["reason"] == "Vi phạm an toàn thực phẩm" and rv["certificate"]["status"] == "revoked"
    assert issued["data"]["version"] < up["version"] < rv["version"]  # per-product order for consumers
    view = (await reg.get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()
    assert view["certificate"] is None


async def test_expiry_job_expires_and_emits(apps, stack):
    producer = await make_producer(apps, name="HTX dịch vụ tổng hợp Na Rì", commune="Xã Na Rì")
    product = await make_product(apps, producer["id"], name="Miến dong Na Rì", group="food", gtin=None)
    ev = await evaluate(apps, product["id"], 30, 15, 20)
    cert = (await issue(apps, ev["id"], issued_on="2022-06-01")).json()
    assert cert["valid_until"] == "2025-06-01"
    soon = (await apps["registry"].get("/api/v1/certificates?expiring_within_days=30", headers=OFFICIAL)).json()
    assert cert["id"] in {c["id"] for c in soon}
    r = await apps["registry"].post("/api/v1/jobs/expire-certificates", headers=auth("operator"))
    assert r.status_code == 200 and cert["id"] in r.json()["expired"]
    assert (await apps["registry"].get(f"/api/v1/certificates/{cert['id']}", headers=OFFICIAL)).json()[
        "status"
    ] == "expired"
    got = await events_for(stack, cert["id"], {"vn.ocop.registry.certificate.expired.v1"})
    assert got["vn.ocop.registry.certificate.expired.v1"]["data"]["certificate"]["status"] == "expired"


async def test_bad_input_gets_clear_4xx(apps):
    reg = apps["registry"]
    producer = await make_producer(apps, name="HKD Hà Thị Thoa", kind="household", commune="Xã Chợ Đồn")
    bad_group = await reg.post(
        "/api/v1/products", headers=OFFICIAL, json={"producer_id": producer["id"], "name": "Nếp", "group": "weapons"}
    )
    assert bad_group.status_code == 422 and "group" in json.dumps(bad_group.json()["error"]["details"])
    bad_gtin = await reg.post(
        "/api/v1/products",
        headers=OFFICIAL,
        json={"producer_id": producer["id"], "name": "Nếp Khẩu nua lếch", "group": "food", "gtin": "8934567890121"},
    )
    assert bad_gtin.status_code == 422 and bad_gtin.json()["error"]["code"] == "invalid_gtin"
    assert "8934567890121" in bad_gtin.json()["error"]["message"]
    product = await make_product(apps, producer["id"], name="Nếp Khẩu nua lếch", group="food", gtin=None)
    over = await post_evaluation(apps, product["id"], 41, 20, 20)
    assert over.status_code == 422 and over.json()["error"]["code"] == "invalid_scores"
    assert "A" in over.json()["error"]["message"] and "40" in over.json()["error"]["message"]
    two_stars = await evaluate(apps, product["id"], 20, 10, 10)
    assert two_stars["stars"] == 2
    refused = await issue(apps, two_stars["id"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "stars_below_ocop"
    unknown_unit = await reg.post(
        "/api/v1/producers",
        headers=OFFICIAL,
        json={"name": "HTX X", "kind": "cooperative", "tax_code": unique_tax_code(), "province": "Bắc Kạnn"},
    )
    assert unknown_unit.status_code == 422 and unknown_unit.json()["error"]["code"] == "unknown_admin_unit"
    assert "Bắc Kạn" in unknown_unit.json()["error"]["message"]  # the closest name is offered
    legacy = await reg.post(
        "/api/v1/producers",
        headers=OFFICIAL,
        json={
            "name": "HTX cũ",
            "kind": "cooperative",
            "tax_code": unique_tax_code(),
            "province": "Bắc Kạn",
            "district": "Huyện Chợ Đồn",
            "commune": "Thị trấn Bằng Lũng",
        },
    )
    assert legacy.status_code == 201 and legacy.json()["province"] == {"code": "19", "name": "Thái Nguyên"}
    assert legacy.json()["recorded"]["commune"]["name"] == "Thị trấn Bằng Lũng"  # kept as recorded
    assert (
        await reg.post(
            "/api/v1/evaluations/nope/certificate",
            headers=OFFICIAL,
            json={"decision_no": "1/QĐ", "issued_on": "2026-01-01"},
        )
    ).status_code == 404
