"""postmart adapter: HMAC-signed requests, items with category codes and our product id as external_ref."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from ocop_marketplace_sync.adapters.marketplace import HttpAdapter, PlatformError, RemoteListing
from ocop_marketplace_sync.domain.listing import ListingDraft

CATEGORY = {"food": "NS-DS", "beverage": "DU-TR", "herbal": "SK-DL", "handicraft": "TC-MN", "ornamental": "CC-SV",
            "tourism": "DL-DV"}


class PostmartAdapter(HttpAdapter):
    name = "postmart"

    def __init__(self, base_url: str, api_key: str, api_secret: str, **kwargs: Any) -> None:
        super().__init__(base_url, **kwargs)
        self.api_key, self.api_secret = api_key, api_secret

    async def send(self, method: str, path: str, **kwargs: Any):
        body = json.dumps(kwargs.pop("json")).encode() if "json" in kwargs else b""
        ts = str(int(time.time()))
        message = f"{method}\n{path}\n{ts}\n".encode() + body
        headers = {**kwargs.pop("headers", {}), "X-Api-Key": self.api_key, "X-Timestamp": ts,
                   "X-Signature": hmac.new(self.api_secret.encode(), message, hashlib.sha256).hexdigest(),
                   "Content-Type": "application/json"}
        return await self.http.request(method, path, content=body, headers=headers, **kwargs)

    @staticmethod
    def payload(draft: ListingDraft) -> dict[str, Any]:
        return {"item_name": draft.title[:150], "detail": draft.long_description(), "sale_price": draft.price_vnd or 0,
                "uom": draft.unit, "photos": draft.images, "category_code": CATEGORY[draft.group],
                "external_ref": draft.product_id, "ocop": {"stars": draft.stars, "decision_no": draft.decision_no,
                                                           "valid_until": draft.valid_until}}

    async def upsert(self, draft: ListingDraft, external_id: str | None) -> str:
        if external_id:
            try:
                r = await self.call("PUT", f"/v2/items/{external_id}", json=self.payload(draft))
                return r.json()["item_id"]
            except PlatformError as exc:
                if exc.status != 404:
                    raise  # 404: the item vanished on the platform; create it again below
        # the platform keeps one item per external_ref: a retried create returns the same item
        r = await self.call("POST", "/v2/items", json=self.payload(draft))
        return r.json()["item_id"]

    async def delist(self, external_id: str) -> None:
        try:
            await self.call("DELETE", f"/v2/items/{external_id}")
        except PlatformError as exc:
            if exc.status != 404:
                raise

    async def fetch(self, external_id: str) -> RemoteListing | None:
        try:
            body = (await self.call("GET", f"/v2/items/{external_id}")).json()
        except PlatformError as exc:
            if exc.status == 404:
                return None
            raise
        return RemoteListing(external_id, body.get("status", "active"), body)
