"""Plan targets and progress over the wire: KH 180/KH-UBND's tables as the demo loads them, a certificate of a
product of today's Xã Chợ Đồn moving the old Huyện Chợ Đồn's bar at once (API and console), the KPI reports'
numbers for the same filters, province scopes, the Excel download and refusals."""

from __future__ import annotations

import io
import re
import uuid

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from conftest import auth, token
from ocop_cli.demo import PLAN_KH180
from ocop_shared.console import SESSION_COOKIE
from tests.support.console import browser, set_cookie
from tests.support.plans import seed_sheet
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product

pytestmark = pytest.mark.integration
OFFICIAL_19 = auth("official", provinces=("19",))
OFFICIAL_24 = auth("official", provinces=("24",))


def _cell(progress: dict, unit: str, indicator: str) -> dict:
    return next(r for r in progress["rows"] if r["unit"] == unit)["cells"][indicator]


def _bar(html: str, indicator: str, unit: str) -> int:
    chart = re.search(rf'<svg[^>]*data-indicator="{indicator}".*?</svg>', html, re.S)
    assert chart, indicator
    return int(re.search(rf'data-unit="{re.escape(unit)}" data-actual="(\d+)"', chart.group(0)).group(1))


async def test_a_certificate_in_xa_cho_don_moves_the_old_huyen_cho_dons_bar(apps):
    reg = apps["registry"]
    body = {**PLAN_KH180, "number": f"180/KH-UBND-{uuid.uuid4().hex[:4]}"}
    created = await reg.post("/api/v1/plans", json=body, headers=OFFICIAL)
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["province"] == {"code": "19", "name": "Thái Nguyên"}
    assert [(t["unit"]["written"], t["unit"]["code"]) for t in plan["targets"]][1] == ("Huyện Chợ Đồn", "064")
    url = f"/api/v1/plans/{plan['id']}/progress"
    cho_don = "legacy:district:064"

    producer = await make_producer(apps, name="HKD Hà Thị Thoa", commune="Xã Chợ Đồn")
    product = await make_product(apps, producer["id"], name=f"Chè Shan tuyết Chợ Đồn {uuid.uuid4().hex[:4]}", gtin=None)
    before = (await reg.get(url, headers=OFFICIAL)).json()
    async with browser(apps, "registry") as page:
        set_cookie(page, SESSION_COOKIE, token("official"))
        html_before = (await page.get(f"/console/plans/{plan['id']}")).text
        assert _bar(html_before, "new_3star", cho_don) == _cell(before, cho_don, "new_3star")["actual"]

        evaluation = await evaluate(apps, product["id"], 30, 16, 22)
        assert (await issue(apps, evaluation["id"], issued_on="2024-05-10")).status_code == 201

        after = (await reg.get(url, headers=OFFICIAL)).json()
        cell = _cell(after, cho_don, "new_3star")
        assert cell["target"] == 3
        assert cell["actual"] == _cell(before, cho_don, "new_3star")["actual"] + 1
        assert product["id"] in {p["id"] for p in cell["products"]}
        total = "legacy:province:06"
        assert _cell(after, total, "new_3star")["actual"] == _cell(before, total, "new_3star")["actual"] + 1
        assert _cell(after, "legacy:district:061", "new_3star") == _cell(before, "legacy:district:061", "new_3star")
        assert _cell(after, cho_don, "advanced_quality")["actual"] >= 1  # VietGAP on the product
        dashboard = await page.get(f"/console/plans/{plan['id']}")
        assert dashboard.status_code == 200
        assert _bar(dashboard.text, "new_3star", cho_don) == _bar(html_before, "new_3star", cho_don) + 1
        assert "Sản phẩm mới đạt 3 sao trở lên" in dashboard.text and "Huyện Chợ Đồn" in dashboard.text
        assert product["name"] in dashboard.text  # the products behind the figure
        xlsx = await page.get(f"/console/plans/{plan['id']}/tien-do.xlsx")
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert sheet["A1"].value.startswith(f"Tiến độ thực hiện Kế hoạch số {body['number']}")
        assert [c.value for c in sheet[4]][:4] == ["Huyện Chợ Đồn", 3, cell["actual"], cell["percent"]]

        report = await page.get(f"/console/plans/{plan['id']}/bao-cao.pdf")
        assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
        pdf = pdfium.PdfDocument(io.BytesIO(report.content))
        assert pdf[0].render(scale=1).to_pil().width > 800  # rasterised: A4 landscape at 72 dpi
        assert "Huyện Chợ Đồn" in pdf[0].get_textpage().get_text_range()

    # another year counts nothing of 2024's certificate
    later = (await reg.get(url, params={"year": 2030}, headers=OFFICIAL)).json()
    assert later["period"] == 2030 and _cell(later, cho_don, "new_3star")["actual"] == 0


