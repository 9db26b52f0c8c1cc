"""MongoDB wiring with PyMongo's AsyncMongoClient (the official successor of Motor)."""

from __future__ import annotations

from pymongo import AsyncMongoClient


def make_client(url: str, *, timeout_ms: int = 5000) -> AsyncMongoClient:
    # tz_aware: datetimes come back as UTC-aware values (the embedded server returns naive UTC).
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)


async def ping(client: AsyncMongoClient) -> bool:
    try:
        await client.admin.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


async def ensure_collections(db, names) -> None:
    """Create the collections a service reads. The embedded server answers "no such table" when a
    query touches a collection that was never written (real MongoDB returns nothing)."""
    existing = set(await db.list_collection_names())
    for name in names:
        if name not in existing:
            try:
                await db.create_collection(name)
            except Exception as exc:  # noqa: BLE001 - created concurrently by another instance
                if "exist" not in str(exc).lower():
                    raise
