"""Addresses written before the 07/2025 reform, over the wire: accepted by producers, growing areas and
packing houses, placed in today's units with what was written kept; refused with the closest names when
misspelled and with the candidates when an old commune was split; reports, scopes and the other services
follow today's units; officials correct a producer (PATCH) and traceability, marketplace_sync and the
listings follow; an .xlsx like the provincial lists imports with a row-by-row report of the conversions."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from openpyxl import Workbook

from conftest import auth, eventually, unique_tax_code
from ocop_shared.events.models import REGISTRY
from tests.support.console import add_user, browser, csrf_of, login, share_cookies
from tests.support.kafka import read_topic
from tests.support.marketplace import both
from tests.support.registry import OFFICIAL, evaluate, issue, make_product, producer_body
from tests.support.traceability import area_body, polygon

pytestmark = pytest.mark.integration

THAI_NGUYEN = auth("official", provinces=("19",))
BAC_NINH = auth("official", provinces=("24",))


async def post_producer(apps, **fields):
    body = producer_body(**fields)
    for key in [k for k, v in body.items() if v is None]:
        body.pop(key)
    return await apps["registry"].post("/api/v1/producers", json=body, headers=OFFICIAL)


async def test_the_legacy_producer_is_placed_in_thai_nguyen_counted_there_and_seen_by_its_official(apps, stack):
    """Done when: province Bắc Kạn, commune Bằng Phúc, no district → 201 in Thái Nguyên (19), the written
    address kept; the KPI report counts it under Thái Nguyên; an official scoped to 19 sees it."""
    name = f"HTX chè Bằng Phúc {uuid.uuid4().hex[:4]}"
    r = await post_producer(apps, name=name, province="Bắc Kạn", commune="Bằng Phúc")
    assert r.status_code == 201, r.text
    producer = r.json()
    assert producer["province"] == {"code": "19", "name": "Thái Nguyên"}
    assert producer["commune"] == {"code": "01933", "name": "Xã Đồng Phúc"}
    assert producer["current"]["status"] == "converted"
    recorded = producer["recorded"]
    assert recorded["scheme"] == "legacy"
    assert recorded["province"] == {"given": "Bắc Kạn", "code": "06", "name": "Tỉnh Bắc Kạn"}
    assert recorded["district"]["name"] == "Huyện Chợ Đồn" and recorded["district"]["given"] == ""
    assert recorded["commune"] == {"given": "Bằng Phúc", "code": "02041", "name": "Xã Bằng Phúc"}

    # the official of Thái Nguyên sees it (alone and in the list); the one of Bắc Ninh does not
    reg = apps["registry"]
    assert (await reg.get(f"/api/v1/producers/{producer['id']}", headers=THAI_NGUYEN)).status_code == 200
    listed = (await reg.get("/api/v1/producers", params={"limit": 500}, headers=THAI_NGUYEN)).json()
    assert producer["id"] in {p["id"] for p in listed}
    assert (await reg.get(f"/api/v1/producers/{producer['id']}", headers=BAC_NINH)).status_code == 404

    # certified: the KPI report of the Thái Nguyên official counts it in Thái Nguyên, Xã Đồng Phúc
    product = await make_product(apps, producer["id"], name=f"Rượu men lá {uuid.uuid4().hex[:4]}", gtin=None)
    await issue(apps, (await evaluate(apps, product["id"], 30, 16, 22))["id"])
    report = (await reg.get("/api/v1/reports/products-by-stars", headers=THAI_NGUYEN)).json()
    row = next(r for r in report["rows"] if r["commune"] == "Xã Đồng Phúc")
    assert row["province"] == "Thái Nguyên" and row["stars_3"] >= 1
    assert all(r["province"] == "Thái Nguyên" for r in report["rows"])  # the scope is today's province
    nothing_in_bac_ninh = (await reg.get("/api/v1/reports/products-by-stars", headers=BAC_NINH)).json()
    assert not any(r["commune"] == "Xã Đồng Phúc" for r in nothing_in_bac_ninh["rows"])

    # producer.registered carries the address as written (additive field), today's units at the top
    records = await read_topic(
        stack, REGISTRY, lambda rs: any(producer["id"].encode() == r.key for r in rs), timeout=30
    )
    event = next(json.loads(r.value) for r in records if r.key == producer["id"].encode())
    assert event["type"] == "vn.ocop.registry.producer.registered.v1"
    assert event["data"]["producer"]["province"] == {"code": "19", "name": "Thái Nguyên"}
    assert event["data"]["producer"]["recorded"]["commune"]["name"] == "Xã Bằng Phúc"

    # traceability's copy is in today's units (scan pages, scopes)
    copy = await eventually(
        lambda: _json_if_ok(apps["traceability"].get(f"/api/v1/producers/{producer['id']}", headers=OFFICIAL))
    )
    assert copy["province"]["code"] == "19" and copy["commune"]["name"] == "Xã Đồng Phúc"


async def _json_if_ok(request):
    r = await request
    return r.json() if r.status_code == 200 else None


async def test_readme_example_works_as_written(apps):
    r = await apps["registry"].post(
        "/api/v1/producers",
        headers=OFFICIAL,
        json={
            "name": "HTX Sang Hà",
            "kind": "cooperative",
            "tax_code": unique_tax_code(),
            "province": {"code": "06", "name": "Bắc Kạn"},
            "commune": "Xã Thượng Quan",
            "address": "Thôn Khuổi Ha",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["province"]["code"] == "19" and body["commune"] == {"code": "01957", "name": "Xã Thượng Quan"}
    assert body["recorded"]["district"]["name"] == "Huyện Ngân Sơn"  # found although not written


@pytest.mark.parametrize(
    "written, province, commune",
    [
        ({"province": "Bắc Giang", "district": "huyện Lục Ngạn", "commune": "Kiên Thành"}, "24", "Xã Kiên Lao"),
        ({"province": "Quảng Bình", "district": "Bố Trạch", "commune": "TT Phong Nha"}, "44", "Xã Phong Nha"),
        ({"province": "Thái Nguyên", "district": "Ngân Sơn", "commune": "Thượng Quan"}, "19", "Xã Thượng Quan"),
        ({"province": "06", "commune": "Bang Phuc"}, "19", "Xã Đồng Phúc"),
        ({"province": "Quảng Bình"}, "44", None),
        ({"province": {"code": "24", "name": "Bắc Ninh"}, "commune": "Phường Phượng Sơn"}, "24", "Phường Phượng Sơn"),
    ],
)
async def test_known_conversions(apps, written, province, commune):
    r = await post_producer(apps, **({"commune": None} | written))
    assert r.status_code == 201, r.text
    assert r.json()["province"]["code"] == province
    assert (r.json()["commune"] or {}).get("name") == commune


async def test_split_commune_is_refused_with_candidates_then_accepted_with_the_choice(apps):
    written = {"province": "Thái Nguyên", "district": "Phú Bình", "commune": "Thượng Đình"}
    refused = await post_producer(apps, **written)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "ambiguous_admin_unit" and error["details"][0]["reason"] == "split"
    candidates = {c["name"]: c for c in error["details"][0]["candidates"]}
    assert set(candidates) == {"Xã Điềm Thụy", "Xã Phú Bình"} and candidates["Xã Điềm Thụy"]["default"]
    wrong = await post_producer(apps, **written, current_commune="Xã Đồng Phúc")
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "ambiguous_admin_unit"
    chosen = await post_producer(apps, **written, current_commune={"code": candidates["Xã Phú Bình"]["code"]})
    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["commune"]["name"] == "Xã Phú Bình" and chosen.json()["current"]["status"] == "chosen"
    assert chosen.json()["recorded"]["commune"]["name"] == "Xã Thượng Đình"


@pytest.mark.parametrize(
    "written, expected",
    [
        ({"province": "Bắc Kạn", "commune": "Bang Phuk"}, "Xã Bằng Phúc"),  # misspelled, no diacritics
        ({"province": "Bắc Kạn", "district": "Chợ Đồng", "commune": "Bằng Phúc"}, "Huyện Chợ Đồn"),
        ({"province": "Bắc Kạn", "district": "Ba Bể", "commune": "Bằng Phúc"}, "Huyện Chợ Đồn"),  # wrong district
        ({"province": "Bắc Kạn", "district": "Lục Ngạn"}, "Tỉnh Bắc Giang"),  # a district of another province
        ({"province": "Thái Nguyen", "commune": "Xa Dong Phuc"}, None),  # no diacritics: accepted
        ({"province": "Bac Cann"}, "Tỉnh Bắc Kạn"),
    ],
)
async def test_misspelled_or_mismatched_units_name_the_closest(apps, written, expected):
    r = await post_producer(apps, **({"commune": None} | written))
    if expected is None:
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "unknown_admin_unit"
    assert expected in error["message"] and expected in json.dumps(error["details"], ensure_ascii=False)


async def test_growing_areas_and_packing_houses_take_legacy_units_and_refuse_unknown_ones(apps):
    producer = (await post_producer(apps, province="Bắc Kạn", commune="Bằng Phúc")).json()
    owner = auth("producer", producer_id=producer["id"])
    await eventually(
        lambda: _json_if_ok(apps["traceability"].get(f"/api/v1/producers/{producer['id']}", headers=OFFICIAL))
    )
    tr = apps["traceability"]
    code = f"VN-19-064-02041-{uuid.uuid4().hex[:3].upper()}"
    body = area_body(producer["id"], code, province="Bắc Kạn", district="Chợ Đồn", commune="Bằng Phúc")
    r = await tr.post("/api/v1/growing-areas", json=body, headers=owner)
    assert r.status_code == 201, r.text
    area = r.json()
    assert area["province"]["code"] == "19" and area["commune"]["name"] == "Xã Đồng Phúc"
    assert area["recorded"]["commune"]["name"] == "Xã Bằng Phúc"
    geo = (await tr.get("/api/v1/growing-areas.geojson", params={"producer_id": producer["id"]})).json()
    assert geo["features"][0]["properties"]["commune"] == "Xã Đồng Phúc"  # the public map uses today's units

    unknown = area_body(producer["id"], f"{code}-X", province="Atlantis", commune="Bằng Phúc")
    refused = await tr.post("/api/v1/growing-areas", json=unknown, headers=owner)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_admin_unit"
    house = {"code": f"VN-19-DG-{uuid.uuid4().hex[:4].upper()}", "name": "Xưởng chè", "producer_id": producer["id"]}
    misspelled = await tr.post(
        "/api/v1/packing-houses", json=house | {"province": "Bắc Kạn", "commune": "Bang Phuk"}, headers=owner
    )
    assert misspelled.status_code == 422 and "Xã Bằng Phúc" in misspelled.json()["error"]["message"]
    ok = await tr.post("/api/v1/packing-houses", json=house | {"province": "06", "commune": "Bằng Phúc"}, headers=owner)
    assert ok.status_code == 201 and ok.json()["commune"]["name"] == "Xã Đồng Phúc", ok.text


async def test_an_official_corrects_a_producer_and_traceability_marketplace_and_listings_follow(apps, standins):
    reg = apps["registry"]
    producer = (await post_producer(apps, name="HTX Hồng Xuân", province="Bắc Giang", commune="Hồng Giang")).json()
    assert producer["province"]["code"] == "24"
    product = await make_product(apps, producer["id"], name=f"Vải thiều {uuid.uuid4().hex[:4]}", gtin=None)
    await issue(apps, (await evaluate(apps, product["id"], 34, 20, 26))["id"])
    await both(apps, product["id"], "published")

    # refused like a registration: outside the official's provinces (before or after), an unknown commune
    url = f"/api/v1/producers/{producer['id']}"
    assert (
        await reg.patch(url, json={"public_name": "HTX Vải thiều Lục Ngạn"}, headers=THAI_NGUYEN)
    ).status_code == 403
    moving_out = await reg.patch(url, json={"province": "Thái Nguyên", "commune": "Xã Đồng Phúc"}, headers=BAC_NINH)
    assert moving_out.status_code == 403
    bad = await reg.patch(url, json={"commune": "Phường Phượng Sơnn"}, headers=BAC_NINH)
    assert bad.status_code == 422 and "Phường Phượng Sơn" in bad.json()["error"]["message"]
    producer_itself = await reg.patch(
        url, json={"public_name": "X"}, headers=auth("producer", producer_id=producer["id"])
    )
    assert producer_itself.status_code == 403

    r = await reg.patch(
        url, json={"public_name": "HTX vải thiều Hồng Xuân", "commune": "Phường Phượng Sơn"}, headers=BAC_NINH
    )
    assert r.status_code == 200, r.text
    corrected = r.json()
    assert corrected["version"] == producer["version"] + 1 and corrected["public_name"] == "HTX vải thiều Hồng Xuân"
    assert corrected["commune"]["name"] == "Phường Phượng Sơn" and corrected["current"]["status"] == "exact"
    assert corrected["tax_code"] == producer["tax_code"] and corrected["name"] == producer["name"]  # unsent: kept

    async def traceability_follows():
        copy = await _json_if_ok(apps["traceability"].get(url, headers=OFFICIAL))
        return copy if copy and copy["commune"]["name"] == "Phường Phượng Sơn" else None

    copy = await eventually(traceability_follows, timeout=30)
    assert copy["public_name"] == "HTX vải thiều Hồng Xuân"

    async def marketplace_follows():
        seller = await _json_if_ok(apps["marketplace_sync"].get(url, headers=OFFICIAL))
        return seller if seller and seller.get("seller_name") == "HTX vải thiều Hồng Xuân" else None

    await eventually(marketplace_follows, timeout=30)

    async def listings_follow():
        items = [
            p
            for store in (standins.voso.state.store, standins.postmart.state.store)
            for p in store.products.values()
            if product["id"] in json.dumps(p, ensure_ascii=False) and p["status"] == "active"
        ]
        return len(items) == 2 and all("HTX vải thiều Hồng Xuân" in json.dumps(p, ensure_ascii=False) for p in items)

    await eventually(listings_follow, timeout=60)
    page = (await reg.get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()
    assert page["version"] > product["version"]  # product.updated carried the new public name


def provincial_list(rows: list[list]) -> bytes:
    """An .xlsx the way a province keeps its list: a title, a blank line, STT and notes columns."""
    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH CHỦ THỂ SẢN PHẨM OCOP TỈNH BẮC KẠN NĂM 2024"])
    ws.append([])
    ws.append(["STT", "Tên chủ thể", "Loại hình", "Mã số thuế", "Tỉnh", "Huyện", "Xã", "Địa chỉ", "Ghi chú"])
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


async def test_provincial_list_imports_with_a_row_by_row_report_and_pending_choices(apps):
    reg = apps["registry"]
    taxes = [unique_tax_code() for _ in range(6)]
    content = provincial_list(
        [
            ["HTX chè Bằng Phúc", "HTX", taxes[0], "Bắc Kạn", "Chợ Đồn", "Bằng Phúc", "Thôn Nà Dọ", ""],
            ["HKD Quang Thuận", "HKD", taxes[1], "Bắc Kạn", "Bạch Thông", "Quang thuận", "", "chữ thường"],
            ["HTX Hồng Xuân", "HTX", taxes[2], "Bắc Ninh", "", "Phường Phượng Sơn", "Thôn Hồng Xuân", "đã sáp nhập"],
            ["THT Thượng Đình", "THT", taxes[3], "Thái Nguyên", "Phú Bình", "Thượng Đình", "", "xã bị chia"],
            ["HTX Vi Hương", "HTX", taxes[4], "Bắc Kạn", "", "", "Thôn Nà Pài, xã Vi Hương, huyện Bạch Thông", ""],
            ["HTX Sai", "HTX", taxes[5], "Bắc Kạn", "Chợ Đồn", "Bằng Phúk", "", ""],
        ]
    )
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    files = {"file": ("danh-sach-ocop-2024.xlsx", content, mime)}
    report = (await reg.post("/api/v1/imports/producers", files=files, headers=OFFICIAL)).json()
    assert (report["created"], report["existing"]) == (5, 0), report
    assert report["ignored_columns"] == ["STT", "Ghi chú"]
    assert [e["row"] for e in report["errors"]] == [9]  # the spreadsheet's row: title and blank line counted
    assert "Xã Bằng Phúc" in report["errors"][0]["errors"][0]
    by_row = {c["row"]: c for c in report["conversions"]}
    assert set(by_row) == {4, 5, 7, 8}  # row 6 is in today's units already
    assert by_row[4]["recorded"] == "xã Bằng Phúc, huyện Chợ Đồn, tỉnh Bắc Kạn"
    assert by_row[4]["current"] == "Xã Đồng Phúc, Thái Nguyên"
    assert by_row[5]["current"] == "Xã Bạch Thông, Thái Nguyên"
    assert by_row[8]["recorded"] == "xã Vi Hương, huyện Bạch Thông, tỉnh Bắc Kạn"
    assert by_row[7]["status"] == "pending_choice" and report["pending_choice"] == 1
    assert {c["name"] for c in by_row[7]["candidates"]} == {"Xã Điềm Thụy", "Xã Phú Bình"}

    # the pending producer is in its province of today, without a commune, until an official chooses
    listed = (await reg.get("/api/v1/producers", params={"limit": 500}, headers=THAI_NGUYEN)).json()
    pending = next(p for p in listed if p["tax_code"] == taxes[3])
    assert pending["province"]["code"] == "19" and pending["commune"] is None
    assert pending["current"]["status"] == "pending_choice"
    chosen = await reg.patch(
        f"/api/v1/producers/{pending['id']}", json={"current_commune": "Xã Điềm Thụy"}, headers=THAI_NGUYEN
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["commune"]["name"] == "Xã Điềm Thụy" and chosen.json()["current"]["status"] == "chosen"
    assert chosen.json()["recorded"]["commune"]["name"] == "Xã Thượng Đình"
    again = (await reg.post("/api/v1/imports/producers", files=files, headers=OFFICIAL)).json()
    assert (again["created"], again["existing"]) == (0, 5)


OPERATOR = auth("operator")


async def test_migrate_admin_units_places_old_records_once_and_reports_what_it_could_not(apps):
    """Records stored before addresses were placed (a district and no codes, as the registry kept pre-reform
    producers; any text, as traceability took growing areas): a dry run changes nothing, the migration moves
    them to today's units keeping what was written, leaves a split commune for an official, reports what it
    cannot find, and a second run finds nothing to do."""
    reg, tr = apps["registry"], apps["traceability"]
    regdb, trdb = apps.runtime("registry").db, apps.runtime("traceability").db
    old = {
        "bang_phuc": ({"code": None, "name": "Bắc Kạn"}, {"name": "Huyện Chợ Đồn"}, {"name": "Xã Bằng Phúc"}),
        "split": ({"code": None, "name": "Thái Nguyên"}, {"name": "Huyện Phú Bình"}, {"name": "Xã Thượng Đình"}),
        "typo": ({"code": None, "name": "Bắc Kạn"}, {"name": "Huyện Chợ Đồng"}, {"name": "Xã Bằng Phúc"}),
    }
    ids = {}
    for key, (province, district, commune) in old.items():
        made = (await post_producer(apps, name=f"HTX cũ {key} {uuid.uuid4().hex[:4]}", province="19")).json()
        await regdb.producers.update_one(
            {"_id": made["id"]},
            {
                "$set": {"province": province, "district": district, "commune": commune},
                "$unset": {"recorded": "", "current": ""},
            },
        )
        ids[key] = made["id"]
    owner = auth("producer", producer_id=ids["bang_phuc"])
    await eventually(lambda: _json_if_ok(tr.get(f"/api/v1/producers/{ids['bang_phuc']}", headers=OFFICIAL)))
    area_code = f"VN-19-064-02041-{uuid.uuid4().hex[:3].upper()}"
    area = await tr.post("/api/v1/growing-areas", json=area_body(ids["bang_phuc"], area_code), headers=owner)
    assert area.status_code == 201, area.text
    await trdb.growing_areas.update_one(
        {"_id": area_code},
        {
            "$set": {"province": {"name": "Bắc Kạn"}, "commune": {"name": "Bằng Phúc"}},
            "$unset": {"recorded": "", "current": ""},
        },
    )

    async def run(service, dry_run=False):
        r = await service.post("/api/v1/migrations/admin-units", json={"dry_run": dry_run}, headers=OPERATOR)
        assert r.status_code == 200, r.text
        return r.json()

    assert (await reg.post("/api/v1/migrations/admin-units", json={}, headers=OFFICIAL)).status_code == 403
    dry = await run(reg, dry_run=True)
    assert dry["dry_run"] and ids["bang_phuc"] in {c["id"] for c in dry["converted"]}
    assert (await regdb.producers.find_one({"_id": ids["bang_phuc"]}))["province"]["name"] == "Bắc Kạn"  # unchanged

    done = await run(reg)
    converted = {c["id"]: c for c in done["converted"]}
    assert converted[ids["bang_phuc"]]["recorded"] == "xã Bằng Phúc, huyện Chợ Đồn, tỉnh Bắc Kạn"
    assert converted[ids["bang_phuc"]]["current"] == "Xã Đồng Phúc, Thái Nguyên"
    pending = {c["id"]: c for c in done["pending_choice"]}
    assert {c["name"] for c in pending[ids["split"]]["candidates"]} == {"Xã Điềm Thụy", "Xã Phú Bình"}
    failed = {c["id"]: c for c in done["could_not"]}
    assert "Huyện Chợ Đồn" in failed[ids["typo"]]["error"]  # the closest name

    moved = (await reg.get(f"/api/v1/producers/{ids['bang_phuc']}", headers=THAI_NGUYEN)).json()
    assert moved["province"] == {"code": "19", "name": "Thái Nguyên"} and moved["commune"]["code"] == "01933"
    assert moved["recorded"]["district"]["name"] == "Huyện Chợ Đồn" and moved["district"] is None
    waiting = (await reg.get(f"/api/v1/producers/{ids['split']}", headers=THAI_NGUYEN)).json()
    assert waiting["commune"] is None and waiting["current"]["status"] == "pending_choice"
    left = await regdb.producers.find_one({"_id": ids["typo"]})
    assert left["district"] == {"name": "Huyện Chợ Đồng"} and not left.get("current")  # left as it was

    # traceability follows the moved producer (producer.updated) and places its own old records
    async def copy_moved():
        copy = await _json_if_ok(tr.get(f"/api/v1/producers/{ids['bang_phuc']}", headers=OFFICIAL))
        return copy if copy and (copy.get("commune") or {}).get("code") == "01933" else None

    await eventually(copy_moved, timeout=30)
    places = await run(tr)
    assert area_code in {c["code"] for c in places["growing_areas"]["converted"]}
    stored = (await tr.get(f"/api/v1/growing-areas/{area_code}", headers=owner)).json()
    assert stored["province"]["code"] == "19" and stored["commune"]["name"] == "Xã Đồng Phúc"
    assert stored["recorded"]["commune"]["name"] == "Xã Bằng Phúc"

    again = await run(reg)  # idempotent: only the one it could not place is examined again
    assert (
        again["converted"] == []
        and again["pending_choice"] == []
        and ids["typo"] in {c["id"] for c in again["could_not"]}
    )
    assert area_code not in {c["code"] for c in (await run(tr))["growing_areas"]["converted"]}


async def test_console_registers_and_corrects_producers_with_old_addresses_and_asks_for_a_split_commune(apps):
    official = await add_user(apps, "official", provinces=("19",))
    async with browser(apps, "registry") as reg:
        await login(reg, official)
        page = await reg.get("/console/producers/new")
        assert page.status_code == 200 and 'name="district"' in page.text
        csrf = csrf_of(page.text)
        facts = {"csrf_token": csrf, "kind": "cooperative", "address": "Thôn Nà Dọ"}

        done = await reg.post(
            "/console/producers/new",
            data=facts
            | {"name": "HTX chè Nà Dọ", "tax_code": unique_tax_code()}
            | {"province": "Bắc Kạn", "district": "Chợ Đồn", "commune": "Bang Phuc"},
        )
        assert done.status_code == 303, done.text[:500]
        shown = await reg.get(done.headers["location"])
        assert "trước sáp nhập: xã Bằng Phúc, huyện Chợ Đồn, tỉnh Bắc Kạn" in shown.text
        assert "Xã Đồng Phúc, Thái Nguyên" in shown.text
        by_old_name = await reg.get("/console/producers", params={"commune": "Bằng Phúc", "province": "19"})
        assert "HTX chè Nà Dọ" in by_old_name.text  # found by the commune it had before the reform
        by_new_name = await reg.get("/console/producers", params={"commune": "Đồng Phúc"})
        assert "HTX chè Nà Dọ" in by_new_name.text

        misspelled = facts | {"name": "HTX sai", "tax_code": unique_tax_code(), "province": "Bắc Kạn"}
        refused = await reg.post("/console/producers/new", data=misspelled | {"commune": "Bang Phuk"})
        assert refused.status_code == 422 and "Xã Bằng Phúc" in refused.text and "HTX sai" in refused.text

        split = facts | {"name": "THT Thượng Đình", "tax_code": unique_tax_code()}
        split |= {"province": "Thái Nguyên", "district": "Phú Bình", "commune": "Thượng Đình"}
        asked = await reg.post("/console/producers/new", data=split)
        assert asked.status_code == 422 and 'name="current_commune"' in asked.text
        assert "Xã Điềm Thụy" in asked.text and "Xã Phú Bình" in asked.text
        code = next(c for c in asked.text.split('<option value="')[1:] if "Xã Phú Bình" in c.split("</option>")[0])
        chosen = await reg.post("/console/producers/new", data=split | {"current_commune": code.split('"')[0]})
        assert chosen.status_code == 303, chosen.text[:500]
        page = await reg.get(chosen.headers["location"])
        assert "Xã Phú Bình, Thái Nguyên" in page.text and "trước sáp nhập: xã Thượng Đình, huyện Phú Bình" in page.text

        # the correction form: only what changed is sent; a new commune of today replaces the address
        url = done.headers["location"].split("?")[0]
        form = await reg.get(url)
        fixed = await reg.post(
            url,
            data={
                "csrf_token": csrf_of(form.text),
                "name": "HTX chè Nà Dọ",
                "kind": "cooperative",
                "tax_code": form.text.split('name="tax_code"')[1].split('value="')[1].split('"')[0],
                "public_name": "HTX chè Shan tuyết Nà Dọ",
                "address": "Thôn Nà Dọ",
                "commune": "Xã Chợ Đồn",
            },
        )
        assert fixed.status_code == 303, fixed.text[:500]
        after = await reg.get(url)
        assert "HTX chè Shan tuyết Nà Dọ" in after.text and "Thôn Nà Dọ, Xã Chợ Đồn, Thái Nguyên" in after.text
        assert 'id="recorded-address"' not in after.text  # written in today's units this time


async def test_console_places_growing_areas_and_packing_houses_written_in_old_units(apps):
    producer = (await post_producer(apps, province="Bắc Kạn", commune="Bằng Phúc")).json()
    username = await add_user(apps, "producer", producer_id=producer["id"])
    await eventually(
        lambda: _json_if_ok(apps["traceability"].get(f"/api/v1/producers/{producer['id']}", headers=OFFICIAL))
    )
    boundary = "\n".join(f"{lat}, {lon}" for lon, lat in polygon()["coordinates"][0][:-1])
    async with browser(apps, "registry") as reg, browser(apps, "traceability") as trace:
        await login(reg, username)
        share_cookies(reg, trace)
        page = await trace.get("/console/areas")
        csrf = csrf_of(page.text)
        code = f"VN-19-064-02041-{uuid.uuid4().hex[:3].upper()}"
        area = {"csrf_token": csrf, "code": code, "name": "Đồi chè Nà Dọ", "crop": "chè", "boundary": boundary}
        done = await trace.post("/console/areas", data=area | {"district": "Chợ Đồn", "commune": "Bằng Phúc"})
        assert done.status_code == 303, done.text[:500]
        listed = await trace.get("/console/areas")
        row = listed.text.split(f"<code>{code}</code>")[1].split("</tr>")[0]
        assert "Xã Đồng Phúc, Thái Nguyên" in row and "trước sáp nhập: xã Bằng Phúc, huyện Chợ Đồn" in row

        houses = await trace.get("/console/packing-houses")
        assert houses.status_code == 200 and 'for="house-commune"' in houses.text
        house = {"csrf_token": csrf, "code": f"VN-19-DG-{uuid.uuid4().hex[:4].upper()}", "name": "Xưởng chè Nà Dọ"}
        refused = await trace.post(
            "/console/packing-houses", data=house | {"province": "Bắc Kạn", "commune": "Bang Phuk"}
        )
        assert refused.status_code == 422 and "Xã Bằng Phúc" in refused.text and "Xưởng chè Nà Dọ" in refused.text
        bad_gln = await trace.post("/console/packing-houses", data=house | {"commune": "Bằng Phúc", "gln": "123"})
        assert bad_gln.status_code == 422 and "GLN" in bad_gln.text
        done = await trace.post("/console/packing-houses", data=house | {"province": "06", "commune": "Bằng Phúc"})
        assert done.status_code == 303, done.text[:500]
        listed = await trace.get("/console/packing-houses")
        row = listed.text.split(f"<code>{house['code']}</code>")[1].split("</tr>")[0]
        assert "Xã Đồng Phúc, Thái Nguyên" in row and "trước sáp nhập: xã Bằng Phúc" in row
    mine = await apps["traceability"].get(
        "/api/v1/packing-houses", headers=auth("producer", producer_id=producer["id"])
    )
    assert [h["code"] for h in mine.json()] == [house["code"]]
    others = await apps["traceability"].get("/api/v1/packing-houses", headers=auth("producer", producer_id="nobody"))
    assert others.json() == []


async def test_json_rows_are_reported_by_the_row_numbers_sent(apps):
    """The CLI reads the sheet and sends chunks with each row's spreadsheet number (blank rows skipped)."""
    reg = apps["registry"]
    rows = [
        {
            "name": "HTX Nà Dọ",
            "kind": "HTX",
            "tax_code": unique_tax_code(),
            "province": "Bắc Kạn",
            "commune": "Bằng Phúc",
        },
        {
            "name": "HTX Sai",
            "kind": "HTX",
            "tax_code": unique_tax_code(),
            "province": "Bắc Kạn",
            "commune": "Bang Phuk",
        },
    ]
    mismatched = await reg.post("/api/v1/imports/producers", json={"rows": rows, "row_numbers": [7]}, headers=OFFICIAL)
    assert mismatched.status_code == 422
    report = (
        await reg.post("/api/v1/imports/producers", json={"rows": rows, "row_numbers": [7, 12]}, headers=OFFICIAL)
    ).json()
    assert report["created"] == 1 and [e["row"] for e in report["errors"]] == [12]
    assert [c["row"] for c in report["conversions"]] == [7]
