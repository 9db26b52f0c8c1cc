"""STAND-IN for a voso.vn-like seller API (OAuth2 client credentials, JSON products, numeric categories)."""

from __future__ import annotations

import os
import secrets
import time
from typing import Any

from fastapi import FastAPI, Form, Header, Request

from ocop_shared.standins import Catalogue, Refused, Rule, error, standin_app

CATEGORIES = {
    1001: "Thực phẩm - Đặc sản vùng miền",
    1002: "Đồ uống - Trà, cà phê",
    1003: "Sức khỏe - Dược liệu",
    1004: "Nhà cửa - Thủ công mỹ nghệ",
    1005: "Cây cảnh - Sinh vật cảnh",
    1006: "Du lịch - Dịch vụ",
}


RULES = {
    "title": Rule(lambda v: isinstance(v, str) and 5 <= len(v) <= 200, "5–200 characters required"),
    "price": Rule(lambda v: isinstance(v, int) and v > 0, "positive integer (VND) required"),
    "category_id": Rule(lambda v: v in CATEGORIES, f"one of {sorted(CATEGORIES)}"),
    "images": Rule(
        lambda v: isinstance(v, list) and all(isinstance(u, str) and u.startswith("http") for u in v),
        "list of http(s) URLs",
        default=[],
    ),
}


def create_app() -> FastAPI:
    app, store = standin_app("voso")
    items = Catalogue(
        store, "product_id", "product", RULES, (422, "validation_failed", "Invalid product"), "product_url", "/san-pham"
    )
    items.serve_pages(app)
    client_id = os.environ.get("OCOP_VOSO_CLIENT_ID", "ocop-dev")
    client_secret = os.environ.get("OCOP_VOSO_CLIENT_SECRET", "voso-dev-secret")
    tokens: dict[str, float] = {}

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

    def authorize(authorization: str | None) -> None:
        tok = (authorization or "").removeprefix("Bearer ").strip()
        if tokens.get(tok, 0) <= time.monotonic():
            raise Refused(error(401, "unauthorized", "Missing or expired access token"))

    async def body_of(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    @app.post("/api/seller/products", status_code=201)
    async def create(
        request: Request, authorization: str | None = Header(None), idempotency_key: str | None = Header(None)
    ):
        authorize(authorization)
        if idempotency_key and idempotency_key in store.idempotency:
            return items.answer(
                store.idempotency[idempotency_key], request
            )  # a retried create returns the first result
        body = await body_of(request)
        if rejected := items.rejected(body):
            return rejected
        ext = items.add(body)
        if idempotency_key:
            store.idempotency[idempotency_key] = ext
        return items.answer(ext, request)

    @app.put("/api/seller/products/{product_id}")
    async def update(product_id: str, request: Request, authorization: str | None = Header(None)):
        authorize(authorization)
        return items.replace(product_id, await body_of(request), request)

    @app.delete("/api/seller/products/{product_id}")
    async def remove(product_id: str, authorization: str | None = Header(None)):
        authorize(authorization)
        return items.remove(product_id)

    @app.get("/api/seller/products/{product_id}")
    async def get(product_id: str, request: Request, authorization: str | None = Header(None)):
        authorize(authorization)
        return items.get(product_id, request)

    return app
