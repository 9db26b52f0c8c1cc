"""STAND-IN for a postmart.vn-like seller API (HMAC-signed requests, its own payload and category codes).

Signature: ``X-Signature = hex(HMAC-SHA256(secret, METHOD + "\\n" + PATH + "\\n" + X-Timestamp + "\\n" + body))``
with ``X-Api-Key`` and ``X-Timestamp`` (unix seconds, ±300 s).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

from fastapi import FastAPI, Request

from ocop_shared.standins import Catalogue, Refused, Rule, error, standin_app

CATEGORIES = {
    "NS-DS": "Nông sản - Đặc sản",
    "DU-TR": "Đồ uống - Trà",
    "SK-DL": "Sức khỏe - Dược liệu",
    "TC-MN": "Thủ công mỹ nghệ",
    "CC-SV": "Cây cảnh",
    "DL-DV": "Du lịch",
}


def signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = f"{method}\n{path}\n{timestamp}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


RULES = {
    "item_name": Rule(lambda v: isinstance(v, str) and 3 <= len(v) <= 150, "3–150 characters"),
    "sale_price": Rule(lambda v: isinstance(v, int) and v >= 1000, "integer ≥ 1000 VND"),
    "category_code": Rule(lambda v: v in CATEGORIES, f"one of {sorted(CATEGORIES)}"),
    "external_ref": Rule(lambda v: isinstance(v, str) and bool(v), "required"),
}


def create_app() -> FastAPI:
    app, store = standin_app("postmart")
    items = Catalogue(
        store,
        "item_id",
        "item",
        RULES,
        (400, "invalid_item", "Item rejected"),
        "item_url",
        "/item",
        "item_name",
        "sale_price",
    )
    items.serve_pages(app)
    api_key = os.environ.get("OCOP_POSTMART_API_KEY", "ocop-dev")
    secret = os.environ.get("OCOP_POSTMART_API_SECRET", "postmart-dev-secret")

    async def signed(request: Request) -> bytes:
        """The body of a request signed with our key (any other request is refused)."""
        body = await request.body()
        ts = request.headers.get("x-timestamp", "")
        fresh = request.headers.get("x-api-key") == api_key and ts.isdigit() and abs(time.time() - int(ts)) <= 300
        expected = signature(secret, request.method, request.url.path, ts, body)
        if not (fresh and hmac.compare_digest(expected, request.headers.get("x-signature", ""))):
            raise Refused(error(401, "bad_signature", "Missing or invalid request signature"))
        return body

    def parse(body: bytes) -> Any:
        try:
            return json.loads(body or b"null")
        except ValueError:
            return None

    @app.post("/v2/items", status_code=201)
    async def create(request: Request):
        body = parse(await signed(request))
        if rejected := items.rejected(body):
            return rejected
        # the platform's own idempotency: one item per external_ref
        for ext, item in store.products.items():
            if item.get("external_ref") == body["external_ref"] and item["status"] == "active":
                return items.answer(ext, request)
        return items.answer(items.add(body), request)

    @app.put("/v2/items/{item_id}")
    async def update(item_id: str, request: Request):
        return items.replace(item_id, parse(await signed(request)), request)

    @app.delete("/v2/items/{item_id}")
    async def remove(item_id: str, request: Request):
        await signed(request)
        return items.remove(item_id)

    @app.get("/v2/items/{item_id}")
    async def get(item_id: str, request: Request):
        await signed(request)
        return items.get(item_id, request)

    return app
