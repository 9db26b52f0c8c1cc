"""A product on one platform (niêm yết): what it should show (the desired state) and what we last pushed.

Desired state only moves forward: ``desired_version`` is the product version of the event that set it, so
an old or repeated event changes nothing. The worker pushes a pending listing and records the outcome *for
the version it pushed*; the store keeps that outcome only while the version is still the desired one
(compare-and-set), so a desired state that moved on during the call stays pending and is pushed next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_shared.events.models import ListingDelisted, ListingFailed, ListingPublished

Desired = Literal["listed", "delisted"]
Status = Literal["pending", "published", "delisted", "failed"]
LISTED: Desired = "listed"
DELISTED: Desired = "delisted"
ERROR_KEPT = 500  # characters of a transient error kept on the listing


class MissingDraft(Exception):
    """A listing to publish without a draft (cannot happen through events: a listed state carries one)."""


@dataclass(frozen=True)
class SyncOutcome:
    """What one push achieved on the platform, for the desired version it pushed."""

    listing_id: str
    product_id: str
    version: int
    status: Status
    external_id: str | None
    error: str | None
    at: datetime
    event: ListingPublished | ListingDelisted | ListingFailed

    @property
    def url(self) -> str | None:
        """The product's page on the platform while published (where to buy), as the platform answered it."""
        return self.event.url if isinstance(self.event, ListingPublished) else None


@dataclass(frozen=True)
class Retry:
    """A transient failure: push the same version again after ``at``."""

    listing_id: str
    version: int
    error: str
    at: datetime


class Listing(BaseModel):
    id: str  # "<product_id>:<platform>"
    product_id: str
    platform: str
    desired: Desired
    desired_version: int
    draft: ListingDraft | None = None
    status: Status = "pending"
    next_attempt_at: datetime | None = None
    traceparent: str | None = None  # the certification event's trace: platform calls and listing events continue it
    external_id: str | None = None
    url: str | None = None  # the product's page on the platform (where to buy), from its last answer
    last_synced_at: datetime | None = None
    last_error: str | None = None
    synced_version: int | None = None

    @staticmethod
    def key(product_id: str, platform: str) -> str:
        return f"{product_id}:{platform}"

    @classmethod
    def first(
        cls,
        product_id: str,
        platform: str,
        desired: Desired,
        version: int,
        draft: ListingDraft | None,
        traceparent: str | None,
    ) -> Listing:
        """The first desired state of a product on a platform: pending, nothing pushed yet."""
        return cls(
            id=cls.key(product_id, platform),
            product_id=product_id,
            platform=platform,
            desired=desired,
            desired_version=version,
            draft=draft,
            traceparent=traceparent,
        )

    def want(self, desired: Desired, version: int, draft: ListingDraft | None, traceparent: str | None) -> bool:
        """A newer desired state makes the listing pending again; an older or repeated one changes nothing."""
        if version <= self.desired_version:
            return False
        self.desired, self.desired_version = desired, version
        if draft is not None:  # a delisting keeps the last draft
            self.draft = draft
        self.status, self.next_attempt_at, self.traceparent = "pending", None, traceparent
        return True

    @property
    def operation(self) -> str:
        return "upsert" if self.desired == LISTED else "delist"

    def is_due(self, now: datetime) -> bool:
        return self.next_attempt_at is None or self.next_attempt_at <= now

    def draft_to_publish(self) -> ListingDraft:
        if self.draft is None:
            raise MissingDraft(self.id)
        return self.draft

    def published(self, external_id: str, at: datetime, url: str | None = None) -> SyncOutcome:
        event = ListingPublished(
            product_id=self.product_id,
            platform=self.platform,
            version=self.desired_version,
            external_id=external_id,
            url=url,
        )
        return self._outcome("published", external_id, None, at, event)

    def delisted(self, at: datetime) -> SyncOutcome:
        event = ListingDelisted(
            product_id=self.product_id,
            platform=self.platform,
            version=self.desired_version,
            external_id=self.external_id,
            reason="certificate no longer active",
        )
        return self._outcome("delisted", self.external_id, None, at, event)

    def rejected(self, reason: str, at: datetime) -> SyncOutcome:
        """The platform refused the listing (a 4xx): failed with its reason until the data is fixed."""
        event = ListingFailed(
            product_id=self.product_id, platform=self.platform, version=self.desired_version, reason=reason
        )
        return self._outcome("failed", self.external_id, reason, at, event)

    def retry_at(self, error: str, at: datetime) -> Retry:
        return Retry(self.id, self.desired_version, error[:ERROR_KEPT], at)

    def _outcome(
        self,
        status: Status,
        external_id: str | None,
        error: str | None,
        at: datetime,
        event: ListingPublished | ListingDelisted | ListingFailed,
    ) -> SyncOutcome:
        return SyncOutcome(self.id, self.product_id, self.desired_version, status, external_id, error, at, event)
