"""Webhook deliveries of subscriptions: one POST per batch of events, signed, with a short timeout, no
redirects, the answer's body never read. ``dest`` is checked against server-side request forgery: https
or http to a public address only, unless ``allow_private`` (development and tests: loopback receivers).
The name is resolved before each POST and every address it resolves to must be allowed."""

from __future__ import annotations

import asyncio
import ipaddress
from urllib.parse import urlsplit

import httpx

from ocop_traceability.domain.epcis.dest import signature
from ocop_traceability.domain.epcis.vocab import CBV_VERSION, EPCIS_VERSION


class WebhookSender:
    def __init__(self, *, allow_private: bool, timeout_s: float = 5.0) -> None:
        self.allow_private = allow_private
        self.client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def _resolves_publicly(self, host: str) -> bool:
        if self.allow_private:
            return True
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, None)
        return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_global for i in infos)

    async def post(self, dest: str, body: bytes, *, token: str | None, delivery_id: str) -> int:
        """The receiver's status code (0: not reached: refused address, timeout, connection error)."""
        host = urlsplit(dest).hostname or ""
        try:
            if not await self._resolves_publicly(host):
                return 0
        except OSError:
            return 0
        headers = {
            "Content-Type": "application/ld+json",
            "GS1-EPCIS-Version": EPCIS_VERSION,
            "GS1-CBV-Version": CBV_VERSION,
            "OCOP-Delivery-ID": delivery_id,
        }
        if token:
            headers["GS1-Signature"] = signature(token, body)
        try:
            async with self.client.stream("POST", dest, content=body, headers=headers) as response:
                return response.status_code
        except httpx.HTTPError:
            return 0

    async def close(self) -> None:
        await self.client.aclose()
