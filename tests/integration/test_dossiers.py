"""Dossiers and councils through the HTTP API, over the wire to the embedded broker and database: a
producer's draft to a certificate via a three-member council; the refusals (wrong state, duplicate scores,
oversize and disguised files, tied members, hidden scores); renewal and upgrade; the events; the appendix."""

from __future__ import annotations

import io
import json
import uuid
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest

from conftest import auth
from ocop_registry.domain.certificate import add_months
from ocop_shared.events.models import REGISTRY
from tests.support.dossiers import (
    BUSINESS_PLAN,
    accepted_dossier,
    auth_as,
    file_evidence,
    food_scores,
    form_council,
    image_bytes,
    panel,
    pdf_bytes,
    score,
    start_dossier,
    upload,
)
from tests.support.kafka import read_topic
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product

pytestmark = pytest.mark.integration


async def food_product(apps, **overrides):
    producer = await make_producer(apps, name=f"HTX Miến dong {uuid.uuid4().hex[:4]}", commune="Xã Na Rì")
    product = await make_product(
        apps, producer["id"], name=f"Miến dong Na Rì {uuid.uuid4().hex[:6]}", group="food", **overrides
    )
    return producer, product, auth("producer", producer_id=producer["id"])


def _dossier_events(records, dossier_id: str) -> list[dict]:
    out = []
    for r in records:
        try:
            e = json.loads(r.value)
        except ValueError:
            continue
        if isinstance(e, dict) and e.get("subject") == dossier_id and ".dossier." in e.get("type", ""):
            out.append(e)
    return out


