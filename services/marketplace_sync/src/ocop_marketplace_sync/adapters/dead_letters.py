"""Listings a platform refused go to ``ocop.marketplace.v1.dlq`` (reason ``platform_rejected``), for operators:
``ocop dlq show`` lists them; after fixing the product, a resync pushes it again."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ocop_marketplace_sync.domain.listing_state import Listing
from ocop_shared.events.models import MARKETPLACE, dlq


class KafkaDeadLetters:
    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def platform_rejected(self, listing: Listing, reason: str) -> None:
        body = {
            "listing": listing.id,
            "platform": listing.platform,
            "version": listing.desired_version,
            "reason": reason,
            "draft": listing.draft.model_dump() if listing.draft else None,
        }
        await self.broker.publish(
            body,
            topic=dlq(MARKETPLACE),
            key=listing.product_id.encode(),
            headers={"x-dlq-reason": "platform_rejected", "x-dlq-error": reason[:2000]},
        )
