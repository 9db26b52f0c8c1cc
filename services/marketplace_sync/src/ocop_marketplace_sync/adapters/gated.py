"""Writes that need no transaction (one document or one update_many, no event) still take the embedded
server's per-database gate: there, a write from outside could land inside another session's open transaction
(README, "What we work around"). Inside a unit of work the gate is already held: nothing to take."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ocop_shared.mongo import transaction_gate
from ocop_shared.repository import MongoRepository


class GatedRepository(MongoRepository):
    @contextlib.asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        if self.session is not None:
            yield
            return
        db = self.collection.database
        async with transaction_gate(db.client, db.name):
            yield
