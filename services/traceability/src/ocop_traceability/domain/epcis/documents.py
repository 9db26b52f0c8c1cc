"""The documents EPCIS answers with (pure): query documents, collections, and the public view of an event.

Events keep the prefixes of the document they came in (``ocop:`` for ours, ``example:`` in GS1's
examples…). A query document declares every prefix its events use; when two documents gave one prefix
different namespaces, the later event's prefix is renamed (``ex`` → ``ex2``): the expanded names, and so
the event hash, stay the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocop_traceability.domain.epcis.capture import GS1_PREFIXES
from ocop_traceability.domain.epcis.vocab import EPCIS_CONTEXT


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Prefixes:
    """The prefix → namespace objects of one answer's ``@context``."""

    known: dict[str, str] = field(default_factory=dict)

    def adopt(self, event: dict[str, Any], namespaces: dict[str, str]) -> dict[str, Any]:
        """Declare the event's prefixes, renaming those that would clash (also with GS1's own prefixes, which
        a document may have redefined: GS1's context protects them); returns the event as served."""
        renames = {}
        for prefix, iri in namespaces.items():
            if GS1_PREFIXES.get(prefix) == iri:
                continue  # GS1's context defines it
            if prefix not in GS1_PREFIXES and self.known.get(prefix) in (None, iri):
                self.known[prefix] = iri
                continue
            same = next((p for p, i in self.known.items() if i == iri and p not in GS1_PREFIXES), None)
            if same is None:
                n = 2
                while f"{prefix}{n}" in self.known or f"{prefix}{n}" in GS1_PREFIXES:
                    n += 1
                same = f"{prefix}{n}"
                self.known[same] = iri
            renames[prefix] = same
        return _renamed(event, renames) if renames else event

    def context(self) -> list[Any]:
        return [EPCIS_CONTEXT, dict(self.known)] if self.known else [EPCIS_CONTEXT]


def _renamed(x: Any, renames: dict[str, str]) -> Any:
    def name(s: str) -> str:
        head, sep, tail = s.partition(":")
        return f"{renames[head]}:{tail}" if sep and head in renames else s

    if isinstance(x, dict):
        return {name(k): _renamed(v, renames) for k, v in x.items()}
    if isinstance(x, list):
        return [_renamed(v, renames) for v in x]
    return name(x) if isinstance(x, str) else x


def query_document(
    events: Iterable[tuple[dict[str, Any], dict[str, str]]],
    prefixes: Prefixes,
    *,
    query_name: str = "SimpleEventQuery",
    subscription_id: str | None = None,
) -> dict[str, Any]:
    """An ``EPCISQueryDocument`` of (event, its namespaces) pairs."""
    served = [prefixes.adopt(event, namespaces) for event, namespaces in events]
    results: dict[str, Any] = {"queryName": query_name}
    if subscription_id:
        results["subscriptionID"] = subscription_id
    results["resultsBody"] = {"eventList": served}
    return {
        "@context": prefixes.context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": now_text(),
        "epcisBody": {"queryResults": results},
    }


def collection(members: Iterable[str], context: list[Any] | None = None) -> dict[str, Any]:
    return {"@context": context or [EPCIS_CONTEXT], "type": "Collection", "member": list(dict.fromkeys(members))}


# -- what anyone may see ---------------------------------------------------------------------------------
_PUBLIC_FIELDS = (
    "type",
    "eventID",
    "eventTime",
    "eventTimeZoneOffset",
    "recordTime",
    "certificationInfo",
    "parentID",
    "epcList",
    "inputEPCList",
    "childEPCs",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputEPCList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
)
_INSTANCE_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_CLASS_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def public_event(event: dict[str, Any], *, ours: bool, secret: Callable[[str], bool]) -> dict[str, Any] | None:
    """What the public may see of an event (the scan page's subset): stamp serials only where ``secret``
    says the caller already holds them (a printed serial is what proves a product genuine, so lists of
    them are never public); of a captured event only the standard what/when/where/why fields (its
    extensions, master data, parties, transactions and sensor data may be anyone's); our own events
    carry nothing private and keep their ``ocop:`` fields. None when nothing of the event is left to show."""
    shown: dict[str, Any] = {k: event[k] for k in (event if ours else _PUBLIC_FIELDS) if k in event}
    if not ours:
        for where in ("readPoint", "bizLocation"):
            if isinstance(shown.get(where), dict):
                shown[where] = {"id": shown[where].get("id")}
        for name in _CLASS_LISTS:
            if name in shown:
                shown[name] = [{k: q[k] for k in ("epcClass", "quantity", "uom") if k in q} for q in shown[name]]
        declaration = event.get("errorDeclaration")
        if isinstance(declaration, dict):
            shown["errorDeclaration"] = {
                k: declaration[k] for k in ("declarationTime", "reason", "correctiveEventIDs") if k in declaration
            }
    had = any(event.get(n) for n in _INSTANCE_LISTS)
    for name in _INSTANCE_LISTS:
        if name in shown:
            shown[name] = [epc for epc in shown[name] if not secret(epc)]
    if isinstance(shown.get("parentID"), str) and secret(shown["parentID"]):
        del shown["parentID"]
    left = any(shown.get(n) for n in (*_INSTANCE_LISTS, *_CLASS_LISTS))
    if had and not left:
        return None
    return shown
