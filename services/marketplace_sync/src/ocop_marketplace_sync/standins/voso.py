"""STAND-IN for a voso.vn-like seller API (OAuth2 client credentials, JSON products, numeric categories)."""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from fastapi import FastAPI, Form, Header, Request

from ocop_marketplace_sync.standins.common import Store, error, install

CATEGORIES = {
    1001: "Thực phẩm - Đặc sản vùng miền",
    1002: "Đồ uống - Trà, cà phê",
    1003: "Sức khỏe - Dược liệu",
    1004: "Nhà cửa - Thủ công mỹ nghệ",
    1005: "Cây cảnh - Sinh vật cảnh",
    1006: "Du lịch - Dịch vụ",
}


def _validate(body: Any) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"body": "must be a JSON object"}
    fields = {}
    if not isinstance(body.get("title"), str) or not 5 <= len(body["title"]) <= 200:
        fields["title"] = "5–200 characters required"
    if not isinstance(body.get("price"), int) or body["price"] <= 0:
        fields["price"] = "positive integer (VND) required"
    if body.get("category_id") not in CATEGORIES:
        fields["category_id"] = f"one of {sorted(CATEGORIES)}"
    images = body.get("images", [])
    if not isinstance(images, list) or not all(isinstance(u, str) and u.startswith("http") for u in images):
        fields["images"] = "list of http(s) URLs"
    return fields


def create_app() -> FastAPI:
    app = FastAPI(title="voso stand-in (NOT the real voso.vn API)")
    store = Store("voso")
    client_id = os.environ.get("OCOP_VOSO_CLIENT_ID", "ocop-dev")
    client_secret = os.environ.get("OCOP_VOSO_CLIENT_SECRET", "voso-dev-secret")
    tokens: dict[str, float] = {}
    install(app, store)

    @app.post("/oauth/token")
    async def token(
        grant_type: str = Form(...),
        client_id_: str = Form(..., alias="client_id"),
        client_secret_: str = Form(..., alias="client_secret"),
    ):
        if grant_type != "client_credentials" or (client_id_, client_secret_) != (client_id, client_secret):
            return error(401, "invalid_client", "Bad client credentials")
        tok = secrets.token_urlsafe(24)
        tokens[tok] = time.monotonic() + 600
        return {"access_token": tok, "token_type": "Bearer", "expires_in": 600}

    def authorized(authorization: str | None) -> bool:
        tok = (authorization or "").removeprefix("Bearer ").strip()
        return tokens.get(tok, 0) > time.monotonic()

    async def body_of(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    @app.post("/api/seller/products", status_code=201)
    async def create(
        request: Request, authorization: str | None = Header(None), idempotency_key: str | None = Header(None)
    ):
        if not authorized(authorization):
            return error(401, "unauthorized", "Missing or expired access token")
        if idempotency_key and idempotency_key in store.idempotency:
            ext = store.idempotency[idempotency_key]
            return {"product_id": ext, **store.products[ext]}  # a retried create returns the first result
        body = await body_of(request)
        fields = _validate(body)
        if fields:
            return error(422, "validation_failed", "Invalid product", fields)
        ext = store.new_id()
        store.products[ext] = {**body, "status": "active"}
        if idempotency_key:
            store.idempotency[idempotency_key] = ext
        return {"product_id": ext, **store.products[ext]}

    @app.put("/api/seller/products/{product_id}")
    async def update(product_id: str, request: Request, authorization: str | None = Header(None)):
        if not authorized(authorization):
            return error(401, "unauthorized", "Missing or expired access token")
        if product_id not in store.products:
            return error(404, "not_found", "No such product")
        body = await body_of(request)
        fields = _validate(body)
        if fields:
            return error(422, "validation_failed", "Invalid product", fields)
        store.products[product_id] = {**body, "status": "active"}
        return {"product_id": product_id, **store.products[product_id]}

    @app.delete("/api/seller/products/{product_id}")
    async def remove(product_id: str, authorization: str | None = Header(None)):
        if not authorized(authorization):
            return error(401, "unauthorized", "Missing or expired access token")
        if product_id not in store.products:
            return error(404, "not_found", "No such product")
        store.products[product_id]["status"] = "removed"
        return {"product_id": product_id, "status": "removed"}

    @app.get("/api/seller/products/{product_id}")
    async def get(product_id: str, authorization: str | None = Header(None)):
        if not authorized(authorization):
            return error(401, "unauthorized", "Missing or expired access token")
        if product_id not in store.products:
            return error(404, "not_found", "No such product")
        return {"product_id": product_id, **store.products[product_id]}

    app.state.store = store
    return app
