"""Use cases: named queries (``/epcis/queries``) and their subscriptions (webhooks), per the REST bindings.

A named query is a stored set of query parameters (checked against GS1's query schema and our parser); it
runs with the reach of whoever asks, and a subscription with its creator's. A subscription is either a
stream (``"stream": true``: events are POSTed as they are recorded) or a ``schedule`` (cron-like: the
events recorded since the last run, and an empty document too with ``reportIfEmpty``). Deliveries are
owed through ``epcis_fanout`` and sent by ``delivery.Dispatcher``.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from ocop_shared.auth import Principal
from ocop_shared.errors import Conflict
from ocop_shared.events.envelope import utcnow
from ocop_traceability.app.epcis.capture import Schemas
from ocop_traceability.app.epcis.policy import audit_scope, owns, snapshot
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.epcis import query as params
from ocop_traceability.domain.epcis.dest import check_dest
from ocop_traceability.domain.epcis.errors import (
    NoSuchResourceException,
    QueryValidationException,
    ResourceAlreadyExistsException,
    SubscribeNotPermittedException,
    SubscriptionControlsException,
)
from ocop_traceability.domain.epcis.schedule import Schedule

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.~-]{0,99}$")
MAX_TOKEN = 500


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


async def create_query(body: Any, principal: Principal, uow: TraceabilityUow, schemas: Schemas) -> dict[str, Any]:
    if not isinstance(body, dict) or set(body) - {"name", "query"} or not {"name", "query"} <= set(body):
        raise QueryValidationException('the body must be {"name": …, "query": {…}}')
    name, query = body["name"], body["query"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise QueryValidationException("name: 1–100 letters, digits, '_', '.', '~' or '-'")
    problems = schemas.query_errors(query)
    if problems:
        raise QueryValidationException("; ".join(problems))
    params.from_json(query, uow.epcis_config.minting.key)  # every parameter known and valid
    doc = {"_id": name, "query": query, "by": snapshot(principal), "created_at": utcnow()}
    scope = await audit_scope(principal, uow)
    try:
        async with uow.acting(principal, "epcis.query_create", scope=scope, query=name):
            await uow.named_queries.add(doc)
            uow.note(query=query)
            await uow.commit()
    except Conflict as exc:
        raise ResourceAlreadyExistsException(f"a query named {name} exists") from exc
    return query_view(doc)


def query_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"name": doc["_id"], "query": doc["query"]}


async def get_query(name: str, principal: Principal, uow: TraceabilityUow) -> dict[str, Any]:
    doc = await uow.named_queries.get(name)
    if doc is None or not owns(doc.get("by"), principal):
        raise NoSuchResourceException(f"no query named {name[:100]}")
    return doc


async def list_queries(principal: Principal, uow: TraceabilityUow) -> list[dict[str, Any]]:
    return [d for d in await uow.named_queries.all() if owns(d.get("by"), principal)]


async def delete_query(name: str, principal: Principal, uow: TraceabilityUow) -> None:
    """The query and its subscriptions (and what they were still owed)."""
    await get_query(name, principal, uow)
    async with uow.acting(principal, "epcis.query_delete", scope=await audit_scope(principal, uow), query=name):
        await uow.named_queries.delete(name)
        await uow.commit()


def named_query(doc: dict[str, Any], uow: TraceabilityUow, pagination: dict[str, list[str]]) -> params.Query:
    """The stored query, with the caller's ``perPage``/``nextPageToken``."""
    values = {
        k: [str(v).lower() if isinstance(v, bool) else str(v) for v in (vs if isinstance(vs, list) else [vs])]
        for k, vs in doc["query"].items()
    }
    return params.parse(values | pagination, uow.epcis_config.minting.key)


