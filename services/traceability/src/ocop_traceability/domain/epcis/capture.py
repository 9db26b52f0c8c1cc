"""Reading a captured EPCIS document (pure): strict JSON, the ``@context`` policy, the events it holds, and
the fields each stored event is found by.

Strict JSON: no NaN/Infinity (Python's parser reads them), no number beyond a double, no duplicate key (the
parser would keep the last silently), no nesting deeper than ``MAX_DEPTH`` (the hash and the schema check
recurse). ``@context``: GS1's EPCIS context URLs (never fetched) and inline ``{prefix: namespace}`` objects,
nothing else — a remote context would have to be dereferenced, and redefining a GS1 field name would change
what the event means. GS1's own prefixes (``cbvmda``…) may be given another namespace, as one of GS1's
examples does: it then names that document's extension fields (and is renamed when served, see
``documents.Prefixes``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocop_traceability.domain.epcis.errors import ValidationException
from ocop_traceability.domain.epcis.vocab import KNOWN_CONTEXTS, cbv_bare

MAX_DEPTH = 32
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_IRI = re.compile(r"^(https?://[^\s]+|urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s]*)$")
# The terms of GS1's EPCIS 2.0.0 context (its prefixes and field names): a document may not redefine them.
GS1_TERMS = frozenset(
    [
        "AggregationEvent",
        "AssociationEvent",
        "Collection",
        "EPCISDocument",
        "EPCISQueryDocument",
        "ObjectEvent",
        "TransactionEvent",
        "TransformationEvent",
        "action",
        "baseURL",
        "bizLocation",
        "bizStep",
        "bizTransactionList",
        "cbv",
        "cbvmda",
        "certificationInfo",
        "childEPCs",
        "childQuantityList",
        "children",
        "creationDate",
        "dcterms",
        "destinationList",
        "disposition",
        "epcClass",
        "epcList",
        "epcis",
        "epcisBody",
        "epcisHeader",
        "errorDeclaration",
        "eventID",
        "eventList",
        "eventTime",
        "eventTimeZoneOffset",
        "gs1",
        "id",
        "ilmd",
        "inputEPCList",
        "inputQuantityList",
        "instanceIdentifier",
        "masterData",
        "member",
        "outputEPCList",
        "outputQuantityList",
        "owl",
        "parentID",
        "persistentDisposition",
        "quantity",
        "quantityList",
        "queryName",
        "queryResults",
        "rdfs",
        "readPoint",
        "receiver",
        "recordTime",
        "resultsBody",
        "schemaVersion",
        "sender",
        "sensorElementList",
        "sourceList",
        "subscriptionID",
        "transformationID",
        "type",
        "uom",
        "vocabularyList",
        "xsd",
    ]
)


# GS1's own prefixes: a document may repeat them (GS1's examples do), not change them.
GS1_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}


def parse_json(body: bytes) -> Any:
    """The document, or ``ValidationException`` for anything that is not strict, bounded JSON."""

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    def finite(text: str) -> float:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(f"number out of range: {text[:40]}")
        return number

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                raise ValueError(f"duplicate key {key[:80]!r}")
            obj[key] = value
        return obj

    try:
        doc = json.loads(body, parse_constant=constant, parse_float=finite, object_pairs_hook=pairs)
    except RecursionError as exc:
        raise ValidationException(f"JSON nested deeper than {MAX_DEPTH} levels") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise ValidationException(f"not valid JSON: {str(exc)[:200]}") from exc
    check_depth(doc)
    return doc


def check_depth(doc: Any, limit: int = MAX_DEPTH) -> None:
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise ValidationException(f"JSON nested deeper than {limit} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            raise ValidationException("integer out of range (more than 64 bits)")


def namespaces(context: Any) -> dict[str, str]:
    """The prefixes a document's ``@context`` defines (GS1's context must be named; see the module)."""
    items = context if isinstance(context, list) else [context]
    found: dict[str, str] = {}
    named = False
    for item in items:
        if isinstance(item, str):
            if item not in KNOWN_CONTEXTS:
                raise ValidationException(
                    f"unknown @context {item[:200]!r}: only GS1's EPCIS context is accepted (nothing is fetched)"
                )
            named = True
        elif isinstance(item, dict):
            for prefix, iri in item.items():
                if not (isinstance(iri, str) and _PREFIX.match(prefix) and _IRI.match(iri)):
                    raise ValidationException(f"@context may only define prefixes as namespace IRIs ({prefix[:80]!r})")
                if prefix in GS1_TERMS and prefix not in GS1_PREFIXES:
                    raise ValidationException(f"@context may not redefine the GS1 term {prefix!r}")
                found[prefix] = iri
        else:
            raise ValidationException("@context must be GS1's context URL and prefix objects")
    if not named:
        raise ValidationException(f"@context must name GS1's EPCIS context ({sorted(KNOWN_CONTEXTS)[0]})")
    return found


def events_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of an (already schema-valid) ``EPCISDocument`` or ``EPCISQueryDocument``."""
    body = doc.get("epcisBody") or {}
    if doc.get("type") == "EPCISQueryDocument":
        return list(((body.get("queryResults") or {}).get("resultsBody") or {}).get("eventList") or [])
    return list(body.get("eventList") or [])


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# -- what a stored event is found by ---------------------------------------------------------------------
# Roles of an identifier in an event, and which MATCH_ parameters look at them (EPCIS 2.0 §8.2.7.1).
ROLES_OF_PARAMETER: dict[str, tuple[str, ...]] = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("class", "childclass"),
    "MATCH_inputEPCClass": ("inclass",),
    "MATCH_outputEPCClass": ("outclass",),
    "MATCH_anyEPCClass": ("class", "childclass", "inclass", "outclass"),
}
_LISTS = (
    ("epcList", "epc"),
    ("childEPCs", "child"),
    ("inputEPCList", "input"),
    ("outputEPCList", "output"),
)
_QUANTITIES = (
    ("quantityList", "class"),
    ("childQuantityList", "childclass"),
    ("inputQuantityList", "inclass"),
    ("outputQuantityList", "outclass"),
)


@dataclass
class Indexed:
    """The fields of a stored event its queries filter on (the event itself is kept as sent)."""

    type: str
    event_time: datetime
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    transformation_id: str | None
    error_declared: bool
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (role, identifier as given)


def indexed(event: dict[str, Any]) -> Indexed:
    """The query fields of a schema-valid event; CBV values as bare words (``EQ_bizStep=shipping`` also finds
    an event that wrote ``https://ref.gs1.org/cbv/BizStep-shipping``)."""

    def text(name: str) -> str | None:
        value = event.get(name)
        return cbv_bare(value.strip()) if isinstance(value, str) else None

    def place(name: str) -> str | None:
        value = event.get(name)
        return value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), str) else None

    found: list[tuple[str, str]] = []
    for name, role in _LISTS:
        found += [(role, epc) for epc in event.get(name) or [] if isinstance(epc, str)]
    if isinstance(event.get("parentID"), str):
        found.append(("parent", event["parentID"]))
    for name, role in _QUANTITIES:
        found += [(role, q["epcClass"]) for q in event.get(name) or [] if isinstance(q.get("epcClass"), str)]
    return Indexed(
        type=str(event.get("type")),
        event_time=utc(event["eventTime"]),
        action=text("action"),
        biz_step=text("bizStep"),
        disposition=text("disposition"),
        read_point=place("readPoint"),
        biz_location=place("bizLocation"),
        transformation_id=text("transformationID"),
        error_declared="errorDeclaration" in event,
        identifiers=found,
    )
