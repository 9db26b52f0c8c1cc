"""The audit trail (nhật ký thao tác): who did what, when, from which network, to which records.

A use case names its actor and action on the unit of work, in one line::

    async with uow.acting(principal, "certificate.revoke"):
        ...
        await uow.commit()

and the unit of work writes one :class:`AuditEntry` in the same transaction as the change (so there is an entry
if and only if the change happened). What the repositories loaded and wrote in it gives the entry its targets
and its before/after (changed fields only; secrets redacted; large values summarised); the scope fields
(``producer_ids``, ``provinces``) come from the same records, so an official reads exactly the entries about
their provinces. The network prefix (/24, /48) comes from the request (set by ``ocop_shared.sessions.Caller``).

Each service keeps its own trail in its own database (``audit``): an entry must commit with the change, and a
service never writes another's database. Every service answers ``GET /api/v1/audit`` the same way
(``ocop_shared.audit_api``). Entries older than ``OCOP_AUDIT_RETENTION_DAYS`` are pruned.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from ocop_shared.events.envelope import new_event_id, utcnow

AUDIT = "audit"
MAX_CHANGES, MAX_TARGETS = 50, 200  # an import of 10,000 rows is one entry: the first ones, and the count
SECRET_FIELDS = ("password", "hash", "secret", "token", "key")
MAX_VALUE_CHARS = 600

_network: contextvars.ContextVar[str | None] = contextvars.ContextVar("ocop_network", default=None)


@functools.lru_cache(maxsize=65536)  # every request asks (the caller middleware): one parse per address
def network_prefix(ip: str) -> str:
    """The caller's network (/24 for IPv4, /48 for IPv6): enough to see where actions come from."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    return str(ipaddress.ip_network(f"{addr}/{24 if addr.version == 4 else 48}", strict=False))


def set_network(prefix: str) -> contextvars.Token:
    return _network.set(prefix)


def reset_network(token: contextvars.Token) -> None:
    _network.reset(token)


def current_network() -> str | None:
    return _network.get()


class Actor(BaseModel):
    subject: str
    role: str
    producer_id: str | None = None
    provinces: list[str] = Field(default_factory=list)


class Target(BaseModel):
    kind: str  # the collection (or the kind a use case names)
    id: str


class Change(BaseModel):
    kind: str
    id: str
    before: dict[str, Any] | None = None  # None: created
    after: dict[str, Any] | None = None  # None: deleted


class AuditEntry(BaseModel):
    id: str
    at: datetime
    service: str
    action: str  # "<aggregate>.<verb>", e.g. certificate.revoke, session.login_failed
    actor: Actor
    network: str | None = None
    targets: list[Target] = Field(default_factory=list)
    changes: list[Change] = Field(default_factory=list)
    detail: dict[str, Any] = Field(default_factory=dict)
    # Scope, for who may read the entry: the producers and provinces of the records it touched.
    producer_ids: list[str] = Field(default_factory=list)
    provinces: list[str] = Field(default_factory=list)


def _redact(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in doc.items():
        if any(s in k.lower() for s in SECRET_FIELDS):
            out[k] = "***"
            continue
        text = json.dumps(v, ensure_ascii=False, default=str)
        out[k] = v if len(text) <= MAX_VALUE_CHARS else f"<{len(text)} ký tự, không lưu>"
    return out


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict | None, dict | None]:
    """The fields that differ (both sides), secrets redacted; a creation keeps ``after`` whole."""
    if before is None or after is None:
        return (None if before is None else _redact(before)), (None if after is None else _redact(after))
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return _redact({k: before.get(k) for k in keys}), _redact({k: after.get(k) for k in keys})


def _scope_of(kind: str, doc: dict[str, Any], producers: set[str], provinces: set[str]) -> None:
    if kind == "producers" and doc.get("_id"):
        producers.add(str(doc["_id"]))
    if doc.get("producer_id"):
        producers.add(str(doc["producer_id"]))
    province = doc.get("province")
    if isinstance(province, dict) and province.get("code"):
        provinces.add(str(province["code"]))
    if kind == "users":  # an official's account: the provinces it acts for
        provinces.update(str(code) for code in doc.get("provinces") or ())


@dataclass
class Journal:
    """What one unit of work's repositories loaded and wrote (the raw documents), for its audit entry."""

    loaded: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    written: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    active: bool = False  # only a unit of work that records an action keeps documents

    def knows(self, kind: str, doc_id: Any) -> bool:
        return (kind, str(doc_id)) in self.loaded

    def load(self, kind: str, doc: dict[str, Any]) -> None:
        if self.active:
            self.loaded.setdefault((kind, str(doc["_id"])), dict(doc))

    def write(self, kind: str, doc: dict[str, Any]) -> None:
        if self.active:
            self.written[(kind, str(doc["_id"]))] = dict(doc)

    def clear(self) -> None:
        self.loaded.clear()
        self.written.clear()
        self.active = False


