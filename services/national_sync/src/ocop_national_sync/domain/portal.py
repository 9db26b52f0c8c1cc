"""What the national portal answers, in our terms (the adapter translates the portal's own shapes)."""

from __future__ import annotations


class PortalError(Exception):
    """The portal refused a call (``retryable``: 5xx, 429, an expired token; else a 4xx with its reason)."""

    def __init__(self, status: int, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {reason}")
        self.status, self.reason, self.retryable, self.retry_after = status, reason, retryable, retry_after


class OrganisationNotActive(Exception):
    """The portal registered the organisation but has not activated it yet: its products wait."""
