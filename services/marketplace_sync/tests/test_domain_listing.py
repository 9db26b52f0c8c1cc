"""The pure rules of listings: which desired state an event asks for, desired state only moving forward,
the outcomes of a push, and drift between a listing and what the platform holds."""

from __future__ import annotations

from datetime import timedelta

from ocop_marketplace_sync.domain.desired_state import desired_on_certificate, desired_on_product_update
from ocop_marketplace_sync.domain.drift import drift_of
from ocop_marketplace_sync.domain.listing import ListingDraft
from ocop_marketplace_sync.domain.listing_state import Listing
from ocop_marketplace_sync.domain.platform import RemoteListing
from ocop_shared.events.envelope import utcnow

from .builders import certificate, product


def draft(version: int = 1, price: int | None = 250000) -> ListingDraft:
    return ListingDraft.of(product(price_vnd=price), certificate(), version)


def listed(version: int = 1, price: int | None = 250000) -> Listing:
    return Listing.first("p-1", "voso", "listed", version, draft(version, price), "00-trace-span-01")


def test_draft_from_the_event_snapshots():
    d = draft(3)
    assert d.title == "Chè Shan tuyết Chợ Đồn — OCOP 4★" and d.idempotency_key("voso") == "ocop-voso-p-1-v3"
    assert (d.seller, d.province, d.valid_until) == ("HKD Hà Thị Thoa", "Thái Nguyên", "2029-11-01")
    assert "hiệu lực đến 2029-11-01" in d.long_description()


def test_which_state_an_event_asks_for():
    assert desired_on_certificate(certificate("active")) == "listed"
    assert (
        desired_on_certificate(certificate("revoked")) == desired_on_certificate(certificate("expired")) == "delisted"
    )
    assert desired_on_certificate(certificate("superseded")) is None
    assert desired_on_product_update(certificate("active")) == "listed"
    assert desired_on_product_update(certificate("revoked")) is None and desired_on_product_update(None) is None


def test_desired_state_only_moves_forward():
    listing = listed(2)
    assert listing.id == "p-1:voso" and listing.status == "pending" and listing.operation == "upsert"
    listing.status = "published"
    assert not listing.want("delisted", 2, None, None)  # repeated
    assert not listing.want("delisted", 1, None, None)  # older
    assert listing.status == "published" and listing.desired == "listed"
    assert listing.want("delisted", 3, None, "00-other-01")
    assert (listing.desired, listing.desired_version, listing.status, listing.operation) == (
        "delisted",
        3,
        "pending",
        "delist",
    )
    assert listing.draft == draft(2) and listing.traceparent == "00-other-01"  # the last draft stays


def test_outcomes_carry_the_pushed_version():
    listing, now = listed(4), utcnow()
    published = listing.published("VO-1", now)
    assert (published.status, published.version, published.external_id, published.event.version) == (
        "published",
        4,
        "VO-1",
        4,
    )
    rejected = listing.rejected("price required", now)
    assert rejected.status == "failed" and rejected.error == "price required"
    retry = listing.retry_at("x" * 2000, now + timedelta(seconds=5))
    assert len(retry.error) == 500 and retry.version == 4
    assert listing.is_due(now) and not Listing.model_validate(
        {**listing.model_dump(), "next_attempt_at": now + timedelta(seconds=1)}
    ).is_due(now)


def remote(status: str = "active", price: int | None = 250000) -> RemoteListing:
    return RemoteListing("VO-1", status, price_vnd=price)


def test_drift_between_the_listing_and_the_platform():
    assert drift_of(listed(), remote()) is None
    deleted = drift_of(listed(), None)
    assert deleted is not None and deleted.kind == "deleted" and deleted.forget_external_id
    removed = drift_of(listed(), remote("removed"))
    assert removed is not None and removed.kind == "removed" and not removed.forget_external_id
    stale = drift_of(listed(), remote(price=1))
    assert stale is not None and stale.kind == "stale_price"
    assert drift_of(listed(price=None), remote(price=1)) is None  # no price of ours to compare
    delisted = listed()
    delisted.want("delisted", 2, None, None)
    still = drift_of(delisted, remote())
    assert still is not None and still.kind == "still_listed"
    assert drift_of(delisted, remote("removed")) is None and drift_of(delisted, None) is None
