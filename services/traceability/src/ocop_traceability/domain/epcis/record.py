"""A stored EPCIS event (pure): the event as served, its ID and content hash, the fields and identifier
keys it is found by, and who may see it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocop_shared.mongo import as_datetime
from ocop_traceability.domain.epcis.capture import Indexed, indexed
from ocop_traceability.domain.epcis.hashing import event_hash
from ocop_traceability.domain.epcis.ids import Minting

PUBLIC = "public"  # visibility: anyone (the scan page's subset)


class DuplicateEvents(Exception):
    """Storing failed: an eventID is already stored (a concurrent capture of the same events)."""


def epoch_ms(moment: datetime | None) -> int | None:
    return round(moment.timestamp() * 1000) if moment else None


def producer_sees(producer_id: str) -> str:
    return f"p:{producer_id}"


def subject_sees(subject: str) -> str:
    return f"s:{subject}"


@dataclass
class Recorded:
    event: dict[str, Any]  # as served, ``eventID`` included, ``recordTime`` added when served
    namespaces: dict[str, str]  # the prefixes of its document
    event_id: str
    content_hash: str  # our hash of the content: the same event sent again (any key order, URN or DL) is a no-op
    index: Indexed
    keys: list[tuple[str, str]]  # (role, Minting.key of the identifier)
    locations: tuple[str | None, str | None]  # Minting.key of readPoint and bizLocation
    visible_to: list[str]
    source: str  # trail | stamps | capture
    ours: bool  # minted here (nothing private in it)
    batches: list[str] = field(default_factory=list)  # batches whose trail it is part of
    capture_id: str | None = None
    mark: str | None = None  # the stamp change it records
    seq: int = 0  # record order (the store assigns it)
    record_time: datetime | None = None  # the store assigns it


def record(
    event: dict[str, Any],
    namespaces: dict[str, str],
    m: Minting,
    *,
    visible_to: list[str],
    source: str,
    ours: bool,
    **extra: Any,
) -> Recorded:
    """``event`` hashed (its own ``eventID`` kept when it has one) and indexed."""
    content = {k: v for k, v in event.items() if k not in ("eventID", "recordTime")}  # the repository sets recordTime
    content_hash = event_hash(content, namespaces)
    given = event.get("eventID")
    event_id = given if isinstance(given, str) and given.strip() else content_hash
    served = {"type": event["type"], "eventID": event_id, **{k: v for k, v in content.items() if k != "type"}}
    index = indexed(served)
    return Recorded(
        event=served,
        namespaces=namespaces,
        event_id=event_id,
        content_hash=content_hash,
        index=index,
        keys=sorted({(role, m.key(uri)) for role, uri in index.identifiers}),
        locations=(
            m.key(index.read_point) if index.read_point else None,
            m.key(index.biz_location) if index.biz_location else None,
        ),
        visible_to=sorted(set(visible_to)),
        source=source,
        ours=ours,
        **extra,
    )


class StoredEvent:
    """An event row as read back: what queries serve."""

    __slots__ = ("batches", "content_hash", "doc", "event_id", "namespaces", "ours", "record_time", "seq")

    def __init__(self, row: dict[str, Any]) -> None:
        self.seq: int = row["seq"]
        self.event_id: str = row["event_id"]
        self.content_hash: str = row.get("content_hash", "")
        self.doc: dict[str, Any] = json.loads(row["doc"])
        self.namespaces: dict[str, str] = dict(row.get("ns") or [])
        self.ours: bool = row.get("ours") == "yes"
        self.batches: list[str] = list(row.get("batches") or [])
        self.record_time = as_datetime(row.get("record_time"))

    def served(self) -> dict[str, Any]:
        """The event with the time we recorded it."""
        when = self.record_time.isoformat(timespec="milliseconds").replace("+00:00", "Z") if self.record_time else None
        out: dict[str, Any] = {}
        for key, value in self.doc.items():
            out[key] = value
            if key == "eventTimeZoneOffset" and when:
                out["recordTime"] = when
        return out
