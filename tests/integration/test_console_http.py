"""The web console over HTTP (httpx against the ASGI apps): sign-in with argon2-hashed passwords, cookie
flags, CSRF on every form, Vietnamese error pages, and no producer ever sees another producer's pages."""

from __future__ import annotations

import uuid

import pytest

from conftest import auth, eventually
from ocop_shared.auth import decode_token
from ocop_shared.console import CSRF_COOKIE, SESSION_COOKIE
from tests.support.console import PASSWORD, add_user, browser, csrf_of, login, set_cookie, share_cookies
from tests.support.marketplace import both, certified_product
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product
from tests.support.traceability import add_area, add_batch, copied, make_run, order_stamps, polygon

pytestmark = pytest.mark.integration


def evaluation_form(a: str, b: str, c: str, **fields: str) -> dict[str, str]:
    """The console's evaluation form as a provincial council fills it in under QĐ 148/2023."""
    scores = {"score_A": a, "score_B": b, "score_C": c}
    return {"level": "province", "criteria_version": "QD148-2023", "evaluated_on": "2026-10-01"} | scores | fields


async def test_login_sets_a_hardened_session_cookie_holding_the_api_jwt(apps):
    producer = await make_producer(apps)
    username = await add_user(apps, "producer", producer_id=producer["id"])
    async with browser(apps, "registry") as client:
        r = await login(client, username)
        assert r.status_code == 303 and r.headers["location"].endswith("/console/products")
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
        flags = [p.strip().lower() for p in cookie.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert "secure" not in flags  # plain http on localhost; https requests get Secure (below)
        token = client.cookies.get(SESSION_COOKIE)
        principal = decode_token(apps.runtime("registry").token_keys, token)
        assert (principal.role, principal.producer_id, principal.subject) == ("producer", producer["id"], username)
        # the same JWT works as a bearer token on the API, unchanged
        api = await apps["registry"].get(
            f"/api/v1/producers/{producer['id']}", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.status_code == 200
        page = await client.get("/console/products")
        assert page.status_code == 200 and '<html lang="vi">' in page.text and "Sản phẩm của tôi" in page.text
    async with browser(apps, "registry", "https") as client:  # served over https (e.g. behind a proxy)
        r = await login(client, username)
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
        assert "secure" in [p.strip().lower() for p in cookie.split(";")]


async def test_wrong_password_unknown_user_and_no_session(apps):
    producer = await make_producer(apps)
    username = await add_user(apps, "producer", producer_id=producer["id"])
    stored = await apps.runtime("registry").db.users.find_one({"_id": username})
    assert stored["password_hash"].startswith("$argon2id$") and PASSWORD not in str(stored)
    async with browser(apps, "registry") as client:
        for user, password in ((username, "sai-mat-khau-1"), ("khong-co-ai", PASSWORD)):
            r = await login(client, user, password)
            assert r.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng" in r.text
            assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
        r = await client.get("/console/products")  # no session: to the login form, coming back here after
        assert r.status_code == 303 and "/console/login?next=" in r.headers["location"]
    async with browser(apps, "traceability") as client:
        r = await client.get("/console/batches")
        assert r.status_code == 303 and "/console/login?next=" in r.headers["location"]
        assert (await client.get("/console/batches", headers={"Accept": "application/json"})).status_code == 401


async def test_forms_without_a_valid_csrf_token_are_rejected(apps):
    product = await make_product(apps, (await make_producer(apps))["id"], gtin=None)
    username = await add_user(apps, "official")
    async with browser(apps, "registry") as client:
        page = await client.get("/console/login")
        token = csrf_of(page.text)
        no_token = await client.post("/console/login", data={"username": username, "password": PASSWORD})
        assert no_token.status_code == 403 and "tải lại trang" in no_token.text
        forged = token.split(".")[0] + ".0000000000000000"
        set_cookie(client, CSRF_COOKIE, forged)
        r = await client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf_token": forged})
        assert r.status_code == 403
        set_cookie(client, CSRF_COOKIE, token)
        assert (await login(client, username)).status_code == 303
        form = evaluation_form("33", "19", "25")
        other = (await browser(apps, "registry").get("/console/login")).cookies.get(CSRF_COOKIE)  # another browser's
        for bad in ({}, {"csrf_token": other}):
            r = await client.post(f"/console/products/{product['id']}/evaluations", data=form | bad)
            assert r.status_code == 403
        assert not await apps.runtime("registry").db.evaluations.find_one({"product_id": product["id"]})
        ok = await client.post(
            f"/console/products/{product['id']}/evaluations",
            data=form | {"csrf_token": client.cookies.get(CSRF_COOKIE)},
        )
        assert ok.status_code == 303, ok.text


async def test_bad_input_re_renders_the_form_with_a_vietnamese_message(apps):
    product = await make_product(apps, (await make_producer(apps))["id"], gtin=None)
    username = await add_user(apps, "official")
    async with browser(apps, "registry") as client:
        await login(client, username)
        csrf = client.cookies.get(CSRF_COOKIE)
        url = f"/console/products/{product['id']}/evaluations"
        base = evaluation_form("30", "19", "25", csrf_token=csrf)
        cases = [
            ({"score_A": "45"}, "Điểm phần A phải từ 0 đến 40"),
            ({"score_A": "abc"}, "Điểm phần A: phải là số"),
            ({"evaluated_on": ""}, "Ngày đánh giá"),
            ({"level": "galaxy"}, "Cấp hội đồng"),
            ({"score_A": "1", "score_B": "1", "score_C": "1", "detail_A": "không có điểm"}, "Tên tiêu chí: điểm"),
        ]
        for fields, message in cases:
            r = await client.post(url, data=base | fields)
            assert 400 <= r.status_code < 500 and message in r.text, (fields, r.status_code, r.text[-1500:])
            assert "Nhập kết quả đánh giá" in r.text  # the form is shown again
        low = await client.post(url, data=base | {"score_A": "10", "score_B": "10", "score_C": "10"})
        assert low.status_code == 303
        ev = await apps.runtime("registry").db.evaluations.find_one({"product_id": product["id"]})
        r = await client.post(
            f"/console/evaluations/{ev['_id']}/certificate",
            data={"csrf_token": csrf, "decision_no": "12/QĐ-UBND", "issued_on": "2026-11-01"},
        )
        assert r.status_code == 422 and "chỉ sản phẩm từ 3★ mới được công nhận OCOP" in r.text
        r = await client.post(
            "/console/products/new",
            data={
                "csrf_token": csrf,
                "producer_id": product["producer_id"],
                "name": "X",
                "group": "food",
                "gtin": "123",
            },
        )
        assert r.status_code == 422 and "Tên: quá ngắn" in r.text
        assert (await client.get("/console/products/khong-co")).status_code == 404


async def test_a_producer_never_sees_another_producers_pages(apps):
    a, b = await make_producer(apps, name="HTX A"), await make_producer(apps, name="HTX B")
    pa = await make_product(apps, a["id"], name=f"Miến dong A {uuid.uuid4().hex[:4]}", gtin=None)
    pb = await make_product(apps, b["id"], name=f"Miến dong B {uuid.uuid4().hex[:4]}", gtin=None)
    cert = (await issue(apps, (await evaluate(apps, pb["id"], 33, 19, 25))["id"])).json()
    tr = apps["traceability"]
    owner_b = auth("producer", producer_id=b["id"])
    db = apps.runtime("traceability").db
    await copied(apps, b["id"], pb["id"], cert["id"])
    code = f"VN-19-{uuid.uuid4().hex[:6].upper()}"
    await add_area(tr, owner_b, b["id"], code, name="Ruộng dong B", crop="dong riềng", area_ha=2, geometry=polygon(0.3))
    batch = await add_batch(tr, owner_b, pb["id"], code, quantity=10)
    run = await order_stamps(tr, owner_b, batch["id"], 2)
    user_a = await add_user(apps, "producer", producer_id=a["id"])
    async with (
        browser(apps, "registry") as reg,
        browser(apps, "traceability") as trace,
        browser(apps, "marketplace_sync") as market,
    ):
        await login(reg, user_a)
        share_cookies(reg, trace)
        share_cookies(reg, market)
        mine = await reg.get("/console/products")
        assert pa["name"] in mine.text and pb["name"] not in mine.text
        assert (await reg.get(f"/console/products/{pa['id']}")).status_code == 200
        for path in (f"/console/products/{pb['id']}",):
            r = await reg.get(path)
            assert r.status_code == 404 and pb["name"] not in r.text and "Không tìm thấy" in r.text
        for path in (
            f"/console/batches/{batch['id']}",
            f"/console/runs/{run['id']}",
            f"/console/runs/{run['id']}/progress",
            f"/console/runs/{run['id']}/sheet.pdf",
            f"/console/runs/{run['id']}/sheet.pdf?format=roll&size=40x30",
            f"/console/runs/{run['id']}/labels.zpl?size=50x30&dpi=300",
            f"/console/runs/{run['id']}/codes.csv",
        ):
            r = await trace.get(path)
            assert r.status_code == 404, (path, r.status_code)
            assert pb["name"] not in r.text and batch["lot"] not in r.text
        csrf = reg.cookies.get(CSRF_COOKIE)
        for path in (f"/console/runs/{run['id']}/void", f"/console/runs/{run['id']}/activate"):
            assert (await trace.post(path, data={"csrf_token": csrf})).status_code == 404
        r = await trace.post(
            "/console/batches",
            data={
                "csrf_token": csrf,
                "product_id": pb["id"],
                "growing_area_code": code,
                "harvest_date": "2026-11-03",
                "quantity": "5",
                "unit": "kg",
            },
        )
        assert r.status_code == 404 and await db.batches.count_documents({"product_id": pb["id"]}) == 1
        for path in ("/console/batches", "/console/areas", "/console/scans", f"/console/batches?product_id={pb['id']}"):
            r = await trace.get(path)
            assert (
                r.status_code == 200 and pb["name"] not in r.text and code not in r.text and batch["lot"] not in r.text
            )
        r = await market.get("/console/listings")
        assert r.status_code == 200 and pb["name"] not in r.text
        assert (await market.get(f"/console/listings?product_id={pb['id']}")).status_code == 404
        # officials' pages and actions are closed to producers
        for path in ("/console/producers", "/console/reports", "/console/expiring", "/console/products/new"):
            assert (await reg.get(path)).status_code == 403
        r = await reg.post(
            f"/console/products/{pa['id']}/evaluations", data=evaluation_form("40", "25", "35", csrf_token=csrf)
        )
        assert r.status_code == 403
        assert (
            await reg.post(
                f"/console/certificates/{cert['id']}/revoke",
                data={"csrf_token": csrf, "reason": "xyz", "decision_no": "1/QĐ"},
            )
        ).status_code == 403
    # an official scoped to another province does not see the product either
    outsider = await add_user(apps, "official", provinces=("01",))
    async with browser(apps, "registry") as reg:
        await login(reg, outsider)
        assert (await reg.get(f"/console/products/{pb['id']}")).status_code == 404
        assert pb["name"] not in (await reg.get("/console/products")).text
    _ = OFFICIAL


async def test_logout_clears_the_session(apps):
    username = await add_user(apps, "official")
    async with browser(apps, "registry") as client:
        await login(client, username)
        assert (await client.get("/console/producers")).status_code == 200
        r = await client.post("/console/logout", data={"csrf_token": client.cookies.get(CSRF_COOKIE)})
        assert r.status_code == 303 and f'{SESSION_COOKIE}=""' in r.headers["set-cookie"]
        assert (await client.get("/console/producers")).status_code == 303


async def test_per_criterion_scores_add_up_to_the_part_scores(apps):
    product = await make_product(apps, (await make_producer(apps))["id"], gtin=None)
    username = await add_user(apps, "official")
    async with browser(apps, "registry") as client:
        await login(client, username)
        r = await client.post(
            f"/console/products/{product['id']}/evaluations",
            data=evaluation_form(
                "",  # part A: the sum of its criteria
                "19",
                "25",
                csrf_token=client.cookies.get(CSRF_COOKIE),
                detail_A="Nguồn nguyên liệu: 12\nSức mạnh cộng đồng: 10,5\nTổ chức sản xuất: 10",
            ),
        )
        assert r.status_code == 303, r.text[-1000:]
        ev = await apps.runtime("registry").db.evaluations.find_one({"product_id": product["id"]})
        assert ev["scores"]["A"] == 32.5 and ev["total"] == 76.5 and ev["stars"] == 4
        assert [c["criterion"] for c in ev["detail"]["A"]] == [
            "Nguồn nguyên liệu",
            "Sức mạnh cộng đồng",
            "Tổ chức sản xuất",
        ]


FORM_KEYS = [
    "username",
    "password",
    "next",
    "producer_id",
    "name",
    "group",
    "unit",
    "price_vnd",
    "gtin",
    "description",
    "level",
    "criteria_version",
    "evaluated_on",
    "score_A",
    "score_B",
    "score_C",
    "detail_A",
    "decision_no",
    "issued_on",
    "evaluation_id",
    "reason",
    "product_id",
    "growing_area_code",
    "harvest_date",
    "quantity",
    "lot",
    "count",
    "from_seq",
    "to_seq",
]
FORM_VALUES = [
    "",
    "x" * 5000,
    "-1",
    "0",
    "1e309",
    "nan",
    "inf",
    "2026-13-45",
    "2026-11-01",
    "abc",
    "Thái Nguyên",
    "99999999999999999999",
    "1,5",
    "33",
    "food",
    "province",
    "QD148-2023",
    "a: 1\nb:",
    '{"$gt": ""}',
    "//evil.example/",
    "https://evil.example/console",
]


async def test_random_form_input_on_every_console_form_never_causes_5xx(apps):
    import random

    rng = random.Random(20261124)
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"], gtin=None)
    ev = await evaluate(apps, product["id"], 33, 19, 25)
    cert = (await issue(apps, ev["id"])).json()
    official, owner = await add_user(apps, "official"), await add_user(apps, "producer", producer_id=producer["id"])
    registry_routes = [
        "/console/login",
        "/console/products/new",
        f"/console/products/{product['id']}/evaluations",
        f"/console/evaluations/{ev['id']}/certificate",
        "/console/evaluations/x/certificate",
        f"/console/certificates/{cert['id']}/renew",
        f"/console/certificates/{cert['id']}/upgrade",
        "/console/certificates/x/revoke",
        "/console/products/x/evaluations",
        "/console/logout",
    ]
    trace_routes = [
        "/console/batches",
        "/console/batches/x/stamp-runs",
        "/console/runs/x/void",
        "/console/runs/x/activate",
    ]
    for username in (official, owner):
        async with browser(apps, "registry") as reg, browser(apps, "traceability") as trace:
            await login(reg, username)
            share_cookies(reg, trace)
            csrf = reg.cookies.get(CSRF_COOKIE)
            for client, routes in ((reg, registry_routes), (trace, trace_routes)):
                for route in routes:
                    if route == "/console/logout":
                        continue
                    for _ in range(15):
                        form = {rng.choice(FORM_KEYS): rng.choice(FORM_VALUES) for _ in range(rng.randrange(0, 10))}
                        r = await client.post(route, data=form | {"csrf_token": csrf})
                        assert r.status_code < 500, (username, route, form, r.text[-800:])
            for path in (
                "/console/products?stars=abc&group=x&province=%00",
                "/console/expiring?days=abc",
                "/console/expiring?days=99999999999",
                "/console/producers?kind=x&q=" + "x" * 3000,
                "/console/reports/x.xlsx",
                "/console/login?next=https://evil.example/",
            ):
                assert (await reg.get(path)).status_code < 500, path
            for path in ("/console/runs/x?trang=99999999999999999999", "/console/batches?product_id=%24gt"):
                assert (await trace.get(path)).status_code < 500, path
        # a sign-in never sends the browser to another site
        async with browser(apps, "registry") as reg:
            page = await reg.get("/console/login?next=https://evil.example/")
            r = await reg.post(
                "/console/login",
                data={
                    "username": official,
                    "password": PASSWORD,
                    "csrf_token": csrf_of(page.text),
                    "next": "//evil.example/",
                },
            )
            assert r.status_code == 303 and r.headers["location"] == "/console/products"


async def test_producer_records_the_batch_journey_from_the_console(apps):
    producer, _product, _cert, run, urls = await make_run(apps, count=1)
    username = await add_user(apps, "producer", producer_id=producer["id"])
    intruder = await make_producer(apps, name="HTX khác")
    async with browser(apps, "registry") as reg, browser(apps, "traceability") as trace:
        assert (await login(reg, username)).status_code == 303
        share_cookies(reg, trace)
        page = await trace.get(f"/console/batches/{run['batch_id']}")
        assert page.status_code == 200 and 'name="place"' in page.text
        csrf = csrf_of(page.text)
        missing = await trace.post(
            f"/console/batches/{run['batch_id']}/events",
            data={"csrf_token": csrf, "type": "packing", "time": "2026-11-05T08:30", "place": ""},
        )
        assert missing.status_code == 422 and 'role="alert"' in missing.text, missing.text[:300]
        done = await trace.post(
            f"/console/batches/{run['batch_id']}/events",
            data={
                "csrf_token": csrf,
                "type": "packing",
                "time": "2026-11-05T08:30",
                "place": "Xưởng đóng gói Bản Tàn",
                "note": "Hộp 200 g",
            },
        )
        assert done.status_code == 303 and done.headers["location"].endswith("?ok=event")
        page = await trace.get(done.headers["location"].split("127.0.0.1", 1)[-1])
        assert "Xưởng đóng gói Bản Tàn" in page.text and "Đã ghi thêm một bước" in page.text
    # the consumer scanning the stamp sees the new step, at the local time entered
    scanned = (
        await apps["traceability"].get("/" + urls[0].split("/", 3)[3], headers={"Accept": "application/json"})
    ).json()
    step = next(e for e in scanned["events"] if e["place"] == "Xưởng đóng gói Bản Tàn")
    assert step["time"].startswith("2026-11-05T08:30:00+07:00")
    # another producer cannot write into this batch
    other = await add_user(apps, "producer", producer_id=intruder["id"])
    async with browser(apps, "registry") as reg, browser(apps, "traceability") as trace:
        await login(reg, other)
        share_cookies(reg, trace)
        own_page = await trace.get("/console/batches")
        denied = await trace.post(
            f"/console/batches/{run['batch_id']}/events",
            data={
                "csrf_token": csrf_of(own_page.text) if "csrf_token" in own_page.text else "",
                "type": "packing",
                "time": "2026-11-05T08:30",
                "place": "Giả mạo",
            },
        )
        assert denied.status_code == 404


async def test_a_user_changes_their_password(apps):
    producer = await make_producer(apps)
    username = await add_user(apps, "producer", producer_id=producer["id"])
    async with browser(apps, "registry") as client:
        await login(client, username)
        page = await client.get("/console/password")
        assert page.status_code == 200 and 'for="new_password"' in page.text
        csrf = {"csrf_token": csrf_of(page.text)}

        async def change(current: str, new: str, confirm: str, token: dict = csrf):
            form = {"current_password": current, "new_password": new, "confirm_password": confirm}
            return await client.post("/console/password", data=token | form)

        wrong = await change("sai-mat-khau", "moi-dai-du-9", "moi-dai-du-9")
        assert wrong.status_code == 401 and "không đúng" in wrong.text
        mismatch = await change(PASSWORD, "moi-dai-du-9", "khac-hoan-toan")
        assert mismatch.status_code == 422 and "không khớp" in mismatch.text
        short = await change(PASSWORD, "mat-khau-11", "mat-khau-11")  # 11 characters (ASVS 2.1.1: 12 at least)
        assert short.status_code == 422 and "ít nhất 12 ký tự" in short.text
        long = await change(PASSWORD, "x" * 129, "x" * 129)
        assert long.status_code == 422 and "tối đa 128 ký tự" in long.text
        no_csrf = await change(PASSWORD, "moi-dai-du-9", "moi-dai-du-9", token={})
        assert no_csrf.status_code == 403
        done = await change(PASSWORD, "moi-dai-du-9", "moi-dai-du-9")
        assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text
    async with browser(apps, "registry") as client:
        assert (await login(client, username)).status_code == 401  # the old password no longer works
    async with browser(apps, "registry") as client:
        assert (await login(client, username, "moi-dai-du-9")).status_code == 303


async def test_producer_registers_a_growing_area_from_gps_points(apps):
    producer = await make_producer(apps, name="HTX vùng mới", commune="Xã Chợ Đồn")
    username = await add_user(apps, "producer", producer_id=producer["id"])
    db = apps.runtime("traceability").db
    await eventually(lambda: db.producers.find_one({"_id": producer["id"]}))
    code = f"VN-19-064-02020-{uuid.uuid4().int % 900 + 100}"
    boundary = "22.1862, 105.5731\n22.1849, 105.5802\n22.1903, 105.5829\n22.1941, 105.5776"
    async with browser(apps, "registry") as reg, browser(apps, "traceability") as trace:
        await login(reg, username)
        share_cookies(reg, trace)
        page = await trace.get("/console/areas")
        assert page.status_code == 200 and 'for="area-boundary"' in page.text and 'name="producer_id"' not in page.text
        csrf = csrf_of(page.text)
        bad = await trace.post(
            "/console/areas",
            data={
                "csrf_token": csrf,
                "code": code,
                "name": "Đồi chè mới",
                "crop": "chè",
                "boundary": "22.18, 105.57\n22.19, 105.58",
            },
        )
        assert bad.status_code == 422 and "ít nhất 3 điểm" in bad.text and "Đồi chè mới" in bad.text  # form kept
        done = await trace.post(
            "/console/areas",
            data={
                "csrf_token": csrf,
                "code": code.lower(),
                "name": "Đồi chè mới",
                "crop": "chè Shan tuyết",
                "commune": "Xã Chợ Đồn",
                "boundary": boundary,
                "producer_id": "someone-else",
            },
        )
        assert done.status_code == 303, done.text[:500]
        again = await trace.post(
            "/console/areas",
            data={"csrf_token": csrf, "code": code, "name": "Trùng mã", "crop": "chè", "boundary": boundary},
        )
        assert again.status_code == 409 and "đã được đăng ký" in again.text
    area = await db.growing_areas.find_one({"_id": code})
    assert area["producer_id"] == producer["id"]  # a producer registers for itself, whatever the form says
    assert area["province"]["code"] == "19" and 50 < area["area_ha"] < 65  # computed from the outline (≈57 ha)
    assert area["geometry"]["coordinates"][0][0] == [105.5731, 22.1862]


async def test_officials_resync_listings_within_their_scope(apps):
    _producer, product, _cert = await certified_product(apps)  # HTX Hồng Xuân, Bắc Ninh (24)
    await both(apps, product["id"], "published")
    inside = await add_user(apps, "official", provinces=("24",))
    outside = await add_user(apps, "official", provinces=("19",))
    async with browser(apps, "registry") as reg, browser(apps, "marketplace_sync") as market:
        await login(reg, inside)
        share_cookies(reg, market)
        page = await market.get("/console/listings")
        assert page.status_code == 200 and "Vải thiều Lục Ngạn" in page.text and "Đồng bộ lại" in page.text
        done = await market.post(
            "/console/listings/resync", data={"csrf_token": csrf_of(page.text), "product_id": product["id"]}
        )
        assert done.status_code == 303 and done.headers["location"].endswith("?ok=resync")
    await both(apps, product["id"], "published")  # pushed again and reconciled: still exactly one listing each
    async with browser(apps, "registry") as reg, browser(apps, "marketplace_sync") as market:
        await login(reg, outside)
        share_cookies(reg, market)
        page = await market.get("/console/listings")
        assert product["id"] not in page.text and "Vải thiều Lục Ngạn" not in page.text  # another province's product
        denied = await market.post(
            "/console/listings/resync", data={"csrf_token": csrf_of(page.text), "product_id": product["id"]}
        )
        assert denied.status_code == 404
    api = await apps["marketplace_sync"].get(
        "/api/v1/listings", params={"product_id": product["id"]}, headers=auth("official", provinces=("19",))
    )
    assert api.status_code == 200 and api.json() == []


async def test_each_console_starts_on_its_first_page_for_a_signed_in_user(apps):
    username = await add_user(apps, "official")
    async with browser(apps, "registry") as registry:
        assert (await login(registry, username)).status_code == 303
        for service, first in (("traceability", "/batches"), ("marketplace_sync", "/listings")):
            async with browser(apps, service) as client:
                r = await client.get("/console")
                assert r.status_code == 303 and "/console/login?next=" in r.headers["location"]  # no session yet
                share_cookies(registry, client)
                r = await client.get("/console")
                assert r.status_code == 303 and r.headers["location"] == f"/console{first}", service
                assert (await client.get(r.headers["location"])).status_code == 200
