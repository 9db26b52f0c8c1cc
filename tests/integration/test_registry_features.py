"""Registry reports, public catalogue, Excel/CSV import and the authorization matrix."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from openpyxl import Workbook, load_workbook

from conftest import auth, eventually, unique_tax_code
from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import TRACEABILITY, StampRunIssued
from tests.support.kafka import produce
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product

pytestmark = pytest.mark.integration


async def test_reports_and_public_catalogue(apps, stack):
    reg = apps["registry"]
    producer = await make_producer(
        apps,
        name="Công ty cổ phần công nghệ dược liệu Bắc Hà",
        kind="company",
        legal_form="CTCP",
        public_name="CTCP dược liệu Bắc Hà",
        commune="Xã Bạch Thông",
    )
    product = await make_product(
        apps, producer["id"], name=f"Trà giảo cổ lam {uuid.uuid4().hex[:4]}", group="herbal", gtin=None
    )
    cert = (await issue(apps, (await evaluate(apps, product["id"], 32, 18, 25))["id"])).json()

    by_stars = (await reg.get("/api/v1/reports/products-by-stars", headers=OFFICIAL)).json()
    row = next(r for r in by_stars["rows"] if r["commune"] == "Xã Bạch Thông" and r["group"].startswith("Dược liệu"))
    assert row["stars_4"] >= 1 and row["province"] == "Thái Nguyên"
    per_year = (await reg.get("/api/v1/reports/new-certifications", headers=OFFICIAL)).json()
    assert any(r["year"] == 2026 and r["issued"] >= 1 for r in per_year["rows"])
    xlsx = await reg.get("/api/v1/reports/products-by-stars?format=xlsx", headers=OFFICIAL)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A2"].value == "Tỉnh/thành phố" and sheet.max_row >= 3

    # traceability report counts from traceability's events, not by calling that service
    before = (await reg.get("/api/v1/reports/traceability", headers=OFFICIAL)).json()
    traced_before = sum(r["traced"] for r in before["rows"])
    event = CloudEvent(
        id=new_event_id(),
        source="/ocop/traceability",
        type="vn.ocop.traceability.stamp_run.issued.v1",
        time=utcnow(),
        partitionkey=product["id"],
        data=StampRunIssued(
            run_id="run-1",
            batch_id="b-1",
            product_id=product["id"],
            producer_id=producer["id"],
            count=500,
            issued_at=utcnow(),
        ).model_dump(mode="json"),
    )
    await produce(stack, event.model_dump_json().encode(), topic=TRACEABILITY, key=product["id"].encode())

    async def traced():
        rows = (await reg.get("/api/v1/reports/traceability", headers=OFFICIAL)).json()["rows"]
        return sum(r["traced"] for r in rows) > traced_before

    await eventually(traced)

    # public catalogue: no token, no private data
    entry = await reg.get(f"/api/v1/public/products/{product['id']}")
    assert entry.status_code == 200, entry.text
    body = entry.json()
    assert body["stars"] == 4 and body["decision_no"] == cert["decision_no"]
    assert body["producer"] == {"name": "CTCP dược liệu Bắc Hà", "province": "Thái Nguyên", "commune": "Xã Bạch Thông"}
    assert producer["tax_code"] not in json.dumps(body) and "0912" not in json.dumps(body)
    listing = (await reg.get("/api/v1/public/products?group=herbal")).json()
    assert product["id"] in {e["product_id"] for e in listing}
    await reg.post(
        f"/api/v1/certificates/{cert['id']}/revoke",
        headers=OFFICIAL,
        json={"reason": "Vi phạm nhãn mác", "decision_no": "12/QĐ-UBND"},
    )
    assert (await reg.get(f"/api/v1/public/products/{product['id']}")).status_code == 404


def xlsx_bytes(header: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_import_producers_and_products_idempotent_with_report(apps):
    reg = apps["registry"]
    tax_a, tax_b = unique_tax_code(), unique_tax_code()
    producers = xlsx_bytes(
        ["Tên chủ thể", "Loại hình", "Mã số thuế", "Tỉnh", "Xã", "Địa chỉ", "Điện thoại"],
        [
            ["HTX Chè Khuổi Ha", "HTX", tax_a, "Thái Nguyên", "Xã Thượng Quan", "Thôn Khuổi Ha", "0912000111"],
            ["Công ty TNHH Mơ vàng", "TNHH", tax_b, "19", "Xã Chợ Mới", "", None],
            ["Sai mã số thuế", "HTX", "123", "Thái Nguyên", "Xã Chợ Mới", "", None],
            ["Sai tỉnh", "HKD", unique_tax_code(), "Atlantis", "", "", None],
        ],
    )
    files = {"file": ("chu-the.xlsx", producers, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    first = (await reg.post("/api/v1/imports/producers", files=files, headers=OFFICIAL)).json()
    assert (first["created"], first["existing"]) == (2, 0)
    assert [e["row"] for e in first["errors"]] == [4, 5]
    assert "tax" in " ".join(first["errors"][0]["errors"]).lower() or "thuế" in " ".join(first["errors"][0]["errors"])
    again = (await reg.post("/api/v1/imports/producers", files=files, headers=OFFICIAL)).json()
    assert (again["created"], again["existing"]) == (0, 2)

    csv_text = (
        "producer_tax_code,Tên sản phẩm,Nhóm,Đơn vị tính,Giá (VNĐ),gtin\n"
        f"{tax_a},Chè Shan tuyết Khuổi Ha,Đồ uống,hộp 200 g,250000,\n"
        f"{tax_b},Mơ vàng ngâm,food,chai 500 ml,120000,\n"
        f"{tax_b},Mơ sấy,food,gói,abc,\n"
        f"{tax_b},Mơ dẻo,food,gói,50000,8934567890121\n"
        f"0000000001,Không có chủ thể,food,gói,1000,\n"
    )
    files = {"file": ("san-pham.csv", csv_text.encode(), "text/csv")}
    report = (await reg.post("/api/v1/imports/products", files=files, headers=OFFICIAL)).json()
    assert (report["created"], report["existing"]) == (2, 0), report
    assert [e["row"] for e in report["errors"]] == [4, 5, 6]
    assert (await reg.post("/api/v1/imports/products", files=files, headers=OFFICIAL)).json()["created"] == 0
    bad = await reg.post(
        "/api/v1/imports/products", files={"file": ("x.pdf", b"%PDF", "application/pdf")}, headers=OFFICIAL
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unsupported_file"
    broken = await reg.post(
        "/api/v1/imports/products", files={"file": ("x.xlsx", b"not a zip", "application/zip")}, headers=OFFICIAL
    )
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "unreadable_file"
    junk = await reg.post(
        "/api/v1/imports/products", content=b'{"rows": 5}', headers={**OFFICIAL, "Content-Type": "application/json"}
    )
    assert junk.status_code == 422


async def test_authorization_matrix_reads(apps):
    reg = apps["registry"]
    a = await make_producer(apps, name="HKD Phong Phin", kind="household", commune="Xã Ba Bể")
    b = await make_producer(apps, name="Cơ sở SXTM ANFA", kind="company", legal_form="DNTN", commune="Phường Đức Xuân")
    pa = await make_product(apps, a["id"], name="Gạo nếp Ba Bể", group="food", gtin=None)
    pb = await make_product(apps, b["id"], name="Rượu men lá", group="beverage", gtin=None)
    ev_b = await evaluate(apps, pb["id"], 30, 15, 20)
    cert_b = (await issue(apps, ev_b["id"])).json()
    # The write side (every write route of the three services: no token, wrong role, another producer,
    # another province, bad tokens) is tests/hostile/test_authz_matrix.py; this is the read side.
    other_province = auth("official", provinces=("24",))
    for url in (
        f"/api/v1/products/{pb['id']}",
        f"/api/v1/producers/{b['id']}",
        f"/api/v1/certificates/{cert_b['id']}",
        f"/api/v1/products/{pb['id']}/evaluations",
    ):
        assert (await reg.get(url, headers=auth("producer", producer_id=a["id"]))).status_code == 404, url
        assert (await reg.get(url, headers=auth("producer", producer_id=b["id"]))).status_code == 200, url
        assert (await reg.get(url)).status_code == 401, url
    listed_out = (await reg.get("/api/v1/products", params={"producer_id": b["id"]}, headers=other_province)).json()
    assert listed_out == []  # an official of Bắc Ninh does not see Thái Nguyên's products
    listed_in = await reg.get(
        "/api/v1/products", params={"producer_id": b["id"]}, headers=auth("official", provinces=("19",))
    )
    assert {p["id"] for p in listed_in.json()} == {pb["id"]}
    own = (await reg.get("/api/v1/products", headers=auth("producer", producer_id=a["id"]))).json()
    assert {p["id"] for p in own} == {pa["id"]}
    mine = (await reg.get("/api/v1/certificates", headers=auth("producer", producer_id=a["id"]))).json()
    assert cert_b["id"] not in {c["id"] for c in mine}
    reports = await reg.get("/api/v1/reports/products-by-stars", headers=auth("producer", producer_id=a["id"]))
    assert reports.status_code == 403
