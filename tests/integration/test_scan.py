"""The public scan page: every verdict in HTML and JSON, tampered codes, clone detection, rate limits."""

from __future__ import annotations

import random
import time

import httpx
import pytest

from conftest import ARTIFACTS, auth, eventually
from ocop_traceability.adapters.scans import rows
from ocop_traceability.app.scan import RateLimiter
from ocop_traceability.domain.codes import CROCKFORD
from tests.support.registry import OFFICIAL
from tests.support.traceability import make_run, path_of, scan

pytestmark = pytest.mark.integration


async def test_genuine_revoked_void_unknown_in_json_and_html(apps):
    tr, reg = apps["traceability"], apps["registry"]
    producer, product, cert, run, urls = await make_run(apps)
    r = await scan(tr, urls[0])
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["verdict"] == "genuine"
    assert view["product"]["name"] == product["name"] and view["certificate"]["stars"] == 4
    assert view["producer"]["province"] == "Thái Nguyên" and view["batch"]["lot"] == "261102-1"
    assert view["growing_area"]["crop"] == "chè Shan tuyết" and view["events"][0]["type"] == "harvesting"
    body = str(view)
    assert producer["tax_code"] not in body and "0912" not in body and "Thôn" not in body  # no private data
    html = await scan(tr, urls[0], json_=False)
    assert html.status_code == 200 and "Sản phẩm chính hãng" in html.text and "4 sao" in html.text
    assert len(html.content) < 100_000 and "<script src" not in html.text.lower()  # no JS needed to read it
    assert "/static/leaflet/leaflet.js" in html.text  # loaded only when the map is asked for
    leaflet = await tr.get("/static/leaflet/leaflet.js")
    assert leaflet.status_code == 200 and b"Leaflet" in leaflet.content[:2000]
    lower = await tr.get(path_of(urls[0]).lower(), headers={"Accept": "application/json"})
    assert lower.status_code == 200 and lower.json()["verdict"] == "genuine"  # case does not matter

    # void a stamp
    owner = auth("producer", producer_id=producer["id"])
    await tr.post(f"/api/v1/stamp-runs/{run['id']}/void", json={"from_seq": 2, "to_seq": 2}, headers=owner)
    assert (await scan(tr, urls[1])).json()["verdict"] == "void"
    assert "Tem đã bị huỷ" in (await scan(tr, urls[1], json_=False)).text

    # revoke in the registry: the scan shows it within a second or so of the event arriving
    t0 = time.monotonic()
    assert (
        await reg.post(
            f"/api/v1/certificates/{cert['id']}/revoke",
            headers=OFFICIAL,
            json={"reason": "Vi phạm", "decision_no": "15/QĐ-UBND"},
        )
    ).status_code == 200

    async def revoked():
        return (await scan(tr, urls[2])).json()["verdict"] == "revoked"

    await eventually(revoked, timeout=10, interval=0.05)
    elapsed = time.monotonic() - t0
    print(f"revocation visible on the scan page after {elapsed:.3f}s")
    assert elapsed < 3, f"revocation visible after {elapsed:.2f}s"
    assert "đã bị thu hồi" in (await scan(tr, urls[2], json_=False)).text

    # unknown: a tampered serial, a wrong GTIN with a real serial, garbage
    serial = urls[3].rsplit("/", 1)[1]
    tampered = urls[3][:-1] + ("0" if serial[-1] != "0" else "1")
    for bad in (
        tampered,
        urls[3].replace("/01/08934567890120/", "/01/08934567890121/"),
        "http://x/S/%00%FF",
        "http://x/S/" + "A" * 500,
    ):
        r = await scan(tr, bad)
        assert r.status_code == 404 and r.json()["verdict"] == "unknown", bad
    page = await scan(tr, tampered, json_=False)
    assert page.status_code == 404 and "Không tìm thấy mã tem" in page.text
    typed = await tr.get("/tra-cuu", params={"code": serial.lower()}, follow_redirects=False)
    assert typed.status_code == 303 and typed.headers["location"] == f"/S/{serial}"


