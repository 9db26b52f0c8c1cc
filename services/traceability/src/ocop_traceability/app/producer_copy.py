"""Keep traceability's copy of producers (public facts only) current from registry events."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import ProducerSnapshot
from ocop_shared.projection import upsert_if_newer


async def apply_producer(db: AsyncDatabase, producer: ProducerSnapshot, version: int,
                         session: AsyncClientSession) -> bool:
    """Scan pages show the public name, commune and province; nothing private is ever stored here."""
    fields = {
        "public_name": producer.public_name,
        "kind": producer.kind,
        "province": producer.province.model_dump(),
        "commune": producer.commune.model_dump() if producer.commune else None,
        "updated_at": utcnow(),
    }
    return await upsert_if_newer(db.producers, producer.producer_id, fields, version, session)
