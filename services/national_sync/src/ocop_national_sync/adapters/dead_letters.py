"""Products the portal refused go to ``ocop.national.v1.dlq`` (reason ``portal_rejected``), for operators:
``ocop dlq show --topic ocop.national.v1`` lists them; after fixing the product, a resync pushes it again."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from ocop_national_sync.domain.record import PortalRecord
from ocop_shared.events.models import NATIONAL, dlq


class KafkaDeadLetters:
    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def portal_rejected(self, record: PortalRecord, reason: str) -> None:
        body = {
            "product_id": record.id,
            "producer_id": record.producer_id,
            "revision": record.revision,
            "portal_id": record.portal_id,
            "reason": reason,
            "product": record.product,
        }
        await self.broker.publish(
            body,
            topic=dlq(NATIONAL),
            key=record.id.encode(),
            headers={"x-dlq-reason": "portal_rejected", "x-dlq-error": reason[:2000]},
        )
