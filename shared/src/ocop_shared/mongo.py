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
