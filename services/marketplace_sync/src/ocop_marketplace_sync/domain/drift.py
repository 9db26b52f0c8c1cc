"""Drift: the platform holds something else than the listing says (found by reconciliation, then repaired).

- ``deleted``: listed, but the platform no longer knows the listing (deleted behind our back): create it again;
- ``removed``: listed, but the platform shows it removed;
- ``stale_price``: listed, active, but at another price than the draft's;
- ``still_listed``: delisted (revoked, expired) but still active on the platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ocop_marketplace_sync.domain.listing_state import LISTED, Listing
from ocop_marketplace_sync.domain.platform import RemoteListing

DriftKind = Literal["deleted", "removed", "stale_price", "still_listed"]


@dataclass(frozen=True)
class Drift:
    kind: DriftKind

    @property
    def forget_external_id(self) -> bool:
        """The platform lost the listing: the next push creates it instead of updating a ghost."""
        return self.kind == "deleted"


def drift_of(listing: Listing, remote: RemoteListing | None) -> Drift | None:
    active = remote is not None and remote.active
    if listing.desired != LISTED:
        return Drift("still_listed") if active else None
    if remote is None:
        return Drift("deleted")
    if not active:
        return Drift("removed")
    price = listing.draft.price_vnd if listing.draft else None
    if price is not None and remote.price_vnd != price:
        return Drift("stale_price")
    return None
