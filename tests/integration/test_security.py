"""The holes issue 15 measured, closed: formulas in officials' Excel reports, unthrottled sign-ins, missing
security headers, a token key every service could sign with, sessions that outlive sign-out and password
changes, and no record of who did what. Over the wire against the real broker and database."""

from __future__ import annotations

import asyncio
import io
import re
import time
import uuid
import zipfile

import httpx
import jwt
import pytest
from openpyxl import Workbook, load_workbook

from conftest import auth, eventually, run_apps
from ocop_shared.auth import mint_token
from ocop_shared.console import SESSION_COOKIE
from ocop_shared.exports import XLSX
from ocop_shared.keys import KeyRing
from tests.integration.epcis_support import capture, document, make_world, new_gtin
from tests.support.console import OPERATOR, PASSWORD, add_user, csrf_of, login, set_cookie
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product
from tests.support.traceability import make_run, path_of

pytestmark = pytest.mark.integration
FORMULA = '=HYPERLINK("http://evil.example/","Bấm")'


def browser_at(apps_or_app, ip: str, service: str = "registry", scheme: str = "http") -> httpx.AsyncClient:
    """A browser of its own (cookie jar) calling from ``ip`` (its network prefix is what throttling counts)."""
    app = apps_or_app[service]._transport.app if not hasattr(apps_or_app, "router") else apps_or_app
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 50123)),
        base_url=f"{scheme}://127.0.0.1",
        follow_redirects=False,
    )


def _xlsx_cells(content: bytes) -> dict:
    ws = load_workbook(io.BytesIO(content)).active
    return {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}


# -- spreadsheet injection -------------------------------------------------------------------------


async def test_a_product_named_like_a_formula_stays_text_in_the_officials_excel_reports(apps):
    producer = await make_producer(apps, name=f"HTX {uuid.uuid4().hex[:6]}")
    product = await make_product(apps, producer["id"], name=FORMULA, gtin=None)
    cert = await issue(apps, (await evaluate(apps, product["id"], 30, 18, 25))["id"], issued_on="2026-11-01")
    assert cert.status_code == 201, cert.text
    r = await apps["registry"].get("/api/v1/reports/expiring?days=2000&format=xlsx", headers=OFFICIAL)
    assert r.status_code == 200
    cell = _xlsx_cells(r.content)[FORMULA]
    assert cell.data_type == "s" and cell.quotePrefix  # text, not a live formula (data type "f" before)
    # the console's download is the same file
    client = browser_at(apps, "192.0.2.10")
    user = await add_user(apps, "official")
    assert (await login(client, user)).status_code == 303
    page = await client.get("/console/reports/expiring.xlsx?days=2000")
    assert page.status_code == 200 and _xlsx_cells(page.content)[FORMULA].data_type == "s"


