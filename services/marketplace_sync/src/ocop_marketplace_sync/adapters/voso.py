"""voso adapter: OAuth2 client credentials, JSON products with numeric categories."""

from __future__ import annotations

import time
from typing import Any

from ocop_marketplace_sync.adapters.marketplace import HttpAdapter, PlatformError, RemoteListing
from ocop_marketplace_sync.domain.listing import ListingDraft

CATEGORY = {"food": 1001, "beverage": 1002, "herbal": 1003, "handicraft": 1004, "ornamental": 1005, "tourism": 1006}


class VosoAdapter(HttpAdapter):
    name = "voso"

    def __init__(self, base_url: str, client_id: str, client_secret: str, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self.client_id, self.client_secret = client_id, client_secret
        self._token: tuple[str, float] | None = None

    async def send(self, method: str, path: str, **kwargs: Any):
        if self._token is None or self._token[1] < time.monotonic():
            r = await self.http.post("/oauth/token", data={"grant_type": "client_credentials",
                                                           "client_id": self.client_id,
                                                           "client_secret": self.client_secret})
            self.raise_for(r)
            body = r.json()
            self._token = (body["access_token"], time.monotonic() + body.get("expires_in", 300) - 30)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self._token[0]}"}
        response = await self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            self._token = None  # expired: the retry fetches a new one
            raise PlatformError(401, "token rejected", retryable=True)
        return response

    @staticmethod
    def payload(draft: ListingDraft) -> dict[str, Any]:
        return {"title": draft.title, "description": draft.long_description(), "price": draft.price_vnd or 0,
                "unit": draft.unit, "images": draft.images, "category_id": CATEGORY[draft.group],
                "attributes": {"ocop_stars": draft.stars, "ocop_decision": draft.decision_no,
                               "valid_until": draft.valid_until, "ocop_product_id": draft.product_id}}

    async def upsert(self, draft: ListingDraft, external_id: str | None) -> str:
        if external_id:
            try:
                r = await self.call("PUT", f"/api/seller/products/{external_id}", json=self.payload(draft))
                return r.json()["product_id"]
            except PlatformError as exc:
                if exc.status != 404:
                    raise  # 404: the listing vanished on the platform; create it again below
        r = await self.call("POST", "/api/seller/products", json=self.payload(draft),
                            headers={"Idempotency-Key": draft.idempotency_key(self.name)})
        return r.json()["product_id"]

    async def delist(self, external_id: str) -> None:
        try:
            await self.call("DELETE", f"/api/seller/products/{external_id}")
        except PlatformError as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise

    async def fetch(self, external_id: str) -> RemoteListing | None:
        try:
            body = (await self.call("GET", f"/api/seller/products/{external_id}")).json()
        except PlatformError as exc:
            if exc.status == 404:
                return None
            raise
        return RemoteListing(external_id, body.get("status", "active"), body)
