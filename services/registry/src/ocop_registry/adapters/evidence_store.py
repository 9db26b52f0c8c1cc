"""Evidence documents in MongoDB GridFS (bucket ``evidence`` of the registry's database).

Why GridFS and not an object store: it comes with PyMongo (``gridfs.AsyncGridFSBucket``), works over the wire
on the embedded nx-27017 server (checked: a 20 MB file stored in ≈1 s and read back in ≈0.2 s, byte for
byte; delete and partial reads work) and on a MongoDB replica set, so the documents live, are backed up and
replicated with the records that point at them, and no second service is needed.

GridFS writes cannot join a transaction (PyMongo refuses), so a file is stored first and its record committed
after; a file whose record never committed is deleted by the use case, and :meth:`sweep` removes what a
crash left in between (files older than an hour that no dossier refers to). On the embedded server writes
outside a transaction would join another session's open transaction, so the store writes under the same
per-database gate as the units of work (``ocop_shared.mongo.transaction_gate``; a no-op on a replica set).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from gridfs import AsyncGridFSBucket, NoFile
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from ocop_registry.domain.dossier import EvidenceNotFound
from ocop_shared.events.envelope import utcnow
from ocop_shared.mongo import as_datetime, transaction_gate

BUCKET = "evidence"
CHUNK = 255 * 1024


def _oid(file_id: str) -> ObjectId:
    try:
        return ObjectId(file_id)
    except (InvalidId, TypeError):
        raise EvidenceNotFound() from None


class GridFsEvidenceStore:
    def __init__(self, client: AsyncMongoClient, db: AsyncDatabase) -> None:
        self.client, self.db = client, db
        self.bucket = AsyncGridFSBucket(db, bucket_name=BUCKET, chunk_size_bytes=CHUNK)

    async def put(self, data: bytes, *, filename: str, content_type: str, metadata: dict[str, Any]) -> str:
        async with transaction_gate(self.client, self.db.name):
            file_id = await self.bucket.upload_from_stream(
                filename, data, metadata={**metadata, "content_type": content_type}
            )
        return str(file_id)

    async def open(self, file_id: str) -> tuple[int, AsyncIterator[bytes]]:
        """The file's length and its bytes, chunk by chunk (never the whole file in memory)."""
        try:
            stream = await self.bucket.open_download_stream(_oid(file_id))
        except NoFile:
            raise EvidenceNotFound("Tệp của tài liệu này không còn trong kho lưu trữ") from None

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await stream.readchunk():
                    yield chunk
            finally:
                await stream.close()

        return stream.length, chunks()

    async def delete(self, file_id: str) -> None:
        async with transaction_gate(self.client, self.db.name):
            with contextlib.suppress(NoFile):  # deleted already
                await self.bucket.delete(_oid(file_id))

    async def sweep(self, referenced: set[str], *, older_than: timedelta = timedelta(hours=1)) -> int:
        """Delete stored files no dossier refers to (left by a crash between store and commit)."""
        cutoff = utcnow() - older_than
        orphans = [
            str(doc["_id"])
            async for doc in self.db[f"{BUCKET}.files"].find({}, {"_id": 1, "uploadDate": 1})
            if str(doc["_id"]) not in referenced and (as_datetime(doc.get("uploadDate")) or cutoff) < cutoff
        ]
        for file_id in orphans:
            await self.delete(file_id)
        return len(orphans)