def entity_bomb_xlsx() -> bytes:
    """A real workbook whose sheet declares nested XML entities ("billion laughs": 10^8 copies of "ha")."""
    wb = Workbook()
    wb.active.append(["name", "producer_id"])
    wb.active.append(["a", "b"])
    plain = io.BytesIO()
    wb.save(plain)
    source, out = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    levels = "".join(f'<!ENTITY {c} "{f"&{p};" * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                dtd = f'<!DOCTYPE worksheet [<!ENTITY a "{"ha" * 10}">{levels}]>'
                data = (dtd + data.decode().replace("<t>a</t>", "<t>&i;</t>", 1)).encode()
            z.writestr(item, data)
    return out.getvalue()


async def test_an_xml_entity_bomb_in_an_uploaded_workbook_is_refused_at_once(apps):
    reg = apps["registry"]
    started = time.monotonic()
    files = {"file": ("bom.xlsx", entity_bomb_xlsx(), XLSX)}
    r = await reg.post("/api/v1/imports/products", files=files, headers=OFFICIAL)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unreadable_file", r.text
    assert time.monotonic() - started < 10  # refused while parsing, not after expanding 200 MB
    assert (await reg.get("/healthz")).status_code == 200


# -- login throttling -------------------------------------------------------------------------------


async def _try(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )


def _message(page: httpx.Response) -> str:
    found = re.search(r'role="alert">([^<]+)<', page.text)
    return found.group(1) if found else ""


async def test_sign_ins_are_throttled_then_locked_the_same_way_for_unknown_names(apps, stack):
    settings = apps.runtime("registry").settings
    saved = settings.login_account_lock_after
    settings.login_account_lock_after = 5  # 3 answered at once, then 1 s and 2 s apart, the 5th locks
    try:
        real = await add_user(apps, "official")
        answers = {}
        for name, ip in ((real, "198.51.100.7"), (f"khong-co-{uuid.uuid4().hex[:6]}", "203.0.113.9")):
            client = browser_at(apps, ip)
            seen = []
            for _ in range(3):
                seen.append((await _try(client, name, "sai-mat-khau")).status_code)
            early = await _try(client, name, "sai-mat-khau")  # too soon after the third failure
            seen.append(early.status_code)
            assert early.status_code == 429 and early.headers["retry-after"] == "1", early.text
            assert "Vui lòng chờ 1 giây" in _message(early)
            await asyncio.sleep(1.05)
            seen.append((await _try(client, name, "sai-mat-khau")).status_code)  # the 4th failure
            await asyncio.sleep(2.05)
            seen.append((await _try(client, name, "sai-mat-khau")).status_code)  # the 5th: locked now
            locked = await _try(client, name, PASSWORD)  # even the right password is not looked at
            seen.append(locked.status_code)
            assert 850 <= int(locked.headers["retry-after"]) <= 900
            assert "tạm thời bị khoá" in _message(locked) and "15 phút" in _message(locked)
            answers[name] = (seen, _message(locked).replace(name, ""))
        (real_seen, real_text), (unknown_seen, unknown_text) = answers.values()
        assert real_seen == unknown_seen == [401, 401, 401, 429, 401, 401, 429]  # no enumeration
        assert real_text == unknown_text

        # another replica (or the same service after a restart) on the same database keeps the lock
        async with run_apps(stack, services=("registry",)) as again:
            refused = await _try(browser_at(again, "198.51.100.7"), real, PASSWORD)
            assert refused.status_code == 429
        # every failure is in the audit trail, with the network it came from
        r = await apps["registry"].get(f"/api/v1/audit?action=session.login_failed&actor={real}", headers=OPERATOR)
        entries = r.json()["entries"]
        assert len(entries) == 5 and {e["network"] for e in entries} == {"198.51.100.0/24"}
        # from a fresh network the lock of the account still holds
        assert (await _try(browser_at(apps, "192.0.2.77"), real, PASSWORD)).status_code == 429
    finally:
        settings.login_account_lock_after = saved


async def test_a_successful_sign_in_clears_the_accounts_failures(apps):
    user = await add_user(apps, "official")
    client = browser_at(apps, "198.51.100.66")
    for _ in range(3):
        assert (await _try(client, user, "sai")).status_code == 401
    await asyncio.sleep(1.05)
    assert (await _try(client, user, PASSWORD)).status_code == 303
    assert (await _try(browser_at(apps, "198.51.100.66"), user, "sai")).status_code == 401  # counted from 0 again


# -- security headers -------------------------------------------------------------------------------


def _policy(response: httpx.Response) -> dict[str, str]:
    return {
        d.strip().split(" ", 1)[0]: [*d.strip().split(" ", 1), ""][1]
        for d in response.headers["content-security-policy"].split(";")
    }


def _check_headers(response: httpx.Response, *, html: bool = True) -> dict[str, str]:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response.headers["permissions-policy"]
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    if html:
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    return policy


async def test_every_html_page_of_every_service_carries_the_security_headers(apps):
    _producer, _product, _cert, _run, urls = await make_run(apps, count=2)
    scan = await apps["traceability"].get(path_of(urls[0]), headers={"Accept": "text/html"})
    assert scan.status_code == 200
    policy = _check_headers(scan)
    nonces = set(re.findall(r'<(?:script|style) nonce="([^"]+)"', scan.text))
    assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in policy["script-src"]  # the inline map loader runs
    assert "<script>" not in scan.text and "<style>" not in scan.text  # no inline block without the nonce
    assert "strict-transport-security" not in scan.headers  # plain http
    unknown = await apps["traceability"].get("/S/0000000000000000A", headers={"Accept": "text/html"})
    _check_headers(unknown)
    assert _policy(unknown)["script-src"] != policy["script-src"]  # a nonce per response
    for service, path in (("registry", "/console/login"), ("traceability", "/console/areas")):
        page = await apps[service].get(path, headers={"Accept": "text/html"}, follow_redirects=True)
        _check_headers(page)
    # the GS1 pages: a Digital Link stamp, in English too, and the public batch page it links to
    gtin = new_gtin().zfill(14)
    *_ignored, gs1_urls = await make_run(apps, 1, gtin=gtin)
    lot = path_of(gs1_urls[0]).split("/")[4]
    for path in (path_of(gs1_urls[0]), path_of(gs1_urls[0]) + "?lang=en", f"/lo-hang/{gtin}/{lot}"):
        page = await apps["traceability"].get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, (path, page.status_code)
        page_policy = _check_headers(page)
        for nonce in set(re.findall(r'<(?:script|style) nonce="([^"]+)"', page.text)):
            assert f"'nonce-{nonce}'" in page_policy["style-src"], path
        assert "<script>" not in page.text and "<style>" not in page.text, path
    # EPCIS answers and the JWKS are not pages: nothing in them may load or be framed
    for service, path in (("traceability", "/epcis/events"), ("registry", "/.well-known/jwks.json")):
        answer = await apps[service].get(path, headers=OFFICIAL)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert _policy(answer) == {"default-src": "'none'", "frame-ancestors": "'none'"}
    api = await apps["marketplace_sync"].get("/api/v1/listings?product_id=x", headers=OFFICIAL)
    assert _policy(api) == {"default-src": "'none'", "frame-ancestors": "'none'"}
    over_https = await apps["registry"].get("/console/login", headers={"X-Forwarded-Proto": "https"})
    assert over_https.headers["strict-transport-security"].startswith("max-age=31536000")
    # a console page of marketplace_sync, signed in
    client = browser_at(apps, "192.0.2.20", service="marketplace_sync")
    reg = browser_at(apps, "192.0.2.20")
    assert (await login(reg, await add_user(apps, "official"))).status_code == 303
    set_cookie(client, SESSION_COOKIE, reg.cookies.get(SESSION_COOKIE))
    listings = await client.get("/console/listings")
    assert listings.status_code == 200
    form_action = _check_headers(listings)["form-action"]
    assert "'self'" in form_action  # the sign-out form posts to the registry, named in the policy


# -- tokens -----------------------------------------------------------------------------------------


async def test_only_the_registry_signs_and_it_publishes_its_verification_keys(apps):
    jwks = (await apps["registry"].get("/.well-known/jwks.json")).json()
    ring = apps.runtime("registry").key_ring
    kids = [k["kid"] for k in jwks["keys"]]
    assert ring.kid in kids and len(kids) >= 2  # the signing key and the next one (published before it signs)
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in jwks["keys"])
    for service in ("traceability", "marketplace_sync"):
        runtime = apps.runtime(service)
        assert runtime.key_ring is None  # it holds public keys only
        # what it does hold (the host's local secret) signs no token any service accepts
        forged = jwt.encode(
            {"sub": "x", "role": "official", "iss": "ocop", "exp": 4102444800, "iat": 1},
            runtime.secret_key,
            algorithm="HS256",
        )
        for target in ("registry", "traceability", "marketplace_sync"):
            r = await apps[target].get("/api/v1/audit", headers={"Authorization": f"Bearer {forged}"})
            assert r.status_code == 401, (service, target)
    stranger = mint_token(KeyRing.generate(), role="official")
    r = await apps["traceability"].get("/api/v1/clone-alerts", headers={"Authorization": f"Bearer {stranger}"})
    assert r.status_code == 401
    assert (await apps["traceability"].get("/api/v1/clone-alerts", headers=OFFICIAL)).status_code == 200