async def test_expired_certificate(apps):
    tr = apps["traceability"]
    _producer, _product, _cert, _run, urls = await make_run(apps, count=3, issued_on="2022-01-10")
    view = (await scan(tr, urls[0])).json()
    assert view["verdict"] == "expired" and view["certificate"]["valid_until"] == "2025-01-10"
    assert "đã hết hạn" in (await scan(tr, urls[0], json_=False)).text


async def test_thousand_mutated_codes_are_unknown_never_5xx(apps):
    tr = apps["traceability"]
    runtime = apps.runtime("traceability")
    _p, _pr, _c, _run, urls = await make_run(apps, count=5, certify=False)
    rng = random.Random(7)
    statuses = []
    for _i in range(1000):
        url = rng.choice(urls)
        serial = url.rsplit("/", 1)[1]
        pos = rng.randrange(len(serial))
        mutated = serial[:pos] + rng.choice([c for c in CROCKFORD if c != serial[pos]]) + serial[pos + 1 :]
        r = await tr.get(f"/S/{mutated}", headers={"Accept": "application/json"})
        statuses.append(r.status_code)
        if r.status_code == 429:  # the limiter protects against exactly this: let it refill for the test
            runtime.scan_limiter.buckets.clear()
            r = await tr.get(f"/S/{mutated}", headers={"Accept": "application/json"})
            statuses[-1] = r.status_code
        assert r.status_code == 404 and r.json()["verdict"] == "unknown", (mutated, r.text)
    assert max(statuses) < 500
    runtime.scan_limiter.buckets.clear()  # full again for the next tests of the session (test_gs1_resolver got 429s)


async def test_suspected_clone_is_flagged_and_listed(apps):
    tr = apps["traceability"]
    producer, _pr, _c, _run, urls = await make_run(apps, count=3)
    app = tr._transport.app
    ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit/605 Mobile/15E148 Safari/604.1"
    for i in range(8):  # eight unrelated networks in a day scan the same unit stamp
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(f"203.0.{i}.10", 5000)), base_url="http://traceability"
        ) as other:
            r = await other.get(path_of(urls[0]), headers={"Accept": "application/json", "User-Agent": ua})
            assert r.status_code == 200
    view = r.json()
    assert view["verdict"] == "suspected_clone" and "8 thiết bị" in view["stamp"]["clone_warning"]
    page = await scan(tr, urls[0], json_=False)
    assert "quét bất thường" in page.text and "hàng giả" not in page.text  # warns, does not accuse
    assert (await scan(tr, urls[1])).json()["verdict"] == "genuine"  # the other stamps are fine

    async def listed():
        alerts = (await tr.get("/api/v1/clone-alerts", headers=auth("producer", producer_id=producer["id"]))).json()
        return [a for a in alerts if a["serial"] == urls[0].rsplit("/", 1)[1]]

    await eventually(listed)
    other = (await tr.get("/api/v1/clone-alerts", headers=auth("producer", producer_id="someone-else"))).json()
    assert other == []

    await apps.runtime("traceability").scan.flush(counters=True)
    stamp = await apps.runtime("traceability").db.stamps.find_one({"_id": urls[0].rsplit("/", 1)[1]})
    assert stamp["scan_count"] >= 9
    stored = [r for d in await apps.runtime("traceability").db.scans.find({}).to_list() for r in rows(d)]
    mine = [r for r in stored if r["serial"] == stamp["_id"]]
    assert len(mine) >= 9 and len({r["client"] for r in mine}) >= 8  # every scan kept, with its client


async def test_rate_limit_answers_429_with_retry_after(apps):
    tr = apps["traceability"]
    runtime = apps.runtime("traceability")
    saved = runtime.scan_limiter
    runtime.scan_limiter = RateLimiter(capacity=5, per_second=0.5)
    try:
        codes = [
            (await tr.get("/S/0000000000000000A", headers={"Accept": "application/json"})).status_code for _ in range(8)
        ]
        assert codes[:5] == [404] * 5 and codes[5:] == [429] * 3
        r = await tr.get("/S/0000000000000000A", headers={"Accept": "application/json"})
        assert int(r.headers["Retry-After"]) >= 1 and r.json()["error"]["code"] == "rate_limited"
    finally:
        runtime.scan_limiter = saved
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
