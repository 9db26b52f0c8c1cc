"""Idempotent consumers: processed event ids are recorded in the same transaction as the effects.

What a handler wants done once its effects are visible (wake the relay or a worker, drop a cache entry) it
asks for with :func:`after_commit`: run before the commit, a woken reader could look, find nothing yet (a
real replica set hides uncommitted writes) and sleep until its next poll; a cache refilled in between would
keep the old state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.envelope import CloudEvent, utcnow
from ocop_shared.logging import get_logger
from ocop_shared.mongo import note_transaction, transaction_gate

log = get_logger(__name__)

Effect = Callable[[AsyncClientSession], Awaitable[None]]

_after: dict[int, list[Callable[[], None]]] = {}  # per open inbox transaction (by session): its hooks


def after_commit(session: AsyncClientSession | None, hook: Callable[[], None]) -> None:
    """Call ``hook`` once the inbox transaction ``session`` belongs to has committed (never if it aborts);
    at once if no inbox batch owns ``session``. The same hook asked for twice runs once."""
    hooks = _after.get(id(session)) if session is not None else None
    if hooks is None:
        hook()
    elif hook not in hooks:
        hooks.append(hook)


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
            hooks = _after[id(session)] = []
            ended = False  # whether the server was told: a commit or abort cut short keeps the journal's note
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
                ended = True
            except BaseException:
                if session.in_transaction:
                    await session.abort_transaction()
                    ended = True
                raise
            finally:
                _after.pop(id(session), None)
                if ended:
                    await note_transaction(client, db.name, session, open_=False)
    for hook in hooks:
        try:
            hook()
        except Exception:  # the batch is committed: a failing hook must not redeliver it
            log.exception("inbox.after_commit_failed")
    return applied


async def apply_once(client: AsyncMongoClient, db: AsyncDatabase, event: CloudEvent, effect: Effect) -> bool:
    """Run ``effect`` and record ``event.id`` atomically. Returns False for a redelivery."""
    return (await apply_batch(client, db, [(event, effect)]))[0]
