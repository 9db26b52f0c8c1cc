"""Dossiers and councils through the console (browser-like HTTP sessions with cookies and CSRF tokens): a
producer's draft to a certificate via a three-member council, the return with comments per item, hostile
uploads refused on the page with nothing lost, hidden scores until the chair closes, the renewal notice."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from conftest import auth
from ocop_registry.domain.certificate import add_months
from ocop_shared.console import CSRF_COOKIE
from tests.support.console import add_user, browser, login
from tests.support.dossiers import food_scores, image_bytes, pdf_bytes
from tests.support.registry import OFFICIAL, issue, make_producer, make_product

pytestmark = pytest.mark.integration


def _form(client, **fields) -> dict[str, str]:
    return {"csrf_token": client.cookies.get(CSRF_COOKIE)} | fields


def _sheet_form(client, scores: dict[str, float]) -> dict[str, str]:
    return _form(client, **{f"s_{code}": f"{value:g}".replace(".", ",") for code, value in scores.items()})


async def _signed_in(apps, username: str):
    client = browser(apps, "registry")
    await client.__aenter__()
    r = await login(client, username)
    assert r.status_code == 303, r.text
    return client


async def test_producer_to_certificate_through_the_console(apps):
    reg = apps["registry"]
    producer = await make_producer(apps, name=f"HTX Chè Tân Cương {uuid.uuid4().hex[:4]}")
    product = await make_product(apps, producer["id"], name=f"Chè búp Tân Cương {uuid.uuid4().hex[:6]}", group="food")
    owner_name = await add_user(apps, "producer", producer_id=producer["id"])
    official_name = await add_user(apps, "official")
    members = [await add_user(apps, "council_member") for _ in range(3)]
    owner, official = await _signed_in(apps, owner_name), await _signed_in(apps, official_name)
    try:
        # the producer starts a dossier from the list page and fills in the registration form
        page = await owner.get("/console/dossiers")
        assert page.status_code == 200 and "Lập hồ sơ mới" in page.text and product["name"] in page.text
        r = await owner.post(
            "/console/dossiers/new", data=_form(owner, product_id=product["id"], kind="new", cycle_year="2026")
        )
        assert r.status_code == 303, r.text
        dossier_url = r.headers["location"].split("?")[0]
        dossier_id = dossier_url.rsplit("/", 1)[1]
        plan = "Mở rộng đồi chè 5 ha, đóng gói túi zip, bán qua sàn postmart."
        r = await owner.post(
            f"{dossier_url}/form",
            data=_form(owner, business_plan=plan, production_capacity="8 tấn/năm", target_stars="4"),
        )
        assert r.status_code == 303
        # a PDF filed against two criteria; a disguised and an oversize file are refused on the page
        r = await owner.post(
            f"{dossier_url}/evidence",
            data=_form(owner, title="Hợp đồng mua chè búp tươi", criteria="A1.1"),
            files={"file": ("hợp đồng.pdf", pdf_bytes(2), "application/pdf")},
        )
        assert r.status_code == 303, r.text
        disguised = await owner.post(
            f"{dossier_url}/evidence",
            data=_form(owner, title="Ảnh nhà xưởng", criteria="A1.2"),
            files={"file": ("nha-xuong.png", b"<html><script>alert(1)</script></html>", "image/png")},
        )
        assert disguised.status_code in (415, 422) and "notice bad" in disguised.text
        huge = await owner.post(
            f"{dossier_url}/evidence",
            data=_form(owner, title="Ảnh quá lớn", criteria="A1.2"),
            files={"file": ("lon.png", image_bytes() + b"\0" * (20 * 1024 * 1024), "image/png")},
        )
        assert huge.status_code == 413
        no_token = await owner.post(
            f"{dossier_url}/evidence",
            data={"title": "Không có mã CSRF", "criteria": "A1.2"},
            files={"file": ("anh.png", image_bytes(), "image/png")},
        )
        assert no_token.status_code == 403
        stored = (await reg.get(f"/api/v1/dossiers/{dossier_id}", headers=OFFICIAL)).json()
        assert [e["title"] for e in stored["evidence"]] == ["Hợp đồng mua chè búp tươi"]  # nothing else, nothing lost
        assert stored["form"]["business_plan"] == plan and stored["form"]["target_stars"] == 4
        evidence_id = stored["evidence"][0]["id"]
        download = await owner.get(f"{dossier_url}/evidence/{evidence_id}")
        assert download.status_code == 200 and download.content.startswith(b"%PDF")
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert (await owner.post(f"{dossier_url}/submit", data=_form(owner))).status_code == 303

        # the official returns it with a comment on the form and one on the document
        page = await official.get(dossier_url)
        assert "Trả lại để bổ sung" in page.text and "Tiếp nhận" in page.text
        r = await official.post(
            f"{dossier_url}/return",
            data=_form(
                official,
                comment="Bổ sung minh chứng",
                item_form="Ghi rõ công suất theo năm",
                **{f"item_{evidence_id}": "Hợp đồng thiếu chữ ký"},
            ),
        )
        assert r.status_code == 303, r.text
        page = await owner.get(dossier_url)
        assert "Ghi rõ công suất theo năm" in page.text and "Hợp đồng thiếu chữ ký" in page.text
        assert "Nộp lại hồ sơ" in page.text
        wrong = await official.post(f"{dossier_url}/accept", data=_form(official))  # returned: not acceptable now
        assert wrong.status_code == 409 and "trạng thái" in wrong.text
        r = await owner.post(
            f"{dossier_url}/evidence",
            data=_form(owner, title="Ảnh xưởng chế biến", criteria="A1.2"),
            files={"file": ("xuong.jpg", image_bytes("JPEG"), "image/jpeg")},
        )
        assert r.status_code == 303
        assert (await owner.post(f"{dossier_url}/submit", data=_form(owner))).status_code == 303
        assert (await official.post(f"{dossier_url}/accept", data=_form(official))).status_code == 303

        # the official forms a three-member council with the dossier from the councils page
        page = await official.get("/console/councils")
        assert product["name"] in page.text  # among the accepted dossiers offered
        r = await official.post(
            "/console/councils/new",
            data=_form(
                official,
                name=f"Hội đồng OCOP tỉnh Thái Nguyên {uuid.uuid4().hex[:4]}",
                level="province",
                province="19",
                meeting_on="2026-11-20",
                chair=members[0],
                members="\n".join(members[1:]),
                dossier_ids=dossier_id,
            ),
        )
        assert r.status_code == 303, r.text
        council_url = r.headers["location"].split("?")[0]

        sheets = [food_scores(30, 18, 26), food_scores(31, 19, 27), food_scores(29, 18, 25)]  # 74, 77, 72
        clients = [await _signed_in(apps, m) for m in members]
        try:
            first, second, third = clients
            score_url = f"{council_url}/dossiers/{dossier_id}/score"
            page = await first.get(score_url)
            assert page.status_code == 200 and 'name="s_A1.1"' in page.text
            bad = dict(_sheet_form(first, sheets[0]), **{"s_A1.1": "99"})
            refused = await first.post(score_url, data=bad)
            assert refused.status_code == 422 and "A1.1" in refused.text
            assert (await first.post(score_url, data=_sheet_form(first, sheets[0]))).status_code == 303
            again = await first.post(score_url, data=_sheet_form(first, sheets[0]))
            assert again.status_code == 409  # a sheet is final
            # before the chair closes, the second member does not see the first member's score
            page = await second.get(council_url)
            assert "1/3" in page.text and members[0] + " 74" not in page.text and "Chấm điểm" in page.text
            assert (await second.post(score_url, data=_sheet_form(second, sheets[1]))).status_code == 303
            assert (await third.post(score_url, data=_sheet_form(third, sheets[2]))).status_code == 303
            not_chair = await second.post(f"{council_url}/close", data=_form(second))
            assert not_chair.status_code == 403
            assert (await first.post(f"{council_url}/close", data=_form(first))).status_code == 303
            page = await third.get(council_url)
            assert members[0] in page.text and "74,33" in page.text  # (74 + 77 + 72) / 3 = 74.333… → 74,33
        finally:
            for c in clients:
                await c.__aexit__(None, None, None)

        # the official records the decision: the certificate is issued, the appendix downloads
        r = await official.post(
            f"{council_url}/decision", data=_form(official, decision_no="2150/QĐ-UBND", issued_on="2026-11-30")
        )
        assert r.status_code == 303, r.text
        cert = (await reg.get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()["certificate"]
        assert (cert["stars"], cert["decision_no"], cert["status"]) == (4, "2150/QĐ-UBND", "active")
        pdf = await official.get(f"{council_url}/appendix.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        page = await owner.get(dossier_url)
        assert "Đã có quyết định" in page.text and "2150/QĐ-UBND" in page.text and "74,33" in page.text
    finally:
        await owner.__aexit__(None, None, None)
        await official.__aexit__(None, None, None)


async def test_console_keeps_each_one_to_their_own(apps):
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"], group="food")
    other = await make_producer(apps)
    owner_name = await add_user(apps, "producer", producer_id=producer["id"])
    other_name = await add_user(apps, "producer", producer_id=other["id"])
    outsider_name = await add_user(apps, "council_member")
    owner = await _signed_in(apps, owner_name)
    try:
        r = await owner.post(
            "/console/dossiers/new", data=_form(owner, product_id=product["id"], kind="new", cycle_year="2026")
        )
        dossier_url = r.headers["location"].split("?")[0]
        duplicate = await owner.post(
            "/console/dossiers/new", data=_form(owner, product_id=product["id"], kind="new", cycle_year="2026")
        )
        assert duplicate.status_code == 409
        for name in (other_name, outsider_name):
            stranger = await _signed_in(apps, name)
            try:
                assert (await stranger.get(dossier_url)).status_code == 404
                r = await stranger.post(
                    f"{dossier_url}/evidence",
                    data=_form(stranger, title="Tài liệu lạ", criteria="A1.1"),
                    files={"file": ("a.pdf", pdf_bytes(), "application/pdf")},
                )
                assert r.status_code in (403, 404)
                assert product["name"] not in (await stranger.get("/console/dossiers")).text
            finally:
                await stranger.__aexit__(None, None, None)
        # a producer never reaches the official's actions
        assert (await owner.post(f"{dossier_url}/accept", data=_form(owner))).status_code == 403
        assert (await owner.post("/console/councils/new", data=_form(owner, name="x"))).status_code == 403
    finally:
        await owner.__aexit__(None, None, None)


async def test_renewal_notice_starts_a_prefilled_renewal_dossier(apps):
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"], group="food")
    owner_token = auth("producer", producer_id=producer["id"])
    first = await apps["registry"].post(
        "/api/v1/dossiers",
        headers=owner_token,
        json={"product_id": product["id"], "cycle_year": 2023, "form": {"business_plan": "Phương án năm 2023"}},
    )
    assert first.status_code == 201, first.text
    # a certificate that ends in 40 days (36 months of validity)
    issued_on = add_months(date.today() + timedelta(days=40), -36).isoformat()
    ev = await apps["registry"].post(
        f"/api/v1/products/{product['id']}/evaluations",
        headers=OFFICIAL,
        json={
            "level": "province",
            "criteria_version": "QD148-2023",
            "scores": {"A": 30, "B": 18, "C": 26},
            "evaluated_on": issued_on,
        },
    )
    assert ev.status_code == 201, ev.text
    assert (await issue(apps, ev.json()["id"], issued_on=issued_on)).status_code == 201
    owner = await _signed_in(apps, await add_user(apps, "producer", producer_id=producer["id"]))
    try:
        page = await owner.get("/console/dossiers")
        assert "Cần nộp hồ sơ đánh giá lại" in page.text and product["name"] in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = await owner.post(
            "/console/dossiers/new",
            data={"csrf_token": token, "product_id": product["id"], "kind": "renewal", "cycle_year": "2026"},
        )
        assert r.status_code == 303, r.text
        page = await owner.get(r.headers["location"])
        assert "Đánh giá lại" in page.text and "Phương án năm 2023" in page.text
        assert "Mở hồ sơ đánh giá lại" in (await owner.get("/console/dossiers")).text
    finally:
        await owner.__aexit__(None, None, None)


DOSSIER_KEYS = [
    "product_id",
    "cycle_year",
    "kind",
    "sub_group",
    "business_plan",
    "production_capacity",
    "target_stars",
    "title",
    "criteria",
    "comment",
    "item_form",
    "criterion_ref",
    "criterion_comment",
    "name",
    "level",
    "province",
    "meeting_on",
    "chair",
    "members",
    "dossier_ids",
    "dossier_id",
    "reason",
    "decision_no",
    "issued_on",
    "s_A",
    "s_B",
    "s_C",
    "s_A1.1",
    "s_$where",
]


async def test_random_input_on_every_dossier_and_council_form_never_causes_5xx(apps):
    import random

    from tests.integration.test_console_http import FORM_VALUES
    from tests.support.dossiers import form_council, start_dossier

    rng = random.Random(20261201)
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"], group="food")
    owner_token = auth("producer", producer_id=producer["id"])
    dossier = await start_dossier(apps, product["id"], owner_token)
    official, owner = await add_user(apps, "official"), await add_user(apps, "producer", producer_id=producer["id"])
    members = [await add_user(apps, "council_member") for _ in range(3)]
    council = await form_council(
        apps, [{"username": m, "role": "chair" if n == 0 else "member"} for n, m in enumerate(members)], []
    )
    d, c = f"/console/dossiers/{dossier['id']}", f"/console/councils/{council['id']}"
    routes = [
        "/console/dossiers/new",
        f"{d}/form",
        f"{d}/evidence",
        f"{d}/evidence/x/remove",
        f"{d}/submit",
        f"{d}/return",
        f"{d}/accept",
        "/console/dossiers/x/submit",
        "/console/councils/new",
        f"{c}/dossiers",
        f"{c}/conflicts",
        f"{c}/close",
        f"{c}/decision",
        f"{c}/dossiers/{dossier['id']}/score",
        "/console/councils/x/close",
        "/console/councils/x/dossiers/y/score",
    ]
    for username in (official, owner, members[0]):
        async with browser(apps, "registry") as client:
            await login(client, username)
            csrf = client.cookies.get(CSRF_COOKIE)
            for route in routes:
                for n in range(12):
                    form = {rng.choice(DOSSIER_KEYS): rng.choice(FORM_VALUES) for _ in range(rng.randrange(0, 10))}
                    files = None
                    if route.endswith("/evidence") and n % 2:
                        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
                        files = {"file": (rng.choice(["a.pdf", "../../x.png", "", "ả.jpg"]), junk, "image/png")}
                    r = await client.post(route, data=form | {"csrf_token": csrf}, files=files)
                    assert r.status_code < 500, (username, route, form, r.text[-800:])
            for path in (
                "/console/dossiers?status=x&year=99999999999999999",
                "/console/dossiers?year=-1",
                f"{d}/evidence/x",
                "/console/councils/x",
                f"{c}/dossiers/x/score",
                f"{c}/appendix.pdf",
            ):
                assert (await client.get(path)).status_code < 500, path
