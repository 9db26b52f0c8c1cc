"""What a marketplace platform answers, in our terms (the adapters translate each platform's own shapes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PlatformError(Exception):
    """The platform refused a call (``retryable``: 5xx, 429, an expired token; else a 4xx with its reason)."""

    def __init__(self, status: int, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {reason}")
        self.status, self.reason, self.retryable, self.retry_after = status, reason, retryable, retry_after


@dataclass(frozen=True)
class Placed:
    """A listing the platform accepted: its id there and the product's page a shopper opens (when it says)."""

    external_id: str
    url: str | None = None


@dataclass
class RemoteListing:
    """A listing as the platform holds it (what a shopper would see)."""

    external_id: str
    status: str  # active | removed
    data: dict[str, Any] = field(default_factory=dict)
    price_vnd: int | None = None  # read by the adapter from the platform's own field (price, sale_price…)

    @property
    def active(self) -> bool:
        return self.status == "active"
