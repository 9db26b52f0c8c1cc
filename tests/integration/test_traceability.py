"""Traceability over HTTP and the real broker: areas, batches, trail, stamp runs decoded by a real scanner."""

from __future__ import annotations

import asyncio
import io
import uuid

import pypdfium2 as pdfium
import pytest
import zxingcpp

from conftest import ARTIFACTS, auth, eventually
from tests.support.registry import OFFICIAL
from tests.support.traceability import (
    add_batch,
    area_body,
    batch_body,
    make_run,
    polygon,
    tea_producer,
    until_ready,
)

pytestmark = pytest.mark.integration


async def test_areas_batches_and_a_500_stamp_run_decoded_by_zxing(apps):
    tr = apps["traceability"]
    producer, product, _cert = await tea_producer(apps, gtin="8934567890120")
    owner = auth("producer", producer_id=producer["id"])
    code = f"VN-19-063-02020-{uuid.uuid4().hex[:4].upper()}"
    area = area_body(
        producer["id"],
        code,
        name="Đồi chè Khuổi Ha",
        province={"code": "19", "name": "Thái Nguyên"},
        commune="Xã Chợ Đồn",
        area_ha=12.5,
        certifications=[{"scheme": "VietGAP", "valid_from": "2025-01-01"}],
    )
    r = await tr.post("/api/v1/growing-areas", json=area, headers=owner)
    assert r.status_code == 201, r.text
    dup = await tr.post("/api/v1/growing-areas", json=area | {"code": code.lower()}, headers=owner)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_code"
    bad = await tr.post("/api/v1/growing-areas", json=area | {"code": "AREA 51"}, headers=owner)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_code"
    far = await tr.post(
        "/api/v1/growing-areas",
        json=area
        | {
            "code": code + "-2",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]],
            },
        },
        headers=owner,
    )
    assert far.status_code == 422 and far.json()["error"]["code"] == "outside_vietnam"
    geo = (await tr.get("/api/v1/growing-areas.geojson")).json()
    feature = next(f for f in geo["features"] if f["id"] == code)
    assert feature["properties"]["crop"] == "chè Shan tuyết" and "producer_id" not in feature["properties"]

    batch = await add_batch(tr, owner, product["id"], code, harvest_date="2026-11-01", quantity=120)
    assert batch["lot"] == "261101-1"
    second = await add_batch(tr, owner, product["id"], code, harvest_date="2026-11-01", quantity=80)
    assert second["lot"] == "261101-2"
    unknown = await tr.post(
        "/api/v1/batches", headers=owner, json=batch_body("nope", code, harvest_date="2026-11-01", quantity=1)
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "product_not_found"
    ev = await tr.post(
        f"/api/v1/batches/{batch['id']}/events",
        headers=owner,
        json={
            "type": "harvesting",
            "time": "2026-11-01T07:00:00+07:00",
            "place": "Đồi chè Khuổi Ha",
            "note": "Hái tay",
        },
    )
    assert ev.status_code == 201
    got = (await tr.get(f"/api/v1/batches/{batch['id']}", headers=owner)).json()
    assert [e["type"] for e in got["events"]] == ["harvesting"]

    for count in (0, 10_000_000):
        r = await tr.post(f"/api/v1/batches/{batch['id']}/stamp-runs", json={"count": count}, headers=owner)
        assert r.status_code == 422 and r.json()["error"]["code"] == "count_out_of_range", r.text

    run = await tr.post(f"/api/v1/batches/{batch['id']}/stamp-runs", json={"count": 500}, headers=owner)
    assert run.status_code == 202, run.text
    run_id = run.json()["id"]
    status = await until_ready(tr, owner, run_id, timeout=120, interval=0.5)
    listed = (await tr.get("/api/v1/stamp-runs", params={"batch_id": batch["id"]}, headers=owner)).json()
    assert [r["id"] for r in listed] == [run_id]
    assert status["generated"] == 500 and status["states"] == {"issued": 500, "active": 0, "void": 0}

    csv_urls = (await tr.get(f"/api/v1/stamp-runs/{run_id}/codes.csv", headers=owner)).text.split()
    assert len(csv_urls) == 500 == len(set(csv_urls))
    assert all(u.startswith("http://127.0.0.1:8002/01/08934567890120/10/261101-1/21/") for u in csv_urls)
    pdf = await tr.get(f"/api/v1/stamp-runs/{run_id}/sheet.pdf", headers=owner)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "stamp-sheet-500.pdf").write_bytes(pdf.content)

    decoded = await asyncio.to_thread(decode_pdf, pdf.content)
    assert len(decoded) == 500 and set(decoded) == set(csv_urls)  # stamp by stamp, every one

    # states: activate all, void a range, the rest stays active
    assert (await tr.post(f"/api/v1/stamp-runs/{run_id}/activate", json={}, headers=owner)).json()["changed"] == 500
    voided = await tr.post(f"/api/v1/stamp-runs/{run_id}/void", json={"from_seq": 11, "to_seq": 20}, headers=owner)
    assert voided.json()["changed"] == 10
    status = (await tr.get(f"/api/v1/stamp-runs/{run_id}", headers=owner)).json()
    assert status["states"] == {"issued": 0, "active": 490, "void": 10}

    # the registry's traceability report learns about it from the stamp_run.issued event
    reg = apps["registry"]

    async def traced():  # this product's event, not another test's run (the apps are shared)
        return await apps.runtime("registry").db.traced_products.find_one({"_id": product["id"]})

    await eventually(traced)
    rows = (await reg.get("/api/v1/reports/traceability", headers=OFFICIAL)).json()["rows"]
    assert any(r["traced"] for r in rows)


