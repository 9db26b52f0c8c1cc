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

from ocop_marketplace_sync.standins.common import Store, error, install

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


def _validate(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    fields = {}
    if not isinstance(body.get("item_name"), str) or not 3 <= len(body["item_name"]) <= 150:
        fields["item_name"] = "3–150 characters"
    if not isinstance(body.get("sale_price"), int) or body["sale_price"] < 1000:
        fields["sale_price"] = "integer ≥ 1000 VND"
    if body.get("category_code") not in CATEGORIES:
        fields["category_code"] = f"one of {sorted(CATEGORIES)}"
    if not isinstance(body.get("external_ref"), str) or not body["external_ref"]:
        fields["external_ref"] = "required"
    return fields


def create_app() -> FastAPI:
    app = FastAPI(title="postmart stand-in (NOT the real postmart.vn API)")
    store = Store("postmart")
    api_key = os.environ.get("OCOP_POSTMART_API_KEY", "ocop-dev")
    secret = os.environ.get("OCOP_POSTMART_API_SECRET", "postmart-dev-secret")
    install(app, store)

    async def signed(request: Request) -> tuple[bool, bytes]:
        body = await request.body()
        ts = request.headers.get("x-timestamp", "")
        if request.headers.get("x-api-key") != api_key or not ts.isdigit() or abs(time.time() - int(ts)) > 300:
            return False, body
        expected = signature(secret, request.method, request.url.path, ts, body)
        return hmac.compare_digest(expected, request.headers.get("x-signature", "")), body

    def parse(body: bytes) -> Any:
        try:
            return json.loads(body or b"null")
        except ValueError:
            return None

    @app.post("/v2/items", status_code=201)
    async def create(request: Request):
        ok, raw = await signed(request)
        if not ok:
            return error(401, "bad_signature", "Missing or invalid request signature")
        body = parse(raw)
        fields = _validate(body)
        if fields:
            return error(400, "invalid_item", "Item rejected", fields)
        # the platform's own idempotency: one item per external_ref
        for ext, item in store.products.items():
            if item.get("external_ref") == body["external_ref"] and item["status"] == "active":
                return {"item_id": ext, **item}
        ext = store.new_id()
        store.products[ext] = {**body, "status": "active"}
        return {"item_id": ext, **store.products[ext]}

    @app.put("/v2/items/{item_id}")
    async def update(item_id: str, request: Request):
        ok, raw = await signed(request)
        if not ok:
            return error(401, "bad_signature", "Missing or invalid request signature")
        if item_id not in store.products:
            return error(404, "not_found", "No such item")
        body = parse(raw)
        fields = _validate(body)
        if fields:
            return error(400, "invalid_item", "Item rejected", fields)
        store.products[item_id] = {**body, "status": "active"}
        return {"item_id": item_id, **store.products[item_id]}

    @app.delete("/v2/items/{item_id}")
    async def remove(item_id: str, request: Request):
        ok, _raw = await signed(request)
        if not ok:
            return error(401, "bad_signature", "Missing or invalid request signature")
        if item_id not in store.products:
            return error(404, "not_found", "No such item")
        store.products[item_id]["status"] = "removed"
        return {"item_id": item_id, "status": "removed"}

    @app.get("/v2/items/{item_id}")
    async def get(item_id: str, request: Request):
        ok, _raw = await signed(request)
        if not ok:
            return error(401, "bad_signature", "Missing or invalid request signature")
        if item_id not in store.products:
            return error(404, "not_found", "No such item")
        return {"item_id": item_id, **store.products[item_id]}

    app.state.store = store
    return app
