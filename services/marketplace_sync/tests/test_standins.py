"""The marketplace stand-ins behave like seller APIs: auth, validation, idempotency, 429, injected faults."""

import json
import time

import httpx
import pytest

from ocop_marketplace_sync.standins import postmart, voso


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://standin")


async def voso_token(c: httpx.AsyncClient) -> dict:
    r = await c.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "ocop-dev", "client_secret": "voso-dev-secret"},
    )
    assert r.status_code == 200
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


VOSO_PRODUCT = {
    "title": "Chè Shan tuyết Chợ Đồn — OCOP 4★",
    "price": 250000,
    "category_id": 1002,
    "images": ["https://example.org/che.jpg"],
    "description": "Chè Shan tuyết",
}


async def test_voso_oauth_validation_idempotency_and_inspect():
    async with client(voso.create_app()) as c:
        assert (await c.post("/api/seller/products", json=VOSO_PRODUCT)).status_code == 401
        bad = await c.post(
            "/oauth/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        )
        assert bad.status_code == 401
        auth = await voso_token(c)
        invalid = await c.post("/api/seller/products", json={"title": "x", "price": -1, "category_id": 7}, headers=auth)
        assert invalid.status_code == 422 and set(invalid.json()["error"]["fields"]) >= {
            "title",
            "price",
            "category_id",
        }
        first = await c.post("/api/seller/products", json=VOSO_PRODUCT, headers={**auth, "Idempotency-Key": "k1"})
        again = await c.post("/api/seller/products", json=VOSO_PRODUCT, headers={**auth, "Idempotency-Key": "k1"})
        assert first.status_code == 201 and again.json()["product_id"] == first.json()["product_id"]
        ext = first.json()["product_id"]
        assert (await c.delete(f"/api/seller/products/{ext}", headers=auth)).json()["status"] == "removed"
        held = (await c.get("/__inspect/products")).json()
        assert [(p["external_id"], p["status"]) for p in held] == [(ext, "removed")]


def signed_headers(method: str, path: str, body: bytes, secret: str = "postmart-dev-secret") -> dict:
    ts = str(int(time.time()))
    return {
        "X-Api-Key": "ocop-dev",
        "X-Timestamp": ts,
        "Content-Type": "application/json",
        "X-Signature": postmart.signature(secret, method, path, ts, body),
    }


async def test_postmart_hmac_validation_and_external_ref_dedupe():
    item = {"item_name": "Miến dong Na Rì", "sale_price": 65000, "category_code": "NS-DS", "external_ref": "p-1"}
    raw = json.dumps(item).encode()
    async with client(postmart.create_app()) as c:
        forged = await c.post("/v2/items", content=raw, headers=signed_headers("POST", "/v2/items", raw, "wrong"))
        assert forged.status_code == 401
        r1 = await c.post("/v2/items", content=raw, headers=signed_headers("POST", "/v2/items", raw))
        r2 = await c.post("/v2/items", content=raw, headers=signed_headers("POST", "/v2/items", raw))
        assert r1.status_code == 201 and r1.json()["item_id"] == r2.json()["item_id"]
        bad = json.dumps({"item_name": "x", "sale_price": 5, "category_code": "??", "external_ref": ""}).encode()
        rejected = await c.post("/v2/items", content=bad, headers=signed_headers("POST", "/v2/items", bad))
        assert rejected.status_code == 400 and len(rejected.json()["error"]["fields"]) == 4


@pytest.mark.parametrize("factory", [voso.create_app, postmart.create_app])
async def test_rate_limit_and_fault_injection(factory):
    async with client(factory()) as c:
        await c.post("/__admin/faults", json={"rate_limit": 3, "rate_window_s": 10})
        codes = [
            (await c.get("/api/seller/products/x" if factory is voso.create_app else "/v2/items/x")).status_code
            for _ in range(5)
        ]
        assert codes[:3] != [429] * 3 and codes[3:] == [429, 429]
        limited = await c.get("/v2/items/x")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        await c.post("/__admin/faults", json={"failure_rate": 1.0, "rate_limit": 1000})
        failing = await c.get("/v2/items/x")
        assert failing.status_code in (500, 502, 503) and failing.json()["error"]["code"] == "injected_fault"
        await c.post("/__admin/faults", json={"failure_rate": 0.0, "rate_limit": 1000})
        assert (await c.get("/__inspect/products")).status_code == 200


async def test_state_file_keeps_listings_across_restarts(tmp_path, monkeypatch):
    monkeypatch.setenv("OCOP_STANDIN_STATE_FILE", str(tmp_path / "voso.json"))
    async with client(voso.create_app()) as c:
        auth = await voso_token(c)
        created = await c.post("/api/seller/products", json=VOSO_PRODUCT, headers={**auth, "Idempotency-Key": "k9"})
        assert created.status_code == 201
    async with client(voso.create_app()) as c:  # a new process: same listings, same idempotency keys
        held = (await c.get("/__inspect/products")).json()
        assert [p["external_id"] for p in held] == [created.json()["product_id"]]
        auth = await voso_token(c)
        again = await c.post("/api/seller/products", json=VOSO_PRODUCT, headers={**auth, "Idempotency-Key": "k9"})
        assert again.json()["product_id"] == created.json()["product_id"]
    monkeypatch.delenv("OCOP_STANDIN_STATE_FILE")
    async with client(voso.create_app()) as c:  # without the setting: memory only
        assert (await c.get("/__inspect/products")).json() == []
