"""The shared HTTP behaviour of the adapters of the ``Marketplace`` port (``app/ports.py``).

Every adapter limits its request rate (aiolimiter), retries transient failures (network errors,
timeouts, 5xx, 429) with exponential backoff and jitter, honouring ``Retry-After`` (tenacity), and turns
a non-retryable 4xx into :class:`PlatformError` with the platform's reason. Adding a platform is one
adapter class plus its configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.platform import Placed, PlatformError, RemoteListing


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError) or (isinstance(exc, PlatformError) and exc.retryable)


class _RetryAfterWait:
    """Exponential backoff with jitter, but never shorter than the platform's Retry-After."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.backoff = wait_exponential_jitter(multiplier=initial, max=maximum)

    def __call__(self, state) -> float:
        wait = self.backoff(state)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, PlatformError) and exc.retry_after:
            wait = max(wait, exc.retry_after)
        return wait


@dataclass(frozen=True)
class SellerApi:
    """Where a platform keeps a seller's items and what it calls their id and price."""

    items: str  # path of the collection: POST creates, PUT/DELETE/GET …/{id}
    id_field: str
    price_field: str
    url_field: str = "url"  # where its answers give the product's public page


class HttpAdapter:
    """Base of the adapters: rate limit, retries, error mapping, and the calls on the seller's items (each
    platform declares its :class:`SellerApi`, shapes its payload and authenticates in :meth:`send` with the
    seller's ``key`` and ``secret``: an OAuth client id and secret, an API key and signing secret, …)."""

    name = "base"
    api = SellerApi("/items", id_field="id", price_field="price")

    def __init__(
        self,
        base_url: str,
        key: str = "",
        secret: str = "",
        *,
        rate_per_s: float = 20,
        attempts: int = 8,
        timeout_s: float = 5.0,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.key, self.secret = key, secret
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s, transport=transport)
        self.limiter = AsyncLimiter(rate_per_s, 1.0)
        self.attempts = attempts
        self.wait = _RetryAfterWait(backoff_initial_s, backoff_max_s)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.attempts), wait=self.wait, retry=retry_if_exception(_retryable), reraise=True
        ):
            with attempt:
                async with self.limiter:
                    response = await self.send(method, path, **kwargs)
                self.raise_for(response)
                return response
        raise AssertionError("unreachable")

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, **kwargs)

    @staticmethod
    def raise_for(response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            error = response.json().get("error", {})
            reason = error.get("message", "") + (f" {error['fields']}" if error.get("fields") else "")
        except ValueError:
            reason = response.text[:300]
        retry_after = response.headers.get("Retry-After")
        retryable = response.status_code == 429 or response.status_code >= 500
        raise PlatformError(
            response.status_code,
            reason or response.reason_phrase,
            retryable=retryable,
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )

    def payload(self, draft: ListingDraft) -> dict[str, Any]:
        raise NotImplementedError

    def create_headers(self, draft: ListingDraft) -> dict[str, str]:
        return {}

    async def upsert(self, draft: ListingDraft, external_id: str | None) -> Placed:
        if external_id:
            try:
                r = await self.call("PUT", f"{self.api.items}/{external_id}", json=self.payload(draft))
                return self.placed(r.json())
            except PlatformError as exc:
                if exc.status != 404:
                    raise  # 404: the listing vanished on the platform; create it again below
        r = await self.call("POST", self.api.items, json=self.payload(draft), headers=self.create_headers(draft))
        return self.placed(r.json())

    def placed(self, body: dict[str, Any]) -> Placed:
        """The id the platform gave and the page it says a shopper opens (an http(s) URL, else none)."""
        url = body.get(self.api.url_field)
        ok = isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 2000
        return Placed(str(body[self.api.id_field]), url if ok else None)

    async def delist(self, external_id: str) -> None:
        try:
            await self.call("DELETE", f"{self.api.items}/{external_id}")
        except PlatformError as exc:
            if exc.status != 404:  # already gone is what we wanted
                raise

    async def fetch(self, external_id: str) -> RemoteListing | None:
        try:
            body = (await self.call("GET", f"{self.api.items}/{external_id}")).json()
        except PlatformError as exc:
            if exc.status == 404:
                return None
            raise
        return RemoteListing(external_id, body.get("status", "active"), body, price_vnd=body.get(self.api.price_field))