async def subscribe(
    name: str, body: Any, principal: Principal, uow: TraceabilityUow, *, allow_private: bool
) -> dict[str, Any]:
    doc = await get_query(name, principal, uow)
    if not isinstance(body, dict):
        raise SubscriptionControlsException("the body must be a JSON object")
    known = {"dest", "signatureToken", "stream", "schedule", "reportIfEmpty", "initialRecordTime"}
    if set(body) - known:
        raise SubscriptionControlsException(f"unknown fields: {', '.join(sorted(set(body) - known))[:200]}")
    dest, token = body.get("dest"), body.get("signatureToken")
    if not isinstance(dest, str):
        raise SubscriptionControlsException("dest (the webhook URL) is required")
    refusal = check_dest(dest, allow_private=allow_private)
    if refusal:
        raise SubscribeNotPermittedException(refusal)
    if token is not None and not (isinstance(token, str) and 0 < len(token) <= MAX_TOKEN):
        raise SubscriptionControlsException(f"signatureToken must be a string of 1–{MAX_TOKEN} characters")
    stream, schedule = body.get("stream"), body.get("schedule")
    if (stream is True) == (schedule is not None) or (stream is not None and stream is not True):
        raise SubscriptionControlsException('give either "stream": true or a "schedule" (not both)')
    parsed = Schedule.parse(schedule) if schedule is not None else None
    report_if_empty = body.get("reportIfEmpty", False)
    if not isinstance(report_if_empty, bool):
        raise SubscriptionControlsException("reportIfEmpty must be true or false")
    now = utcnow()
    first_run = parsed.next_after(now) if parsed else now
    if first_run is None:
        raise SubscriptionControlsException("the schedule never fires")
    initial = now
    if body.get("initialRecordTime") is not None:
        try:
            initial = params.parse_time("initialRecordTime", [str(body["initialRecordTime"])])
        except Exception as exc:
            raise SubscriptionControlsException("initialRecordTime must be a date-time with its offset") from exc
    sub = {
        "_id": str(uuid.uuid4()),
        "query": doc["_id"],
        "dest": dest,
        "token": token,
        "stream": parsed is None,
        "schedule": schedule,
        "report_if_empty": report_if_empty,
        "created_at": now,
        "initial_record_time": initial,
        "min_record_time": initial,
        "backfill": "pending" if initial < now else "done",
        "backfill_after": 0,
        "next_attempt": first_run.timestamp() if parsed else 0.0,
        "attempts": 0,
        "status": "active",
        "last_error": None,
        "last_notified_at": None,
        "delivered": 0,
        "by": snapshot(principal),
    }
    scope = await audit_scope(principal, uow)
    async with uow.acting(principal, "epcis.subscribe", scope=scope, query=name, subscription=sub["_id"]):
        await uow.subscriptions.add(sub)
        uow.note(dest=dest, stream=parsed is None, schedule=schedule)  # never the signature token
        await uow.commit()
    return subscription_view(sub)


def subscription_view(sub: dict[str, Any]) -> dict[str, Any]:
    """What the bindings answer (never the signature token)."""
    view: dict[str, Any] = {
        "subscriptionID": sub["_id"],
        "dest": sub["dest"],
        "createdAt": _when(sub.get("created_at")),
        "initialRecordTime": _when(sub.get("initial_record_time")),
        "minRecordTime": _when(sub.get("min_record_time")),
        "status": sub.get("status", "active"),
        "deliveredEvents": sub.get("delivered", 0),
    }
    if sub.get("stream"):
        view["stream"] = True
    else:
        view["schedule"] = sub.get("schedule")
        view["reportIfEmpty"] = bool(sub.get("report_if_empty"))
    if sub.get("last_notified_at"):
        view["lastNotifiedAt"] = _when(sub["last_notified_at"])
    if sub.get("last_error"):
        view["lastError"] = sub["last_error"]
    return {k: v for k, v in view.items() if v is not None}


async def get_subscription(name: str, sub_id: str, principal: Principal, uow: TraceabilityUow) -> dict[str, Any]:
    await get_query(name, principal, uow)
    sub = await uow.subscriptions.get(sub_id)
    if sub is None or sub.get("query") != name:
        raise NoSuchResourceException(f"no subscription {sub_id[:80]}")
    return sub


async def list_subscriptions(name: str, principal: Principal, uow: TraceabilityUow) -> list[dict[str, Any]]:
    await get_query(name, principal, uow)
    return await uow.subscriptions.of_query(name)


async def unsubscribe(name: str, sub_id: str, principal: Principal, uow: TraceabilityUow) -> None:
    await get_subscription(name, sub_id, principal, uow)
    scope = await audit_scope(principal, uow)
    async with uow.acting(principal, "epcis.unsubscribe", scope=scope, query=name, subscription=sub_id):
        await uow.subscriptions.delete(sub_id)
        await uow.commit()
