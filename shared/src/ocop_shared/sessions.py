"""Who is calling: every request's token verified once, revoked console sessions refused by every service.

Console sessions carry a session id (``sid``). Signing out revokes that session, changing one's password every
session of the account signed in before. The registry writes the revocation in the same transaction as the
change and announces it (``user.session_revoked`` through its outbox); traceability and marketplace_sync keep
the same revocation list from that event (:func:`follow_revocations`). So a stolen session cookie stops
working everywhere as soon as the event is applied (typically well under a second; while the broker is down,
the other services learn it when it is back), without any call between services on the request path.

:class:`Caller` (a plain ASGI middleware) verifies the bearer token and the session cookie of each request that
has one, checks the session against the revocation list (one indexed read, only for session tokens), and sets
the request's network prefix for the audit trail.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from starlette.requests import cookie_parser

from ocop_shared.audit import network_prefix, reset_network, set_network
from ocop_shared.auth import BEARER_KEY, Principal, decode_token
from ocop_shared.consumer import EventConsumer
from ocop_shared.errors import AppError, Unauthorized
from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import SessionRevoked
from ocop_shared.repository import MongoRepository

REVOKED = "revoked_sessions"
SESSION_KEY = "ocop.session"  # the verified session principal (or None) the middleware leaves in the scope
SESSION_COOKIE = "ocop_session"
# A revocation is kept a little longer than the longest session it can cover.
KEEP_AFTER_EXPIRY = timedelta(hours=1)


class RevokedSessions(MongoRepository):
    """The revocation list: ``sid:<id>`` (one session) and ``user:<name>`` (every session signed in before)."""

    collection_name = REVOKED

    async def record(self, revoked: SessionRevoked) -> None:
        until = (revoked.valid_until + KEEP_AFTER_EXPIRY).timestamp()
        if revoked.session_id:
            doc = {"_id": f"sid:{revoked.session_id}", "kind": "session", "until": until}
            await self.collection.replace_one({"_id": doc["_id"]}, doc, upsert=True, session=self.session)
            return
        doc_id = f"user:{revoked.username}"
        current = await self.collection.find_one({"_id": doc_id}, session=self.session) or {}
        doc = {
            "_id": doc_id,
            "kind": "user",
            "before": max(float(current.get("before") or 0), revoked.revoked_at.timestamp()),
            "until": max(float(current.get("until") or 0), until),
        }
        await self.collection.replace_one({"_id": doc_id}, doc, upsert=True, session=self.session)

    async def revoked(self, principal: Principal) -> bool:
        if not principal.session_id:
            return False  # API tokens (ocop token) are not sessions: they expire on their own
        ids = [f"sid:{principal.session_id}", f"user:{principal.subject}"]
        async for doc in self.collection.find({"_id": {"$in": ids}}, session=self.session):
            if doc.get("kind") == "session" or principal.issued_at < float(doc.get("before") or 0):
                return True
        return False

    async def prune(self, now: float) -> int:
        result = await self.collection.delete_many({"until": {"$lt": now}})
        return result.deleted_count


def follow_revocations(consumer: EventConsumer, db: AsyncDatabase) -> None:
    """A service that only verifies tokens keeps the registry's revocation list from its events."""

    @consumer.on(SessionRevoked)
    async def revoked(_event: CloudEvent, payload: SessionRevoked, session: AsyncClientSession) -> None:
        await RevokedSessions(db, session).record(payload)


SESSION_REVOKED = Unauthorized("session_revoked", "Phiên đăng nhập đã kết thúc / session ended")
SESSION_UNCHECKED = Unauthorized("session_unchecked", "Chưa kiểm tra được phiên đăng nhập, hãy thử lại / try again")
STATIC = ("/static/", "/console/static/")  # files: no caller to know


class Caller:
    def __init__(self, app: Any, runtime: Any) -> None:
        self.app, self.runtime = app, runtime

    async def resolve(self, token: str) -> Principal | AppError:
        runtime = self.runtime
        try:
            principal = decode_token(runtime.token_keys, token, runtime.settings.jwt_issuer)
        except AppError as exc:
            return exc
        try:
            if principal.session_id and await RevokedSessions(runtime.db).revoked(principal):
                return SESSION_REVOKED
        except Exception:  # noqa: BLE001 - the list cannot be read: refuse the session rather than trust it
            return SESSION_UNCHECKED
        return principal

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path", "").startswith(STATIC):
            return await self.app(scope, receive, send)
        authorization = cookie = None
        for k, v in scope.get("headers", ()):
            if k == b"authorization":
                authorization = v.decode("latin-1")
            elif k == b"cookie":
                cookie = v.decode("latin-1")
        if authorization and authorization[:7].lower() == "bearer ":
            scope[BEARER_KEY] = await self.resolve(authorization[7:].strip())
        session = cookie_parser(cookie).get(SESSION_COOKIE) if cookie else None
        if session:
            resolved = await self.resolve(session)
            scope[SESSION_KEY] = resolved if isinstance(resolved, Principal) else None
        else:
            scope[SESSION_KEY] = None
        client = scope.get("client")
        token = set_network(network_prefix(client[0] if client else ""))
        try:
            await self.app(scope, receive, send)
        finally:
            reset_network(token)


__all__ = ["REVOKED", "SESSION_KEY", "Caller", "RevokedSessions", "follow_revocations"]
