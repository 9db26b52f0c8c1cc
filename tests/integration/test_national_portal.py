"""The national traceability portal sync over the wire (a stack of its own: its services consume the
registry's and traceability's topics alone) against the portal stand-in served over HTTP: a certified,
ready product is published once with its producer and its stages (EPCIS trace codes, growing-area location
codes); revoking withdraws it within 2 s; a product that lacks items says exactly which; the portal's 4xx
fails it with the portal's reason and dead-letters it; 429s, 5xx and an organisation waiting for activation
only delay it; the registry's KPI counts it "on the national portal"."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from conftest import auth, eventually, run_apps
from ocop_cli.stack import start_stack
from ocop_national_sync import standin
from ocop_shared.standins import Faults, serve
from tests.support.kafka import read_topic
from tests.support.national import OPERATOR, held, portal_status, until_status
from tests.support.registry import OFFICIAL
from tests.support.traceability import make_run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    s = start_stack(tmp_path_factory.mktemp("national-stack"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def portal_apps(own_stack):
    portal = standin.create_app()
    async with serve([portal]) as (url,):
        extra = {
            "national_sync": {
                "national_portal_url": url,
                "portal_attempts": 3,
                "portal_timeout_s": 1.0,
                "portal_retry_base_s": 0.2,
            }
        }
        async with run_apps(own_stack, services=("registry", "traceability", "national_sync"), extra=extra) as apps:
            apps.portal = portal
            yield apps


async def test_publish_with_stages_then_revoke_withdraws(portal_apps):
    apps = portal_apps
    producer, product, cert, _run, _urls = await make_run(apps, count=5)
    found = await until_status(apps, product["id"], "published")
    assert found["missing"] == [] and found["portal_id"]
    items = held(apps.portal, product["id"])
    assert len(items) == 1, items  # exactly once
    item = items[0]
    assert item["trangThai"] == "CONG_BO" and item["gtin"] == "8934567890120"
    assert item["khoiLuongTinh"] == 200 and item["donViKhoiLuong"] == "g"
    assert item["toChuc"]["tenToChuc"] == producer["public_name"] or item["toChuc"]["tenToChuc"] == producer["name"]
    assert "0912" not in str(item) and producer["tax_code"] not in str(item["toChuc"])  # no private data shown
    stages = item["congDoan"]
    assert [s["congDoan"] for s in stages] == ["THU_HOACH"]
    harvest = stages[0]
    batch = (await apps["traceability"].get(f"/api/v1/batches?product_id={product['id']}", headers=OFFICIAL)).json()[0]
    trail = (await apps["traceability"].get(f"/api/v1/batches/{batch['id']}", headers=OFFICIAL)).json()
    event_id = next(e["epcis_event_id"] for e in trail["events"] if e["type"] == "harvesting")
    assert harvest["maSuKien"] == event_id  # the stored EPCIS event's ID
    document = (await apps["traceability"].get(f"/epcis/events/{quote(event_id, safe='')}")).json()
    (stored,) = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert harvest["maTruyXuatSanPham"] == stored["quantityList"][0]["epcClass"]
    assert harvest["maTruyXuatDiaDiem"] == stored["readPoint"]["id"]
    assert harvest["maDiaDiem"] == batch["growing_area_code"]
    assert harvest["thoiGian"].startswith("2026-11-02T07:00:00")

    # a later stage reaches the portal too (once)
    owner = auth("producer", producer_id=producer["id"])
    r = await apps["traceability"].post(
        f"/api/v1/batches/{batch['id']}/events",
        headers=owner,
        json={"type": "packing", "time": "2026-11-03T08:00:00+07:00", "place": "Xưởng", "note": "Hộp 200 g"},
    )
    assert r.status_code == 201, r.text
    await eventually(lambda: _stages_are(apps, product["id"], ["THU_HOACH", "DONG_GOI"]), timeout=20)

    async def both_recorded():
        found = await portal_status(apps, product["id"])
        return found if found["status"] == "published" and found["events_on_portal"] == 2 else None

    assert (await eventually(both_recorded, timeout=20))["stages"] == 2  # what the portal holds is remembered

    # the registry's KPI counts it on the national portal
    async def on_portal():
        rows = (await apps["registry"].get("/api/v1/reports/traceability", headers=OFFICIAL)).json()["rows"]
        return sum(row["on_portal"] for row in rows) >= 1

    await eventually(on_portal, timeout=20)

    # revoke → withdrawn within 2 s
    t0 = time.monotonic()
    r = await apps["registry"].post(
        f"/api/v1/certificates/{cert['id']}/revoke", headers=OFFICIAL, json={"reason": "Vi phạm", "decision_no": "9/QĐ"}
    )
    assert r.status_code == 200, r.text
    await eventually(lambda: _state_is(apps, product["id"], "THU_HOI"), timeout=10, interval=0.02)
    elapsed = time.monotonic() - t0
    print(f"revocation withdrawn from the portal stand-in after {elapsed:.3f}s")
    assert elapsed < 2.0
    await until_status(apps, product["id"], "withdrawn")
    assert len(held(apps.portal, product["id"])) == 1


async def _stages_are(apps, product_id, stages):
    return [s["congDoan"] for s in held(apps.portal, product_id)[0]["congDoan"]] == stages


async def _state_is(apps, product_id, state):
    items = held(apps.portal, product_id)
    return bool(items) and items[0]["trangThai"] == state


async def test_not_ready_names_what_is_missing_and_follows_the_fix(portal_apps):
    apps = portal_apps
    _producer, product, _cert, _run, _urls = await make_run(apps, count=3, gtin=None)
    # no GTIN: the registry product has no other missing item
    # (stamps and stages arrive by their own events: until then they are missing too)
    found = await eventually(lambda: _missing(apps, product["id"], {"no_gtin"}), timeout=20, interval=0.1)
    assert found["status"] == "not_ready"
    assert found["missing"][0]["message"] == "chưa có mã GTIN"
    assert held(apps.portal, product["id"]) == []
    r = await apps["registry"].patch(
        f"/api/v1/products/{product['id']}",
        headers=OFFICIAL,
        json={"gtin": "8934567890137", "unit": "kg", "images": []},
    )
    assert r.status_code == 200, r.text
    found = await eventually(
        lambda: _missing(apps, product["id"], {"no_net_quantity", "no_image"}), timeout=20, interval=0.1
    )
    messages = {m["message"] for m in found["missing"]}
    assert messages == {"thiếu khối lượng tịnh", "thiếu ảnh sản phẩm"}
    r = await apps["registry"].patch(
        f"/api/v1/products/{product['id']}",
        headers=OFFICIAL,
        json={"unit": "túi 1,5 kg", "images": ["https://anh.ocop.example.vn/san-pham.jpg"]},
    )
    assert r.status_code == 200, r.text
    await until_status(apps, product["id"], "published")
    item = held(apps.portal, product["id"])[0]
    assert item["khoiLuongTinh"] == 1.5 and item["donViKhoiLuong"] == "kg" and item["gtin"] == "8934567890137"

    # the console says the same to its producer, in Vietnamese
    page = await apps["national_sync"].get("/console/portal", headers=OPERATOR)
    assert page.status_code in (200, 303)


async def _missing(apps, product_id, codes):
    found = await portal_status(apps, product_id)
    return found if found and {m["code"] for m in found["missing"]} == codes else None


async def test_faults_and_activation_delay_but_lose_nothing(portal_apps):
    apps = portal_apps
    store = apps.portal.state.store
    apps.portal.state.settings["auto_activate"] = False
    store.faults = Faults(failure_rate=0.3, rate_limit=4, rate_window_s=0.5)
    try:
        _producer, product, _cert, _run, _urls = await make_run(apps, count=3)

        async def waiting():
            found = await portal_status(apps, product["id"])
            return (
                found if found and found["status"] == "pending" and "kích hoạt" in (found["last_error"] or "") else None
            )

        await eventually(waiting, timeout=30, interval=0.1)
        waiting_orgs = [k for k, v in store.organisations.items() if v["trangThai"] == "CHO_KICH_HOAT"]
        assert waiting_orgs and held(apps.portal, product["id"]) == []
        for org_id in waiting_orgs:
            store.organisations[org_id]["trangThai"] = "DA_KICH_HOAT"  # the portal's staff activate it
        assert (
            await apps["national_sync"].post(
                "/api/v1/portal/resync", json={"product_id": product["id"]}, headers=OPERATOR
            )
        ).status_code == 202
        await until_status(apps, product["id"], "published", timeout=60)
        assert len(held(apps.portal, product["id"])) == 1
        assert len(held(apps.portal, product["id"])[0]["congDoan"]) == 1
    finally:
        store.faults = Faults()
        apps.portal.state.settings["auto_activate"] = True


async def test_a_portal_refusal_fails_with_its_reason_and_is_dead_lettered(portal_apps, own_stack):
    apps = portal_apps
    # the portal refuses what we cannot check (here: every product, as for a GTIN not registered with GS1)
    original = standin.product_errors

    def refuse_all(body):
        return {"gtin": "GTIN chưa được đăng ký với GS1 Việt Nam"}

    standin.product_errors = refuse_all
    try:
        _producer, product, _cert, _run, _urls = await make_run(apps, count=3)
        found = await until_status(apps, product["id"], "failed")
        assert "GTIN chưa được đăng ký" in found["last_error"]
    finally:
        standin.product_errors = original

    def rejected(records):
        return any(
            product["id"] in str(m.value) and dict(m.headers).get("x-dlq-reason") == b"portal_rejected" for m in records
        )

    await read_topic(own_stack, "ocop.national.v1.dlq", rejected)
    # after the cause is fixed, a resync publishes it
    assert (
        await apps["national_sync"].post("/api/v1/portal/resync", json={"product_id": product["id"]}, headers=OPERATOR)
    ).status_code == 202
    await until_status(apps, product["id"], "published")
    assert len(held(apps.portal, product["id"])) == 1


async def test_scope_and_roles(portal_apps):
    apps = portal_apps
    producer, product, _cert, _run, _urls = await make_run(apps, count=2)
    await until_status(apps, product["id"], "published")
    mine = auth("producer", producer_id=producer["id"])
    r = await apps["national_sync"].get("/api/v1/portal/products", headers=mine)
    assert r.status_code == 200 and {p["product_id"] for p in r.json()} == {product["id"]}
    other = auth("producer", producer_id="someone-else")
    r = await apps["national_sync"].get("/api/v1/portal/products", params={"product_id": product["id"]}, headers=other)
    assert r.status_code == 404
    r = await apps["national_sync"].post("/api/v1/portal/resync", json={}, headers=mine)
    assert r.status_code == 403
    r = await apps["national_sync"].get("/api/v1/portal/products")
    assert r.status_code == 401
