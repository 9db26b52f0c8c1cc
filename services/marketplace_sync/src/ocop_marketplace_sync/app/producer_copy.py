"""Keep marketplace_sync's copy of producers: listings show the public name and province."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ProducerSnapshot
from ocop_shared.projection import upsert_if_newer


async def apply_producer(db: AsyncDatabase, producer: ProducerSnapshot, version: int,
                         session: AsyncClientSession) -> bool:
    fields = {"seller_name": producer.public_name, "province": producer.province.name,
              "province_code": producer.province.code, "updated_at": utcnow()}
    return await upsert_if_newer(db.producers, producer.producer_id, fields, version, session)
