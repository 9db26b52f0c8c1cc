"""Who may capture and query EPCIS events, on the one scope rule of ``app.policy``.

- Query: a producer sees the events of its own batches, stamps, places and captures; an official scoped to
  provinces those of the producers there (and what it captured itself); operators and unscoped officials
  everything; without a token, the public subset the scan page shows (``documents.public_event``).
- Capture: every identifier of an event that designates one of our records (a stamp, a lot or GTIN of a
  product, a growing area or packing house) must be within the caller's reach; a producer must also name
  at least one identifier of its own (it captures only for its own identifiers). Identifiers we do not
  know (a partner's pallet SSCC, GS1's example GTINs) are free, except for producers.
- Capture jobs, named queries and subscriptions are their creator's (and visible to operators).
"""

from __future__ import annotations

from typing import Any

from ocop_shared.auth import Principal, Scope
from ocop_traceability.app import policy
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.epcis.record import PUBLIC, producer_sees, subject_sees


async def visible_filter(principal: Principal | None, uow: TraceabilityUow) -> dict[str, Any]:
    """The filter on ``vis`` that limits events to what ``principal`` may see (None: the public)."""
    if principal is None:
        return {"vis": {"$in": [PUBLIC]}}
    scope = policy.list_scope(principal)
    if scope.unlimited:
        return {}
    if scope.producer_id is not None:
        keys = [producer_sees(scope.producer_id)]
    else:
        keys = [producer_sees(p.id) for p in await uow.producers.visible(scope)]
    return {"vis": {"$in": [*keys, subject_sees(principal.subject)]}}


def capturer_sees(principal: Principal) -> list[str]:
    """Who sees an event because of who captured it."""
    seen = [subject_sees(principal.subject)]
    if principal.role == "producer" and principal.producer_id:
        seen.append(producer_sees(principal.producer_id))
    return seen


async def capture_refusal(principal: Principal, owners: set[str], uow: TraceabilityUow) -> str | None:
    """Why ``principal`` may not capture an event whose known identifiers belong to ``owners`` (None: it may)."""
    for owner in sorted(owners):
        if not await policy.reaches(principal, owner, uow):
            return "an identifier of this event belongs to a producer outside your reach"
    if principal.role == "producer" and principal.producer_id not in owners:
        return "a producer captures only events about its own identifiers (stamps, lots, GTINs, places)"
    return None


async def audit_scope(principal: Principal, uow: TraceabilityUow) -> tuple[str, ...]:
    """The provinces an EPCIS action's audit entry is filed under (so their officials read it): the caller's
    provinces, or its producer's."""
    if principal.role == "producer" and principal.producer_id:
        producers = await uow.producers.visible(Scope(producer_id=principal.producer_id))
        return tuple(p.province_code for p in producers if p.province_code)
    return principal.provinces


def snapshot(principal: Principal) -> dict[str, Any]:
    """The caller as stored with what it creates (a subscription runs with its creator's reach)."""
    return {
        "subject": principal.subject,
        "role": principal.role,
        "producer_id": principal.producer_id,
        "provinces": list(principal.provinces),
    }


def principal_of(snap: dict[str, Any]) -> Principal:
    return Principal(
        subject=snap["subject"],
        role=snap["role"],
        producer_id=snap.get("producer_id"),
        provinces=tuple(snap.get("provinces") or ()),
    )


def owns(snap: dict[str, Any] | None, principal: Principal) -> bool:
    """Is a job, named query or subscription created by ``snap`` the caller's?"""
    if snap is None:
        return False
    if principal.role == "operator":
        return True
    if principal.role == "producer":
        return snap.get("role") == "producer" and snap.get("producer_id") == principal.producer_id
    return snap.get("subject") == principal.subject
