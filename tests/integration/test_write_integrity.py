"""A refused write changes nothing; a stored record the rules would refuse today never breaks a read.

Regressions of issue 14's two data bugs: ``PATCH /products/{id}`` with ``{"images": ["not-a-url"]}`` answered
422 *and saved the change* (after which the product and the officials' list answered 422 to everyone), and a
PATCH renaming a product to a sibling's name answered 500 instead of 409.
"""

from __future__ import annotations

import unicodedata
import uuid

import bson
import pytest

from conftest import auth
from tests.support.registry import OFFICIAL, make_producer, make_product

OPERATOR = auth("operator")

pytestmark = pytest.mark.integration


async def stored(apps, collection: str, record_id: str) -> bytes:
    """The record as the database holds it, byte for byte."""
    doc = await apps.runtime("registry").db[collection].find_one({"_id": record_id})
    assert doc is not None
    return bson.encode(doc)


async def test_patch_with_an_invalid_image_changes_nothing(apps):
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"], name=f"Mật ong {uuid.uuid4().hex[:6]}")
    before = await stored(apps, "products", product["id"])

    r = await apps["registry"].patch(
        f"/api/v1/products/{product['id']}", json={"images": ["not-a-url"]}, headers=OFFICIAL
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"].startswith("images")
    assert await stored(apps, "products", product["id"]) == before
    again = await apps["registry"].get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)
    assert again.status_code == 200 and again.json()["images"] == product["images"]


async def test_patch_renaming_to_a_siblings_name_is_a_conflict(apps):
    producer = await make_producer(apps)
    tag = uuid.uuid4().hex[:6]
    first = await make_product(apps, producer["id"], name=f"Chè Shan tuyết {tag}", gtin=None)
    second = await make_product(apps, producer["id"], name=f"Chè xanh {tag}", gtin=None)
    before = await stored(apps, "products", second["id"])

    # case and spaces are ignored by the natural key: this is the first product's name
    r = await apps["registry"].patch(
        f"/api/v1/products/{second['id']}", json={"name": f"  CHÈ   shan TUYẾT {tag} "}, headers=OFFICIAL
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "duplicate_product"
    assert await stored(apps, "products", second["id"]) == before
    assert (await apps["registry"].get(f"/api/v1/products/{first['id']}", headers=OFFICIAL)).status_code == 200


async def test_a_record_broken_by_the_old_patch_is_read_and_then_repaired(apps):
    """The old PATCH stored what it refused: reads still answer, and the repair job brings it in line."""
    producer = await make_producer(apps)
    product = await make_product(apps, producer["id"], name=f"Miến dong {uuid.uuid4().hex[:6]}")
    products = apps.runtime("registry").db.products
    broken = {
        "images": ["not-a-url", "https://example.org/mien.jpg"],
        "name": product["name"] + "\u202e",
        "gtin": "123",
    }
    await products.update_one({"_id": product["id"]}, {"$set": broken})

    one = await apps["registry"].get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)
    assert one.status_code == 200 and one.json()["images"][0] == "not-a-url", one.text
    listed = await apps["registry"].get("/api/v1/products", params={"limit": 500}, headers=OFFICIAL)
    assert listed.status_code == 200 and product["id"] in {p["id"] for p in listed.json()}

    refused = await apps["registry"].post("/api/v1/migrations/products", headers=OFFICIAL)
    assert refused.status_code == 403  # operators only
    dry = await apps["registry"].post("/api/v1/migrations/products", json={"dry_run": True}, headers=OPERATOR)
    assert dry.status_code == 200 and dry.json()["repaired"][product["id"]] == ["gtin", "images", "name"]
    assert (await products.find_one({"_id": product["id"]}))["images"][0] == "not-a-url"  # a dry run changes nothing

    done = await apps["registry"].post("/api/v1/migrations/products", headers=OPERATOR)
    assert done.status_code == 200 and product["id"] in done.json()["repaired"], done.text
    after = (await apps["registry"].get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()
    assert after["images"] == ["https://example.org/mien.jpg"] and after["name"] == product["name"]
    assert after["gtin"] is None and after["version"] == product["version"] + 1
    again = await apps["registry"].post("/api/v1/migrations/products", headers=OPERATOR)
    assert product["id"] not in again.json()["repaired"]  # nothing left to repair


async def test_text_is_cleaned_or_refused_in_one_way_everywhere(apps):
    producer = await make_producer(apps)
    tag = uuid.uuid4().hex[:6]
    for bad in ("Mật\u202eong", "Mật\x00ong"):  # right-to-left override, NUL
        r = await apps["registry"].post(
            "/api/v1/products", json={"producer_id": producer["id"], "name": bad, "group": "food"}, headers=OFFICIAL
        )
        assert r.status_code == 422 and r.json()["error"]["details"][0]["type"] == "text_forbidden_character", r.text
    zalgo = "Me\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307" * 1 + "\u0308" * 240 + f" {tag}"
    invisible = f"Mật\u200b ong\ufeff   rừng {tag}"
    made = [
        await apps["registry"].post(
            "/api/v1/products", json={"producer_id": producer["id"], "name": n, "group": "food"}, headers=OFFICIAL
        )
        for n in (zalgo, invisible, f"Che\u0300 {tag}")
    ]
    assert [m.status_code for m in made] == [201, 201, 201], [m.text for m in made]
    names = [m.json()["name"] for m in made]
    assert names[1] == f"Mật ong rừng {tag}" and names[2] == f"Chè {tag}"  # stripped, one space, NFC
    assert sum(unicodedata.combining(c) > 0 for c in names[0]) <= 4
    # the same rule on traceability (a growing area's name)
    r = await apps["traceability"].post(
        "/api/v1/packing-houses",
        json={"code": f"VN-19-PH{tag.upper()}", "name": "Xưởng\u202e", "producer_id": producer["id"], "province": "19"},
        headers=OFFICIAL,
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["type"] == "text_forbidden_character", r.text


async def test_bodies_over_the_limit_are_refused_before_parsing(apps):
    big = b'{"name": "' + b"x" * 2_000_000 + b'"}'
    r = await apps["registry"].post(
        "/api/v1/products", content=big, headers={**OFFICIAL, "Content-Type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large", r.text

    async def chunks():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b"x" * 50_000

    r = await apps["traceability"].post(
        "/api/v1/batches", content=chunks(), headers={**OFFICIAL, "Content-Type": "application/json"}
    )
    assert r.status_code == 413, r.text
    # an import takes files up to the upload limit: a 2 MB body is read (and refused for what it is, not its size)
    r = await apps["registry"].post(
        "/api/v1/imports/products", content=big, headers={**OFFICIAL, "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text


async def test_405_names_the_methods_of_the_path(apps):
    r = await apps["registry"].delete("/api/v1/products", headers=OFFICIAL)
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "POST"}, r.headers
    r = await apps["traceability"].put("/api/v1/batches/x/events", headers=OFFICIAL)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