async def test_the_plan_counts_what_the_kpi_reports_count_and_scopes_hold(apps):
    reg = apps["registry"]
    body = {
        **PLAN_KH180,
        "number": f"KPI-{uuid.uuid4().hex[:4]}",
        "year": 2024,
        "province": "Thái Nguyên",
        "unit_scheme": "current",
        "targets": [{"unit": "Xã Ba Bể", "values": {"new_3star": 2}}],
    }
    plan = (await reg.post("/api/v1/plans", json=body, headers=OFFICIAL_19)).json()
    producer = await make_producer(apps, name="HKD Phong Phin", commune="Xã Ba Bể")
    product = await make_product(apps, producer["id"], name=f"Bí xanh thơm {uuid.uuid4().hex[:4]}", gtin=None)
    assert (await issue(apps, (await evaluate(apps, product["id"], 30, 16, 22))["id"], "2024-08-01")).status_code == 201

    progress = (await reg.get(f"/api/v1/plans/{plan['id']}/progress", headers=OFFICIAL_19)).json()
    per_year = (await reg.get("/api/v1/reports/new-certifications", headers=OFFICIAL_19)).json()
    traced = (await reg.get("/api/v1/reports/traceability", headers=OFFICIAL_19)).json()
    total = "current:province:19"
    issued = sum(r["issued"] for r in per_year["rows"] if r["year"] == 2024 and r["province"] == "Thái Nguyên")
    assert _cell(progress, total, "new_3star")["actual"] == issued >= 1
    assert _cell(progress, total, "traced")["actual"] == sum(r["traced"] for r in traced["rows"])
    assert _cell(progress, "current:commune:01906", "new_3star")["actual"] >= 1

    # an official of Bắc Ninh neither sees nor enters Thái Nguyên's plans
    assert plan["id"] not in {p["id"] for p in (await reg.get("/api/v1/plans", headers=OFFICIAL_24)).json()}
    assert (await reg.get(f"/api/v1/plans/{plan['id']}/progress", headers=OFFICIAL_24)).status_code == 404
    assert (await reg.post("/api/v1/plans", json=body, headers=OFFICIAL_24)).status_code == 403
    assert (await reg.get("/api/v1/plans", headers=auth("producer", producer_id=producer["id"]))).status_code == 403


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"targets": [{"unit": "Huyện Chợ Đồng Xa", "values": {"new_3star": 1}}]}, "unknown_admin_unit"),
        ({"indicators": ["new_3star", "bogus"]}, "unknown_indicator"),
        ({"targets": [{"unit": "Huyện Ba Bể", "values": {"new_3star": -1}}]}, "validation_error"),
        ({"year": "hai nghìn"}, "validation_error"),
    ],
)
async def test_bad_plans_get_a_clear_422(apps, change, code):
    r = await apps["registry"].post("/api/v1/plans", json={**PLAN_KH180, **change}, headers=OFFICIAL)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert (await apps["registry"].get("/api/v1/plans/nope/progress", headers=OFFICIAL)).status_code == 404


async def test_a_plan_imported_from_the_seed_shaped_xlsx_and_linkages_with_evidence(apps):
    reg = apps["registry"]
    number = f"180/KH-UBND-x{uuid.uuid4().hex[:4]}"
    form = {"number": number, "year": "2024", "issuer": "UBND tỉnh Bắc Kạn", "province": "Bắc Kạn"}
    files = {"file": ("kh180.xlsx", seed_sheet(), "application/octet-stream")}
    r = await reg.post("/api/v1/plans/import", data=form, files=files, headers=OFFICIAL)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["ignored_columns"] == ["STT"]
    written = [(t["unit"]["written"], t["values"]) for t in plan["targets"]]
    assert written == [(t["unit"], t["values"]) for t in PLAN_KH180["targets"]]
    bad = await reg.post(
        "/api/v1/plans/import", data=form, files={"file": ("x.txt", b"hi", "text/plain")}, headers=OFFICIAL
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unsupported_file"

    # a producer in linkages counts once it has a certified product and the linkage's evidence is recorded
    producer = await make_producer(apps, name="HTX Na Rì", commune="Xã Na Rì")
    product = await make_product(apps, producer["id"], name=f"Miến dong {uuid.uuid4().hex[:4]}", gtin=None)
    assert (await issue(apps, (await evaluate(apps, product["id"], 30, 16, 22))["id"], "2024-02-01")).status_code == 201
    url = f"/api/v1/plans/{plan['id']}/progress"
    na_ri = "legacy:district:066"
    before = _cell((await reg.get(url, headers=OFFICIAL)).json(), na_ri, "linked")["actual"]
    link = {
        "partner": "Công ty TNHH Thương mại Bắc Kạn",
        "evidence": "Hợp đồng liên kết số 05/2024/HĐLK",
        "since": "2024-03-01",
    }
    patched = await reg.patch(f"/api/v1/producers/{producer['id']}", json={"linkages": [link]}, headers=OFFICIAL)
    assert patched.status_code == 200, patched.text
    assert patched.json()["linkages"] == [link]
    after = _cell((await reg.get(url, headers=OFFICIAL)).json(), na_ri, "linked")
    assert after["actual"] == before + 1 and product["id"] in {p["id"] for p in after["products"]}
    no_evidence = await reg.patch(
        f"/api/v1/producers/{producer['id']}", json={"linkages": [{"partner": "X Y"}]}, headers=OFFICIAL
    )
    assert no_evidence.status_code == 422