def read_qr(image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode_pdf(content: bytes) -> list[str]:
    """Rasterise each page at 300 dpi and read every QR with zxing-cpp."""
    doc = pdfium.PdfDocument(io.BytesIO(content))
    urls = []
    for i in range(len(doc)):
        image = doc[i].render(scale=300 / 72).to_pil()
        if i == 0:
            image.save(ARTIFACTS / "stamp-sheet-page1.png")
        urls += [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return urls


async def test_roll_labels_and_zpl_are_streamed_and_decode(apps):
    """The thermal-printer files of a ready run, made on request from the stored stamps: a roll PDF (one label a
    page at the label size) read by zxing-cpp after pypdfium2, and ZPL whose graphic fields, turned back into
    bitmaps, zxing-cpp reads too; each label in serial order."""
    import sys
    from pathlib import Path

    sys.path.append(str(Path(__file__).resolve().parents[2] / "services" / "traceability" / "tests"))
    import zpl_reader

    producer, _product, _cert, run, urls = await make_run(apps, count=12)
    tr, owner = apps["traceability"], auth("producer", producer_id=producer["id"])
    base = f"/api/v1/stamp-runs/{run['id']}"
    for size in ("40x30", "50x30"):
        roll = await tr.get(f"{base}/sheet.pdf", params={"format": "roll", "size": size}, headers=owner)
        assert roll.status_code == 200 and roll.headers["content-type"] == "application/pdf", roll.text[:200]
        assert f"cuon-{size}.pdf" in roll.headers["content-disposition"]
        doc = pdfium.PdfDocument(io.BytesIO(roll.content))
        pages = [doc[i] for i in range(len(doc))]
        assert [round(p.get_size()[0] / 72 * 25.4) for p in pages] == [int(size[:2])] * 12
        decoded = [
            [
                r.text
                for r in zxingcpp.read_barcodes(
                    p.render(scale=300 / 72).to_pil(), formats=zxingcpp.BarcodeFormat.QRCode
                )
            ]
            for p in pages
        ]
        assert decoded == [[u] for u in urls]  # one label a page, in serial order
    for dpi in ("203", "300"):
        zpl = await tr.get(f"{base}/labels.zpl", params={"size": "50x30", "dpi": dpi}, headers=owner)
        assert zpl.status_code == 200 and zpl.headers["content-type"] == "application/zpl"
        formats = zpl_reader.formats(zpl.text)
        read = [
            zxingcpp.read_barcodes(zpl_reader.label_image(f), formats=zxingcpp.BarcodeFormat.QRCode) for f in formats
        ]
        assert [[r.text for r in found] for found in read] == [[u] for u in urls]
    (ARTIFACTS / "stamp-labels-50x30.zpl").write_text(zpl.text)

    for bad in ({"format": "roll", "size": "1x1"}, {"format": "letter"}):
        assert (await tr.get(f"{base}/sheet.pdf", params=bad, headers=owner)).status_code == 422
    assert (await tr.get(f"{base}/labels.zpl", params={"dpi": "600"}, headers=owner)).status_code == 422
    other = auth("producer", producer_id="someone-else")
    assert (await tr.get(f"{base}/labels.zpl", headers=other)).status_code == 404
    assert (await tr.get(f"{base}/sheet.pdf", params={"format": "roll"}, headers=other)).status_code == 404


async def test_producer_b_cannot_use_producer_a_data(apps):
    tr = apps["traceability"]
    a, product_a, _ = await tea_producer(apps, gtin=None, certify=False)
    b, product_b, _ = await tea_producer(apps, gtin=None, certify=False)
    as_a, as_b = auth("producer", producer_id=a["id"]), auth("producer", producer_id=b["id"])
    code_a = f"VN-19-063-{uuid.uuid4().hex[:5].upper()}"
    area = area_body(a["id"], code_a, name="Ruộng A", crop="lúa nếp", area_ha=1.2, geometry=polygon(0.05))
    assert (await tr.post("/api/v1/growing-areas", json=area, headers=as_b)).status_code == 403
    assert (await tr.post("/api/v1/growing-areas", json=area, headers=as_a)).status_code == 201
    harvest = {"harvest_date": "2026-10-20", "quantity": 5}
    batch_a = await add_batch(tr, as_a, product_a["id"], code_a, **harvest)
    # B: not A's product, not A's area, not A's batch, not A's runs
    foreign = await tr.post("/api/v1/batches", headers=as_b, json=batch_body(product_b["id"], code_a, **harvest))
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "growing_area_not_found"
    stamps = await tr.post(f"/api/v1/batches/{batch_a['id']}/stamp-runs", json={"count": 10}, headers=as_b)
    assert stamps.status_code == 404 and stamps.json()["error"]["code"] == "batch_not_found"
    assert (await tr.get(f"/api/v1/batches/{batch_a['id']}", headers=as_b)).status_code == 404
    assert batch_a["id"] in {b["id"] for b in (await tr.get("/api/v1/batches", headers=as_a)).json()}
    assert batch_a["id"] not in {b["id"] for b in (await tr.get("/api/v1/batches", headers=as_b)).json()}
    assert (await tr.get("/api/v1/stamp-runs", params={"batch_id": batch_a["id"]}, headers=as_b)).json() == []
    assert (await tr.post(f"/api/v1/batches/{batch_a['id']}/stamp-runs", json={"count": 10})).status_code == 401
    # an official may act for A: area of A with product of B is refused as foreign
    mixed = await tr.post("/api/v1/batches", headers=OFFICIAL, json=batch_body(product_b["id"], code_a, **harvest))
    assert mixed.status_code == 422 and mixed.json()["error"]["code"] == "foreign_area"


async def test_a_stamp_run_is_generated_by_one_instance_only(apps):
    """Another replica holds the run's lease: this instance leaves it alone until the lease expires, then
    takes over (the holder died) and finishes it exactly once."""
    import time

    from ocop_traceability.app.stamp_jobs import WORKER

    _producer, _product, _cert, run, _urls = await make_run(apps, count=1)
    rt = apps.runtime("traceability")
    batch = await rt.db.batches.find_one({"_id": run["batch_id"]})
    orphan = {
        **(await rt.db.stamp_runs.find_one({"_id": run["id"]})),
        "_id": "run-held-elsewhere",
        "count": 7,
        "status": "generating",
        "generated": 0,
        "worker": "another-pod",
        "lease_until": time.time() + 60,
    }
    await rt.db.stamp_runs.insert_one(orphan)
    await rt.stamp_jobs.resume()
    rt.stamp_jobs.start(orphan["_id"])
    await asyncio.sleep(1.5)
    assert await rt.db.stamps.count_documents({"run_id": orphan["_id"]}) == 0  # not ours while the lease holds
    await rt.db.stamp_runs.update_one({"_id": orphan["_id"]}, {"$set": {"lease_until": time.time() - 1}})
    await rt.stamp_jobs.resume()

    async def ready():
        doc = await rt.db.stamp_runs.find_one({"_id": orphan["_id"]})
        return doc["status"] == "ready" and doc["worker"] == WORKER

    await eventually(ready, timeout=60)
    seqs = [d["seq"] for d in await rt.db.stamps.find({"run_id": orphan["_id"]}).to_list()]
    assert sorted(seqs) == list(range(1, 8)) and batch is not None


async def test_reads_are_limited_to_what_the_caller_may_see(apps):
    """A scoped official reads traceability records of their provinces only; a producer only its own."""
    producer, _product, _cert, run, _urls = await make_run(apps, count=1, certify=False)  # a Thái Nguyên (19) producer
    tr = apps["traceability"]
    batch_url, run_url = f"/api/v1/batches/{run['batch_id']}", f"/api/v1/stamp-runs/{run['id']}"
    area = (await tr.get("/api/v1/growing-areas", headers=auth("producer", producer_id=producer["id"]))).json()[0]
    area_url = f"/api/v1/growing-areas/{area['code']}"
    inside, outside = auth("official", provinces=("19",)), auth("official", provinces=("24",))
    other_producer = auth("producer", producer_id="someone-else")
    for url in (batch_url, run_url, area_url, f"{run_url}/codes.csv"):
        assert (await tr.get(url, headers=inside)).status_code == 200, url
        assert (await tr.get(url, headers=outside)).status_code == 404, url
        assert (await tr.get(url, headers=other_producer)).status_code == 404, url
    for url in ("/api/v1/batches", "/api/v1/stamp-runs", "/api/v1/growing-areas"):
        seen_inside = {d.get("id") or d.get("code") for d in (await tr.get(url, headers=inside)).json()}
        seen_outside = {d.get("id") or d.get("code") for d in (await tr.get(url, headers=outside)).json()}
        mine = {run["batch_id"], run["id"], area["code"]}
        assert seen_inside & mine and not seen_outside & mine, url
