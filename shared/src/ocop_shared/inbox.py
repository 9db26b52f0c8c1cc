"""Idempotent consumers: the processed event id is recorded in the same transaction as the effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ocop_shared.events.envelope import CloudEvent, utcnow

Effect = Callable[[AsyncClientSession], Awaitable[None]]


async def apply_once(client: AsyncMongoClient, db: AsyncDatabase, event: CloudEvent, effect: Effect) -> bool:
    """Run ``effect`` and record ``event.id`` in ``inbox`` atomically. Returns False for a redelivery."""
    if await db.inbox.find_one({"_id": event.id}, projection={"_id": 1}) is not None:
        return False
    async with client.start_session() as session:
        await session.start_transaction()
        try:
            await db.inbox.insert_one(
                {"_id": event.id, "type": event.type, "source": event.source, "received_at": utcnow()},
                session=session)
        except DuplicateKeyError:  # a concurrent delivery won the race
            await session.abort_transaction()
            return False
        try:
            await effect(session)
            await session.commit_transaction()
        except BaseException:
            if session.in_transaction:
                await session.abort_transaction()
            raise
    return True
