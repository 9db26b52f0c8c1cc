"""voso adapter: OAuth2 client credentials, JSON products with numeric categories, Idempotency-Key on create."""

from __future__ import annotations

import time
from typing import Any

import httpx

from ocop_marketplace_sync.adapters.marketplace import HttpAdapter, SellerApi
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.platform import PlatformError

CATEGORY = {"food": 1001, "beverage": 1002, "herbal": 1003, "handicraft": 1004, "ornamental": 1005, "tourism": 1006}


class VosoAdapter(HttpAdapter):
    name = "voso"
    api = SellerApi("/api/seller/products", id_field="product_id", price_field="price", url_field="product_url")

    _token: tuple[str, float] | None = None  # the access token and when to fetch a new one

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._token is None or self._token[1] < time.monotonic():
            r = await self.http.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.key,
                    "client_secret": self.secret,
                },
            )
            self.raise_for(r)
            body = r.json()
            self._token = (body["access_token"], time.monotonic() + body.get("expires_in", 300) - 30)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self._token[0]}"}
        response = await self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            self._token = None  # expired: the retry fetches a new one
            raise PlatformError(401, "token rejected", retryable=True)
        return response

    def payload(self, draft: ListingDraft) -> dict[str, Any]:
        return {
            "title": draft.title,
            "description": draft.long_description(),
            "price": draft.price_vnd or 0,
            "unit": draft.unit,
            "images": draft.images,
            "category_id": CATEGORY[draft.group],
            "attributes": {
                "ocop_stars": draft.stars,
                "ocop_decision": draft.decision_no,
                "valid_until": draft.valid_until,
                "ocop_product_id": draft.product_id,
            },
        }

    def create_headers(self, draft: ListingDraft) -> dict[str, str]:
        return {"Idempotency-Key": draft.idempotency_key(self.name)}