async def test_draft_to_certificate_through_a_three_member_council(apps, stack):
    reg = apps["registry"]
    _producer, product, owner = await food_product(apps)
    # the producer's draft: the form is prefilled from the registry
    dossier = await start_dossier(apps, product["id"], owner)
    assert dossier["status"] == "draft" and dossier["form"]["product_name"] == product["name"]
    assert dossier["form"]["group"] == "food" and dossier["criteria_version"] == "QD148-2023"
    # submitting without evidence is refused; evidence is filed against criteria of the food sheet
    r = await reg.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=owner)
    assert r.status_code == 422 and "tài liệu minh chứng" in r.json()["error"]["message"]
    pdf = await file_evidence(
        apps, dossier["id"], owner, data=pdf_bytes(3), filename="Hợp đồng liên kết.pdf", criteria="A1.4,A1.1"
    )
    assert (pdf["content_type"], pdf["pages"], pdf["criteria"]) == ("application/pdf", 3, ["A1.4", "A1.1"])
    photo = await file_evidence(
        apps,
        dossier["id"],
        owner,
        data=image_bytes("JPEG"),
        filename="bao-bi.jpeg",
        criteria="A1.7",
        title="Ảnh bao bì",
    )
    assert photo["content_type"] == "image/jpeg" and photo["width"] == 64
    # the producer submits; the official returns it with a comment on the form and one on the photo
    r = await reg.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=owner)
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = await reg.post(
        f"/api/v1/dossiers/{dossier['id']}/return",
        headers=OFFICIAL,
        json={
            "comment": "Bổ sung phiếu kiểm nghiệm",
            "items": [
                {"ref": "form", "comment": "Ghi rõ công suất"},
                {"ref": photo["id"], "comment": "Ảnh mờ"},
                {"ref": "C2.2", "comment": "Thiếu phiếu kiểm nghiệm an toàn thực phẩm"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    returned = r.json()
    assert returned["status"] == "returned" and len(returned["reviews"][-1]["items"]) == 3
    # the producer answers: the form, a new PNG, then resubmits; the official accepts
    r = await reg.patch(f"/api/v1/dossiers/{dossier['id']}", headers=owner, json={"production_capacity": "12 tấn/năm"})
    assert r.status_code == 200 and r.json()["form"]["production_capacity"] == "12 tấn/năm"
    await file_evidence(
        apps, dossier["id"], owner, data=image_bytes("PNG"), filename="kiem-nghiem.png", criteria="C2.2"
    )
    r = await reg.post(f"/api/v1/dossiers/{dossier['id']}/submit", headers=owner)
    assert r.json()["status"] == "resubmitted"
    r = await reg.post(f"/api/v1/dossiers/{dossier['id']}/accept", headers=OFFICIAL)
    assert r.json()["status"] == "accepted"
    # the accepted dossier no longer changes
    r = await reg.patch(f"/api/v1/dossiers/{dossier['id']}", headers=owner, json={"business_plan": BUSINESS_PLAN * 2})
    assert r.status_code == 409 and r.json()["error"]["code"] == "dossier_wrong_status"

    # a three-member council of the province scores it; each member sees only their own sheet
    members = await panel(apps, 3)
    council = await form_council(apps, members.members(), [dossier["id"]])
    assert council["status"] == "open" and council["dossiers"][0]["expected"] == 3
    sheets = [food_scores(30, 18, 26), food_scores(32, 19, 27), food_scores(31, 18, 25)]  # 74, 78, 74
    for n, sheet in enumerate(sheets):
        r = await score(apps, council["id"], dossier["id"], members.token(n), sheet)
        assert r.status_code == 201, r.text
    r = await score(apps, council["id"], dossier["id"], members.token(1), sheets[1])
    assert r.status_code == 409 and r.json()["error"]["code"] == "score_already_submitted"
    seen = (await reg.get(f"/api/v1/councils/{council['id']}", headers=members.token(1))).json()
    assert [s["member"] for s in seen["scores"]] == [members.usernames[1]]  # not the others' (still open)
    as_official = (await reg.get(f"/api/v1/councils/{council['id']}", headers=OFFICIAL)).json()
    assert as_official["scores"] == [] and as_official["dossiers"][0]["sheets"] == 3
    # only the chair closes; the result is the average: (74 + 78 + 74) / 3 = 75.33 → 4★
    r = await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(1))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_the_chair"
    r = await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(0))
    assert r.status_code == 200, r.text
    closed = r.json()
    result = closed["dossiers"][0]["result"]
    assert result["total"] == 75.33 and result["stars"] == 4 and result["members"] == 3
    assert result["scores"] == {"A": 31.0, "B": 18.33, "C": 26.0}
    assert len(closed["scores"]) == 3  # every sheet, now the council is closed
    # the decision: a certificate through the existing rules (province council: up to 4★)
    r = await reg.post(
        f"/api/v1/councils/{council['id']}/decision",
        headers=OFFICIAL,
        json={"decision_no": "1902/QĐ-UBND", "issued_on": date.today().isoformat()},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "decided"
    decided = (await reg.get(f"/api/v1/dossiers/{dossier['id']}", headers=owner)).json()
    assert decided["status"] == "decided" and decided["outcome"]["recognised"] is True
    cert = (await reg.get(f"/api/v1/products/{product['id']}", headers=owner)).json()["certificate"]
    assert cert["certificate_id"] == decided["outcome"]["certificate_id"]
    assert (cert["stars"], cert["decision_no"], cert["status"]) == (4, "1902/QĐ-UBND", "active")
    # the appendix (a real PDF, read back with PDFium) lists the product, its producer and its stars
    r = await reg.get(f"/api/v1/councils/{council['id']}/appendix.pdf", headers=OFFICIAL)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    doc = pdfium.PdfDocument(r.content)
    text = " ".join(" ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))).split())
    assert "PHỤ LỤC" in text and product["name"] in text and "4 sao" in text and "1902/QĐ-UBND" in text
    # every transition is an event on ocop.registry.v1, keyed by the product, in order
    wanted = ["created", "submitted", "returned", "resubmitted", "accepted", "evaluated", "decided"]
    records = await read_topic(stack, REGISTRY, lambda rs: len(_dossier_events(rs, dossier["id"])) >= len(wanted))
    found = _dossier_events(records, dossier["id"])
    assert [e["type"].split(".")[-2] for e in found] == wanted
    assert [e["data"]["version"] for e in found] == list(range(1, 8))
    assert {e["partitionkey"] for e in found} == {product["id"]}
    assert found[-1]["data"]["certificate_id"] == cert["certificate_id"] and found[-2]["data"]["stars"] == 4


async def test_evidence_is_checked_by_content_and_never_served_inline(apps):
    reg = apps["registry"]
    _producer, product, owner = await food_product(apps)
    dossier = await start_dossier(apps, product["id"], owner)
    url = f"/api/v1/dossiers/{dossier['id']}/evidence"
    html = b"<html><script>alert(1)</script></html>"
    cases = {
        "html named .pdf": upload(html, "giay-phep.pdf"),
        "html after a PDF signature": upload(b"%PDF-1.7\n" + html, "fake.pdf"),
        "png header, no image": upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "anh.png"),
        "truncated jpeg": upload(image_bytes("JPEG", (400, 300))[:600], "cat.jpg"),
        "gif": upload(b"GIF89a" + b"\x00" * 50, "anh.gif"),
        "empty": upload(b"", "rong.pdf"),
        "unknown criterion": upload(pdf_bytes(), "a.pdf", criteria="Z9"),
        "no criterion": upload(pdf_bytes(), "a.pdf", criteria=""),
    }
    kept = await file_evidence(apps, dossier["id"], owner, data=pdf_bytes(3), filename="truoc.pdf")  # filed before
    db = apps.runtime("registry").db
    files_before = len(await db["evidence.files"].find({}, {"_id": 1}).to_list(None))
    for name, args in cases.items():
        r = await reg.post(url, headers=owner, **args)
        assert r.status_code == 422, f"{name}: {r.status_code} {r.text}"
        assert r.json()["error"]["code"] == "invalid_evidence", name
    # oversize: refused from its declared length, and also when it streams in without one
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024 + 10)
    r = await reg.post(url, headers=owner, **upload(big, "lon.pdf"))
    # the upload body limit (20 MB, form included) or the evidence rule answers first: both are 413
    assert r.status_code == 413 and r.json()["error"]["code"] in ("file_too_large", "body_too_large")

    async def stream():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        for _ in range(25):
            yield b"0" * (1024 * 1024)

    r = await reg.post(url, headers=owner | {"Content-Type": "multipart/form-data; boundary=x"}, content=stream())
    assert r.status_code == 413, r.text
    r = await reg.post(url, headers=owner, json={"file": "x"})
    assert r.status_code == 415
    # nothing was stored by the refused uploads, and nothing was lost: the document filed before is intact
    assert len(await db["evidence.files"].find({}, {"_id": 1}).to_list(None)) == files_before
    current = (await reg.get(f"/api/v1/dossiers/{dossier['id']}", headers=owner)).json()
    assert [e["id"] for e in current["evidence"]] == [kept["id"]]
    assert (await reg.get(kept["download"], headers=owner)).content == pdf_bytes(3)
    # a PDF named .exe is stored as a PDF, named .pdf, and served as an attachment with nosniff
    stored = await file_evidence(apps, dossier["id"], owner, data=pdf_bytes(), filename="../../giay-phep.exe")
    assert stored["filename"] == "giay-phep.exe.pdf" and stored["content_type"] == "application/pdf"
    r = await reg.get(stored["download"], headers=owner)
    assert r.status_code == 200 and r.content == pdf_bytes()
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in r.headers["content-security-policy"]
    # another producer and an official of another province see nothing of it
    other = auth("producer", producer_id="000000000000000000000000")
    assert (await reg.get(stored["download"], headers=other)).status_code == 404
    assert (await reg.get(stored["download"], headers=auth("official", provinces=("24",)))).status_code == 404
    # removed: gone from the dossier and from the store
    r = await reg.delete(stored["download"], headers=owner)
    assert r.status_code == 204
    assert (await reg.get(stored["download"], headers=owner)).status_code == 404
    assert await db["evidence.files"].find_one({"metadata.evidence_id": stored["id"]}) is None


async def test_wrong_state_transitions_answer_409(apps):
    reg = apps["registry"]
    _producer, product, owner = await food_product(apps)
    dossier = await start_dossier(apps, product["id"], owner)
    base = f"/api/v1/dossiers/{dossier['id']}"
    assert (await reg.post(f"{base}/accept", headers=OFFICIAL)).status_code == 409  # a draft is not accepted
    r = await reg.post(f"{base}/return", headers=OFFICIAL, json={"comment": "thiếu"})
    assert r.status_code == 409 and "Đang soạn" in r.json()["error"]["message"]
    await file_evidence(apps, dossier["id"], owner)
    assert (await reg.post(f"{base}/submit", headers=owner)).status_code == 200
    assert (await reg.post(f"{base}/submit", headers=owner)).status_code == 409  # submitted twice
    r = await reg.post(f"{base}/evidence", headers=owner, **upload(pdf_bytes(), "b.pdf"))
    assert r.status_code == 409  # no new evidence while under review
    assert (await reg.post(f"{base}/accept", headers=owner)).status_code == 403  # a producer does not accept
    r = await reg.post(f"{base}/return", headers=OFFICIAL, json={"items": [{"ref": "nope", "comment": "xx"}]})
    assert r.status_code == 422
    # one dossier per product and year
    r = await reg.post(
        "/api/v1/dossiers", headers=owner, json={"product_id": product["id"], "cycle_year": 2026, "kind": "new"}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_dossier"
    # a council cannot take a dossier that is not accepted; closing with missing sheets is refused
    members = await panel(apps, 3)
    r = await apps["registry"].post(
        "/api/v1/councils",
        headers=OFFICIAL,
        json={
            "name": "Hội đồng thử",
            "level": "province",
            "province": "19",
            "meeting_on": "2026-10-20",
            "members": members.members(),
            "dossier_ids": [dossier["id"]],
        },
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "dossier_wrong_status", r.text


async def test_tied_members_are_refused_and_the_rest_decide(apps):
    reg = apps["registry"]
    producer, product, owner = await food_product(apps)
    dossier = await accepted_dossier(apps, product["id"], owner)
    # member 3 works for the producer; member 1 is declared in conflict by the official; member 2 recuses
    members = await panel(apps, 5, affiliations={3: producer["id"]})
    council = await form_council(apps, members.members({1: [producer["id"]]}), [dossier["id"]])
    assert council["dossiers"][0]["expected"] == 3  # 5 members, 2 tied
    for n in (3, 1):
        r = await score(apps, council["id"], dossier["id"], members.token(n), food_scores())
        assert r.status_code == 403 and r.json()["error"]["code"] == "member_tied_to_producer", r.text
    r = await reg.post(
        f"/api/v1/councils/{council['id']}/conflicts",
        headers=members.token(2),
        json={"dossier_id": dossier["id"], "reason": "Người thân làm việc cho chủ thể"},
    )
    assert r.status_code == 200 and r.json()["dossiers"][0]["expected"] == 2
    assert (await score(apps, council["id"], dossier["id"], members.token(2), food_scores())).status_code == 403
    # a member who is no member: 404 for a council member account, 403 for an official of the province
    outsider = auth_as("not-a-member")
    assert (await reg.get(f"/api/v1/councils/{council['id']}", headers=outsider)).status_code == 404
    r = await score(apps, council["id"], dossier["id"], OFFICIAL, food_scores())
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_member"
    # invalid sheets: a missing indicator, a point over its maximum
    bad = food_scores()
    bad.pop("A1.1")
    r = await score(apps, council["id"], dossier["id"], members.token(0), bad)
    assert r.status_code == 422 and "A1.1" in r.json()["error"]["message"]
    over = food_scores() | {"A1.1": 6}
    assert (await score(apps, council["id"], dossier["id"], members.token(0), over)).status_code == 422
    # two sheets of three needed: not enough to close (the minimum is 3)
    for n in (0, 4):
        assert (
            await score(apps, council["id"], dossier["id"], members.token(n), food_scores(20, 10, 15))
        ).status_code == 201
    r = await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(0))
    assert r.status_code == 409 and r.json()["error"]["code"] == "council_incomplete"


async def test_below_three_stars_is_decided_without_a_certificate(apps):
    reg = apps["registry"]
    _producer, product, owner = await food_product(apps)
    dossier = await accepted_dossier(apps, product["id"], owner)
    members = await panel(apps, 3)
    council = await form_council(apps, members.members(), [dossier["id"]], level="commune")
    for n, sheet in enumerate([food_scores(20, 10, 15), food_scores(19, 10, 15), food_scores(20, 11, 14)]):
        assert (await score(apps, council["id"], dossier["id"], members.token(n), sheet)).status_code == 201
    closed = (await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(0))).json()
    assert closed["dossiers"][0]["result"]["total"] == 44.67 and closed["dossiers"][0]["result"]["stars"] == 2
    r = await reg.post(
        f"/api/v1/councils/{council['id']}/decision",
        headers=OFFICIAL,
        json={"decision_no": "77/QĐ-UBND", "issued_on": "2026-11-02"},
    )
    assert r.status_code == 200
    decided = (await reg.get(f"/api/v1/dossiers/{dossier['id']}", headers=owner)).json()
    assert decided["outcome"]["recognised"] is False and "dưới 3★" in decided["outcome"]["reason"]
    assert (await reg.get(f"/api/v1/products/{product['id']}", headers=owner)).json()["certificate"] is None
    # the same decision again changes nothing; another number is refused
    again = await reg.post(
        f"/api/v1/councils/{council['id']}/decision",
        headers=OFFICIAL,
        json={"decision_no": "78/QĐ-UBND", "issued_on": "2026-11-02"},
    )
    assert again.status_code == 409


async def test_renewal_and_upgrade_reuse_the_last_dossier(apps):
    reg = apps["registry"]
    _producer, product, owner = await food_product(apps)
    today = date.today()
    first = await accepted_dossier(apps, product["id"], owner, year=today.year - 3)
    # certified (3★) long ago through a council: the renewal is due within 90 days of the end
    members = await panel(apps, 3)
    council = await form_council(apps, members.members(), [first["id"]])
    for n in range(3):
        assert (
            await score(apps, council["id"], first["id"], members.token(n), food_scores(25, 15, 20))
        ).status_code == 201
    await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(0))
    issued_on = add_months(today + timedelta(days=40), -36)  # the certificate ends in 40 days
    r = await reg.post(
        f"/api/v1/councils/{council['id']}/decision",
        headers=OFFICIAL,
        json={"decision_no": "5/QĐ-UBND", "issued_on": issued_on.isoformat()},
    )
    assert r.status_code == 200, r.text
    old_cert = (await reg.get(f"/api/v1/products/{product['id']}", headers=owner)).json()["certificate"]
    assert old_cert["stars"] == 3
    # not due for an upgrade? it is always allowed below 5★; the renewal is due (40 days left)
    r = await reg.post(
        "/api/v1/dossiers",
        headers=owner,
        json={"product_id": product["id"], "cycle_year": today.year, "kind": "renewal"},
    )
    assert r.status_code == 201, r.text
    renewal = r.json()
    assert renewal["kind"] == "renewal" and renewal["previous_certificate_id"] == old_cert["certificate_id"]
    assert renewal["form"]["business_plan"] == BUSINESS_PLAN  # prefilled from the last dossier
    assert [e["reused_from"] for e in renewal["evidence"]] == [first["id"]]
    # the reused file is the same stored document
    r = await reg.get(renewal["evidence"][0]["download"], headers=owner)
    assert r.status_code == 200 and r.content == pdf_bytes()
    # through a council to a renewed certificate (the old one superseded)
    await file_evidence(apps, renewal["id"], owner, data=image_bytes(), filename="moi.png", criteria="B1.4")
    assert (await reg.post(f"/api/v1/dossiers/{renewal['id']}/submit", headers=owner)).status_code == 200
    assert (await reg.post(f"/api/v1/dossiers/{renewal['id']}/accept", headers=OFFICIAL)).status_code == 200
    council = await form_council(apps, members.members(), [renewal["id"]])
    for n in range(3):
        assert (
            await score(apps, council["id"], renewal["id"], members.token(n), food_scores(30, 18, 24))
        ).status_code == 201
    await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(0))
    r = await reg.post(
        f"/api/v1/councils/{council['id']}/decision",
        headers=OFFICIAL,
        json={"decision_no": "6/QĐ-UBND", "issued_on": today.isoformat()},
    )
    assert r.status_code == 200
    cert = (await reg.get(f"/api/v1/products/{product['id']}", headers=owner)).json()["certificate"]
    assert cert["kind"] == "renewed" and cert["stars"] == 4
    old = (await reg.get(f"/api/v1/certificates/{old_cert['certificate_id']}", headers=owner)).json()
    assert old["status"] == "superseded"
    # a renewal is not due now (36 months left); an upgrade reuses the evidence filed so far
    r = await reg.post(
        "/api/v1/dossiers",
        headers=owner,
        json={"product_id": product["id"], "cycle_year": today.year + 1, "kind": "renewal"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "renewal_not_due"
    r = await reg.post(
        "/api/v1/dossiers",
        headers=owner,
        json={"product_id": product["id"], "cycle_year": today.year + 1, "kind": "upgrade"},
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["evidence"]) == 2 and {e["reused_from"] for e in r.json()["evidence"]} == {
        renewal["id"],
        first["id"],
    }
    # a product without certificate: no renewal, no upgrade
    _p2, fresh, fresh_owner = await food_product(apps)
    for kind in ("renewal", "upgrade"):
        r = await reg.post(
            "/api/v1/dossiers",
            headers=fresh_owner,
            json={"product_id": fresh["id"], "cycle_year": today.year, "kind": kind},
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "wrong_dossier_kind"


async def test_council_caps_come_from_the_existing_certificate_rules(apps):
    """A commune council may recognise at most 3★: a 4★ result is decided without a certificate, with the
    rule's reason; a product certified meanwhile is refused by the one-active-certificate rule."""
    reg = apps["registry"]
    _producer, product, owner = await food_product(apps)
    dossier = await accepted_dossier(apps, product["id"], owner)
    _p2, second, second_owner = await food_product(apps)
    other = await accepted_dossier(apps, second["id"], second_owner)
    members = await panel(apps, 3)
    council = await form_council(apps, members.members(), [dossier["id"], other["id"]], level="commune")
    for n in range(3):  # 78 points (4★) for the first, 55 (3★) for the second
        for d, sheet in ((dossier, food_scores(32, 20, 26)), (other, food_scores(25, 15, 15))):
            assert (await score(apps, council["id"], d["id"], members.token(n), sheet)).status_code == 201
    await reg.post(f"/api/v1/councils/{council['id']}/close", headers=members.token(0))
    # the second product gets a certificate some other way before the decision
    ev = await evaluate(apps, second["id"], 25, 15, 15)
    assert (await issue(apps, ev["id"])).status_code == 201
    r = await reg.post(
        f"/api/v1/councils/{council['id']}/decision",
        headers=OFFICIAL,
        json={"decision_no": "9/QĐ-UBND", "issued_on": "2026-11-01"},
    )
    assert r.status_code == 200
    first = (await reg.get(f"/api/v1/dossiers/{dossier['id']}", headers=owner)).json()["outcome"]
    assert first["recognised"] is False and "tối đa 3★" in first["reason"]
    second_outcome = (await reg.get(f"/api/v1/dossiers/{other['id']}", headers=second_owner)).json()["outcome"]
    assert second_outcome["recognised"] is False and "còn hiệu lực" in second_outcome["reason"]
    appendix = await reg.get(f"/api/v1/councils/{council['id']}/appendix.pdf", headers=OFFICIAL)
    text = pdfium.PdfDocument(io.BytesIO(appendix.content).getvalue())[0].get_textpage().get_text_range()
    assert "Không có sản phẩm nào" in text


async def test_who_sees_what(apps):
    reg = apps["registry"]
    producer, product, owner = await food_product(apps)
    dossier = await accepted_dossier(apps, product["id"], owner)
    members = await panel(apps, 3)
    council = await form_council(apps, members.members(), [dossier["id"]])
    # producers: only their own dossiers, never a council
    other = auth("producer", producer_id=(await make_producer(apps))["id"])
    assert (await reg.get(f"/api/v1/dossiers/{dossier['id']}", headers=other)).status_code == 404
    assert all(d["producer_id"] != producer["id"] for d in (await reg.get("/api/v1/dossiers", headers=other)).json())
    assert (await reg.get(f"/api/v1/councils/{council['id']}", headers=owner)).status_code == 403
    # officials within their provinces
    far = auth("official", provinces=("24",))
    assert (await reg.get(f"/api/v1/dossiers/{dossier['id']}", headers=far)).status_code == 404
    assert (await reg.get(f"/api/v1/councils/{council['id']}", headers=far)).status_code == 404
    ids = {d["id"] for d in (await reg.get("/api/v1/dossiers", headers=auth("official", provinces=("19",)))).json()}
    assert dossier["id"] in ids
    # members: the dossiers of their councils (read, download), nothing else
    mine = (await reg.get("/api/v1/dossiers", headers=members.token(2))).json()
    assert [d["id"] for d in mine] == [dossier["id"]]
    evidence = mine[0]["evidence"][0]
    assert (await reg.get(evidence["download"], headers=members.token(2))).status_code == 200
    assert (await reg.get(f"/api/v1/products/{product['id']}", headers=members.token(2))).status_code == 403
    r = await reg.patch(f"/api/v1/dossiers/{dossier['id']}", headers=members.token(2), json={"sub_group": "x"})
    assert r.status_code == 403
    # the criteria sheets are public data
    sheets = (await reg.get("/api/v1/criteria-sheets")).json()
    food = next(s for s in sheets if s["group"] == "food")
    assert [p["max"] for p in food["parts"]] == [40, 25, 35] and food["itemised"] is True
    assert all(not s["itemised"] for s in sheets if s["group"] != "food")
