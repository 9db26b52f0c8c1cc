"""Event-carried state transfer: keep a local copy of another service's aggregate, newest version wins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from ocop_shared.consumer import EventConsumer
from ocop_shared.events.models import ProducerRegistered, ProducerSnapshot, ProducerUpdated


async def upsert_if_newer(
    collection: AsyncCollection,
    doc_id: str,
    fields: dict[str, Any],
    version: int,
    session: AsyncClientSession | None = None,
    *,
    merge: bool = False,
    same_version: bool = False,
) -> bool:
    """Store ``fields`` under ``doc_id`` unless the copy already holds ``version`` or a newer one.

    Reads then writes inside the caller's transaction (a concurrent writer makes the transaction fail
    with a transient error and the consumer retries), so an old event never overwrites a newer state.
    With ``merge`` only the given fields are set; with ``same_version`` an event of the version held replaces it
    too (a state reported again, e.g. a listing re-published after a repair). Returns whether the copy changed.
    """
    current = await collection.find_one({"_id": doc_id}, projection={"version": 1}, session=session)
    held = int(current.get("version") or 0) if current is not None else None
    if held is not None and (held > version or (held == version and not same_version)):
        return False
    if merge:  # keep fields other events set (e.g. the certificate on a product copy)
        await collection.update_one(
            {"_id": doc_id}, {"$set": {**fields, "version": version}}, upsert=True, session=session
        )
    else:
        await collection.replace_one(
            {"_id": doc_id}, {**fields, "_id": doc_id, "version": version}, upsert=True, session=session
        )
    return True


def follow_producers(
    consumer: EventConsumer, apply: Callable[[ProducerSnapshot, int, AsyncClientSession], Awaitable[Any]]
) -> None:
    """Feed a service's copy of producers from producer.registered / producer.updated events."""

    @consumer.on(ProducerRegistered)
    async def registered(_event, payload: ProducerRegistered, session: AsyncClientSession) -> None:
        await apply(payload.producer, payload.version, session)

    @consumer.on(ProducerUpdated)
    async def updated(_event, payload: ProducerUpdated, session: AsyncClientSession) -> None:
        await apply(payload.producer, payload.version, session)
