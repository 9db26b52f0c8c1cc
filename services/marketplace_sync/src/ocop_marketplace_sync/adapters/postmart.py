"""postmart adapter: HMAC-signed requests, items with category codes and our product id as external_ref
(the platform keeps one item per external_ref: a retried create returns the same item)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from ocop_marketplace_sync.adapters.marketplace import HttpAdapter, SellerApi
from ocop_marketplace_sync.domain.listing import ListingDraft

CATEGORY = {
    "food": "NS-DS",
    "beverage": "DU-TR",
    "herbal": "SK-DL",
    "handicraft": "TC-MN",
    "ornamental": "CC-SV",
    "tourism": "DL-DV",
}


class PostmartAdapter(HttpAdapter):
    name = "postmart"
    api = SellerApi("/v2/items", id_field="item_id", price_field="sale_price", url_field="item_url")

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        body = json.dumps(kwargs.pop("json")).encode() if "json" in kwargs else b""
        ts = str(int(time.time()))
        message = f"{method}\n{path}\n{ts}\n".encode() + body
        headers = {
            **kwargs.pop("headers", {}),
            "X-Api-Key": self.key,
            "X-Timestamp": ts,
            "X-Signature": hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json",
        }
        return await self.http.request(method, path, content=body, headers=headers, **kwargs)

    def payload(self, draft: ListingDraft) -> dict[str, Any]:
        return {
            "item_name": draft.title[:150],
            "detail": draft.long_description(),
            "sale_price": draft.price_vnd or 0,
            "uom": draft.unit,
            "photos": draft.images,
            "category_code": CATEGORY[draft.group],
            "external_ref": draft.product_id,
            "ocop": {"stars": draft.stars, "decision_no": draft.decision_no, "valid_until": draft.valid_until},
        }