# -- sessions ---------------------------------------------------------------------------------------


async def _signed_in_pages(apps, cookie: str) -> dict[str, int]:
    statuses = {}
    for service, path in (
        ("registry", "/console/products"),
        ("traceability", "/console/batches"),
        ("marketplace_sync", "/console/listings"),
    ):
        client = browser_at(apps, "192.0.2.30", service=service)
        set_cookie(client, SESSION_COOKIE, cookie)
        statuses[service] = (await client.get(path)).status_code
    return statuses


async def _ended_everywhere(apps, cookie: str) -> None:
    async def check():
        statuses = await _signed_in_pages(apps, cookie)
        return all(s == 303 for s in statuses.values()) and statuses

    await eventually(check, timeout=20)
    # the same token as a bearer is refused by the API as well
    r = await apps["traceability"].get("/api/v1/clone-alerts", headers={"Authorization": f"Bearer {cookie}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "session_revoked"


async def test_signing_out_ends_the_session_in_every_service(apps):
    user = await add_user(apps, "official")
    client = browser_at(apps, "192.0.2.30")
    assert (await login(client, user)).status_code == 303
    cookie = client.cookies.get(SESSION_COOKIE)
    assert await _signed_in_pages(apps, cookie) == {"registry": 200, "traceability": 200, "marketplace_sync": 200}
    page = await client.get("/console/password")
    out = await client.post("/console/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303
    await _ended_everywhere(apps, cookie)  # a copied cookie no longer works anywhere


async def test_changing_the_password_ends_the_other_sessions(apps):
    user = await add_user(apps, "official")
    laptop, phone = browser_at(apps, "192.0.2.31"), browser_at(apps, "192.0.2.32")
    assert (await login(laptop, user)).status_code == 303
    assert (await login(phone, user)).status_code == 303
    old_phone = phone.cookies.get(SESSION_COOKIE)
    form = await laptop.get("/console/password")
    changed = await laptop.post(
        "/console/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mat-khau-moi-2026",
            "confirm_password": "mat-khau-moi-2026",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert changed.status_code == 200 and "Đã đổi mật khẩu" in changed.text
    await _ended_everywhere(apps, old_phone)
    # the browser that changed it got a new session and goes on
    assert (await laptop.get("/console/products")).status_code == 200
    assert (await _signed_in_pages(apps, laptop.cookies.get(SESSION_COOKIE)))["traceability"] == 200


# -- audit trail ------------------------------------------------------------------------------------


async def test_official_actions_are_audited_with_before_and_after_and_read_within_the_provinces(apps):
    producer = await make_producer(apps, name=f"HTX {uuid.uuid4().hex[:6]}")  # Thái Nguyên (19)
    product = await make_product(apps, producer["id"], name=f"Miến dong {uuid.uuid4().hex[:4]}", gtin=None)
    official = auth("official", provinces=("19",))
    r = await apps["registry"].post(
        f"/api/v1/products/{product['id']}/evaluations",
        headers=official,
        json={
            "level": "province",
            "criteria_version": "QD148-2023",
            "scores": {"A": 30, "B": 18, "C": 25},
            "evaluated_on": "2026-10-01",
        },
    )
    cert = (
        await apps["registry"].post(
            f"/api/v1/evaluations/{r.json()['id']}/certificate",
            headers=official,
            json={"decision_no": "12/QĐ-UBND", "issued_on": "2026-11-01"},
        )
    ).json()
    revoked = await apps["registry"].post(
        f"/api/v1/certificates/{cert['id']}/revoke",
        headers=official,
        json={"reason": "Vi phạm an toàn thực phẩm", "decision_no": "99/QĐ-UBND"},
    )
    assert revoked.status_code == 200
    entries = (await apps["registry"].get(f"/api/v1/audit?target={cert['id']}", headers=official)).json()["entries"]
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["certificate.revoke", "certificate.issue"]  # newest first
    entry = entries[0]
    assert entry["actor"]["subject"] == "cli" and entry["actor"]["role"] == "official"
    assert entry["network"] == "127.0.0.0/24" and "19" in entry["provinces"]
    change = next(c for c in entry["changes"] if c["kind"] == "certificates")
    assert change["before"]["status"] == "active" and change["after"]["status"] == "revoked"
    assert "password_hash" not in str(entries)
    # an official of another province sees none of it; a producer may not read the trail
    other = auth("official", provinces=("24",))
    assert (await apps["registry"].get(f"/api/v1/audit?target={cert['id']}", headers=other)).json()["entries"] == []
    assert (await apps["registry"].get("/api/v1/audit?province=19", headers=other)).status_code == 403
    producer_token = auth("producer", producer_id=producer["id"])
    assert (await apps["registry"].get("/api/v1/audit", headers=producer_token)).status_code == 403
    # the Excel export, read back
    x = await apps["registry"].get(f"/api/v1/audit?target={cert['id']}&format=xlsx", headers=official)
    cells = _xlsx_cells(x.content)
    assert "certificate.revoke" in cells and cells["certificate.revoke"].data_type == "s"


async def test_an_officials_correction_of_a_producer_is_audited_field_by_field(apps):
    producer = await make_producer(apps, name=f"HTX {uuid.uuid4().hex[:6]}")  # Thái Nguyên (19)
    official = auth("official", provinces=("19",))
    url = f"/api/v1/producers/{producer['id']}"
    r = await apps["registry"].patch(url, json={"public_name": "HTX Chè Khuổi Ha"}, headers=official)
    assert r.status_code == 200, r.text
    entries = (
        await apps["registry"].get(f"/api/v1/audit?action=producer.update&target={producer['id']}", headers=official)
    ).json()
    (entry,) = entries["entries"]
    change = next(c for c in entry["changes"] if c["kind"] == "producers")
    assert (
        change["before"]["public_name"] == producer["public_name"]
        and change["after"]["public_name"] == "HTX Chè Khuổi Ha"
    )
    assert "19" in entry["provinces"] and entry["actor"]["role"] == "official"


async def test_traceability_and_marketplace_keep_their_own_trail_read_the_same_way(apps):
    _producer, product, _cert, run, _urls = await make_run(apps, count=2)
    r = await apps["traceability"].get(f"/api/v1/audit?target={run['id']}", headers=OFFICIAL)
    actions = {e["action"] for e in r.json()["entries"]}
    assert {"stamps.activate"} <= actions
    batch = (await apps["traceability"].get("/api/v1/audit?action=batch.create&limit=5", headers=OFFICIAL)).json()
    assert batch["entries"] and batch["entries"][0]["actor"]["role"] == "producer"
    resync = await apps["marketplace_sync"].post(
        "/api/v1/listings/resync", headers=OFFICIAL, json={"product_id": product["id"]}
    )
    assert resync.status_code == 202
    m = await apps["marketplace_sync"].get(f"/api/v1/audit?target={product['id']}", headers=OFFICIAL)
    assert [e["action"] for e in m.json()["entries"]] == ["listing.resync"]


async def test_epcis_captures_queries_and_subscriptions_are_audited_for_the_producers_province(apps):
    world = await make_world(apps, stamps=2)  # a producer of Thái Nguyên (19)
    tr, owner = apps["traceability"], world.owner
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-11-07T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "epcList": [world.epc(0)],
    }
    job = await capture(apps, document(event), owner)
    name = f"lot-{uuid.uuid4().hex[:8]}"
    assert (await tr.post("/epcis/queries", json={"name": name, "query": {}}, headers=owner)).status_code == 201
    hook = {"dest": "https://partner.example/epcis-hook", "signatureToken": "s3cret-token", "stream": True}
    sub = await tr.post(f"/epcis/queries/{name}/subscriptions", json=hook, headers=owner)
    assert sub.status_code == 201, sub.text
    sub_id = sub.json()["subscriptionID"]
    assert (await tr.delete(f"/epcis/queries/{name}/subscriptions/{sub_id}", headers=owner)).status_code == 204
    assert (await tr.delete(f"/epcis/queries/{name}", headers=owner)).status_code == 204

    official = auth("official", provinces=("19",))
    producer_id = world.producer["id"]
    entries = (await tr.get(f"/api/v1/audit?action=epcis&producer_id={producer_id}", headers=official)).json()
    actions = [e["action"] for e in entries["entries"]]
    assert actions == [
        "epcis.query_delete",
        "epcis.unsubscribe",
        "epcis.subscribe",
        "epcis.query_create",
        "epcis.capture",
    ]
    by_action = {e["action"]: e for e in entries["entries"]}
    assert {"kind": "capture", "id": job["captureID"]} in by_action["epcis.capture"]["targets"]
    assert by_action["epcis.capture"]["detail"]["events"] == 1
    assert by_action["epcis.subscribe"]["detail"]["dest"] == hook["dest"]
    assert "s3cret-token" not in str(entries)  # the webhook's signature token is never written to the trail
    assert all(e["producer_ids"] == [producer_id] and e["provinces"] == ["19"] for e in entries["entries"])
    other = auth("official", provinces=("24",))
    assert (await tr.get(f"/api/v1/audit?target={job['captureID']}", headers=other)).json()["entries"] == []


async def test_the_console_shows_the_audit_trail_to_officials_only(apps):
    official = browser_at(apps, "192.0.2.40")
    assert (await login(official, await add_user(apps, "official"))).status_code == 303
    page = await official.get("/console/audit?action=session.login")
    assert page.status_code == 200 and "Nhật ký thao tác" in page.text and "session.login" in page.text
    download = await official.get("/console/audit.xlsx?action=session")
    assert download.status_code == 200 and load_workbook(io.BytesIO(download.content)).active.max_row >= 3
    producer = await make_producer(apps, name=f"HTX {uuid.uuid4().hex[:6]}")
    owner = browser_at(apps, "192.0.2.41")
    assert (await login(owner, await add_user(apps, "producer", producer_id=producer["id"]))).status_code == 303
    assert (await owner.get("/console/audit")).status_code == 403


async def test_old_entries_are_pruned_after_the_retention(apps):
    from ocop_shared.audit import AUDIT
    from ocop_shared.web import prune

    runtime = apps.runtime("traceability")
    days = runtime.settings.audit_retention_days
    now = time.time()
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    await runtime.db[AUDIT].insert_many(
        [{"_id": old, "ts": now - (days + 1) * 86400, "action": "x.y"}, {"_id": recent, "ts": now - 3600}]
    )
    await prune(runtime)
    assert await runtime.db[AUDIT].find_one({"_id": old}) is None
    assert await runtime.db[AUDIT].find_one({"_id": recent}) is not None