@dataclass
class Pending:
    """An action a use case announced (``uow.acting``), completed at commit."""

    actor: Actor
    action: str
    targets: list[Target]
    detail: dict[str, Any] = field(default_factory=dict)
    producer_ids: set[str] = field(default_factory=set)
    provinces: set[str] = field(default_factory=set)


def pending(principal: Any, action: str, targets: dict[str, str | None], scope: Iterable[str] = ()) -> Pending:
    actor = Actor(
        subject=principal.subject,
        role=principal.role,
        producer_id=principal.producer_id,
        provinces=list(principal.provinces),
    )
    p = Pending(actor, action, [Target(kind=k, id=str(v)) for k, v in targets.items() if v])
    if principal.role == "producer" and principal.producer_id:
        p.producer_ids.add(principal.producer_id)
    p.provinces.update(scope)
    return p


def entry_of(p: Pending, journal: Journal, service: str) -> AuditEntry:
    producers, provinces = set(p.producer_ids), set(p.provinces)
    changes = []
    for (kind, doc_id), after in journal.written.items():
        before, after_ = diff(journal.loaded.get((kind, doc_id)), after)
        if before == after_ == {}:
            continue  # written unchanged
        changes.append(Change(kind=kind, id=doc_id, before=before, after=after_))
    for (kind, _id), doc in [*journal.loaded.items(), *journal.written.items()]:
        if doc is not None:
            _scope_of(kind, doc, producers, provinces)
    producers.update(t.id for t in p.targets if t.kind == "producer")
    targets = list(p.targets)
    known = {(t.kind, t.id) for t in targets}
    targets += [Target(kind=c.kind, id=c.id) for c in changes if (c.kind, c.id) not in known]
    detail = dict(p.detail)
    if len(changes) > MAX_CHANGES or len(targets) > MAX_TARGETS:
        detail |= {"changes_total": len(changes), "targets_total": len(targets)}
        changes, targets = changes[:MAX_CHANGES], targets[:MAX_TARGETS]
    return AuditEntry(
        id=new_event_id(),
        at=utcnow(),
        service=service,
        action=p.action,
        actor=p.actor,
        network=current_network(),
        targets=targets,
        changes=changes,
        detail=detail,
        producer_ids=sorted(producers),
        provinces=sorted(provinces),
    )


def to_doc(entry: AuditEntry) -> dict[str, Any]:
    doc = entry.model_dump(mode="json")
    doc["_id"] = doc.pop("id")
    doc["ts"] = entry.at.timestamp()  # a number: range queries and pruning (the embedded server keeps ISO text)
    doc["target_ids"] = [t.id for t in entry.targets]
    return doc


async def write_entry(db: AsyncDatabase, entry: AuditEntry, session: AsyncClientSession | None) -> None:
    await db[AUDIT].insert_one(to_doc(entry), session=session)


async def ensure_audit_indexes(db: AsyncDatabase) -> None:
    # single-field indexes (the embedded server uses no compound ones); the collection is AUDIT ("audit")
    await db.audit.create_index("ts")
    await db.audit.create_index("action")
    await db.audit.create_index("actor.subject")
    await db.audit.create_index("provinces")
    await db.audit.create_index("producer_ids")
    await db.audit.create_index("target_ids")


__all__ = [
    "AUDIT",
    "Actor",
    "AuditEntry",
    "Change",
    "Journal",
    "Pending",
    "Target",
    "current_network",
    "diff",
    "entry_of",
    "network_prefix",
    "pending",
    "write_entry",
]


class RecordedActions:
    """For an in-memory unit of work (unit tests): ``acting``/``note`` as the Mongo one has them; the actions
    announced are kept in ``actions`` as (subject, action, targets, detail)."""

    actions: list[tuple[str, str, dict[str, str], dict[str, Any]]]

    def acting(self, principal: Any, action: str, *, scope: tuple[str, ...] = (), **targets: str | None) -> Any:
        if not hasattr(self, "actions"):
            self.actions = []
        self.actions.append((principal.subject, action, {k: str(v) for k, v in targets.items() if v}, {}))
        return self

    def note(self, **detail: Any) -> None:
        if getattr(self, "actions", None):
            self.actions[-1][3].update(detail)
