"""Idempotent consumers: processed event ids are recorded in the same transaction as the effects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.envelope import CloudEvent, utcnow
from ocop_shared.mongo import note_transaction, transaction_gate

Effect = Callable[[AsyncClientSession], Awaitable[None]]


async def apply_batch(
    client: AsyncMongoClient, db: AsyncDatabase, items: Sequence[tuple[CloudEvent, Effect]]
) -> list[bool]:
    """Apply the effects of events not seen before, in order, and record their ids, all in one
    transaction. Returns, per item, whether it was applied (False: a redelivery, a no-op).

    If any effect raises, nothing of the batch is written and the exception propagates (the caller
    retries the events one by one to isolate the bad one).
    """
    ids = [event.id for event, _ in items]
    async with transaction_gate(client, db.name):
        seen = {doc["_id"] async for doc in db.inbox.find({"_id": {"$in": ids}}, projection={"_id": 1})}
        applied: list[bool] = []
        todo: list[tuple[CloudEvent, Effect]] = []
        for event, effect in items:
            fresh = event.id not in seen
            applied.append(fresh)
            if fresh:
                seen.add(event.id)
                todo.append((event, effect))
        if not todo:
            return applied
        async with client.start_session() as session:
            await session.start_transaction()
            await note_transaction(client, db.name, session, open_=True)
            try:
                now = utcnow()
                # A concurrent instance inserting the same id makes this fail with a duplicate key:
                # the transaction aborts and the consumer retries, then sees the id as processed.
                await db.inbox.insert_many(
                    [{"_id": e.id, "type": e.type, "source": e.source, "received_at": now} for e, _ in todo],
                    session=session,
                )
                for _event, effect in todo:
                    await effect(session)
                await session.commit_transaction()
            except BaseException:
                if session.in_transaction:
                    await session.abort_transaction()
                raise
            finally:
                await note_transaction(client, db.name, session, open_=False)
    return applied


async def apply_once(client: AsyncMongoClient, db: AsyncDatabase, event: CloudEvent, effect: Effect) -> bool:
    """Run ``effect`` and record ``event.id`` atomically. Returns False for a redelivery."""
    return (await apply_batch(client, db, [(event, effect)]))[0]
