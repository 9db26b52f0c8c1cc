"""Event-carried state transfer: keep a local copy of another service's aggregate, newest version wins."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection


async def upsert_if_newer(collection: AsyncCollection, doc_id: str, fields: dict[str, Any], version: int,
                          session: AsyncClientSession | None = None) -> bool:
    """Store ``fields`` under ``doc_id`` unless the copy already holds ``version`` or a newer one.

    Reads then writes inside the caller's transaction (a concurrent writer makes the transaction fail
    with a transient error and the consumer retries), so an old event never overwrites a newer state.
    Returns whether the copy changed.
    """
    current = await collection.find_one({"_id": doc_id}, projection={"version": 1}, session=session)
    if current is not None and int(current.get("version") or 0) >= version:
        return False
    await collection.replace_one({"_id": doc_id}, {**fields, "_id": doc_id, "version": version},
                                 upsert=True, session=session)
    return True
