"""A refused write changes nothing; a stored record the rules would refuse today never breaks a read.

Regressions of issue 14's two data bugs: ``PATCH /products/{id}`` with ``{"images": ["not-a-url"]}`` answered
422 *and saved the change* (after which the product and the officials' list answered 422 to everyone), and a
PATCH renaming a product to a sibling's name answered 500 instead of 409.
"""

from __future__ import annotations

import uuid

import bson
import pytest

from tests.support.registry import OFFICIAL, make_producer, make_product

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
