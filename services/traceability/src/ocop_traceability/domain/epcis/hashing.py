"""The EPCIS event hash ID (CBV 2.0 §8.9, ``ni:///sha-256;<hex>?ver=CBV2.0``), for JSON-LD events.

A pure-Python port of what ``epcis-event-hash-generator`` 1.9.3 (MIT, (c) 2019-2023 Ralph Troeger,
Sebastian Schmittner) computes, quirks included, so the pre-hash strings are byte-identical: the tests
compare it with the reference's own fixtures and with the package itself (a dev dependency only — it uses
PyLD, which would fetch unknown remote contexts, keeps prefixes in a module global and silently drops
events it cannot hash). GS1 keys are normalised by the reference's ``dl_normaliser`` (copied verbatim).

Rules that matter to callers:
- hash **one event at a time** (the reference's bare-word replacement is document-wide, so a neighbour
  could change an event's hash), with the prefixes of the event's own document (``namespaces``);
- the input must be bounded in depth and hold no NaN/Infinity (the capture parser guarantees both);
- compute the ID once, on the event as stored, and never again from a re-serialised form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from ocop_traceability.domain.epcis.ids import normalised
from ocop_traceability.domain.epcis.vocab import BIZ_STEPS, BTT, CBV, DISPOSITIONS, SDT, VOC

Node = tuple[Any, str, list[Any]]  # (name, text, children), the reference's XML-like tree

_QUANTITY: list[tuple[str, Any]] = [("epcClass", None), ("quantity", None), ("uom", None)]
_SENSOR_METADATA = "time startTime endTime deviceID deviceMetadata rawData dataProcessingMethod bizRules"
_SENSOR_REPORT = (
    "type exception deviceID deviceMetadata rawData dataProcessingMethod time microorganism chemicalSubstance value "
    "component stringValue booleanValue hexBinaryValue uriValue minValue maxValue meanValue sDev percRank percValue "
    "uom coordinateReferenceSystem"
)
# The canonical order of the standard fields (bizTransactionList, sourceList and destinationList never match
# in the reference, whose table compares tuples with strings: they fall through to the sorted rest, as here).
_ORDER: list[tuple[str, Any]] = [
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", [("epc", None)]),
    ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]),
    ("quantityList", [("quantityElement", _QUANTITY)]),
    ("childQuantityList", [("quantityElement", _QUANTITY)]),
    ("inputQuantityList", [("quantityElement", _QUANTITY)]),
    ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", [("quantityElement", _QUANTITY)]),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]),
    ("bizLocation", [("id", None)]),
    (
        "sensorElementList",
        [
            (
                "sensorElement",
                [
                    ("sensorMetadata", [(k, None) for k in _SENSOR_METADATA.split()]),
                    ("sensorReport", [(k, None) for k in _SENSOR_REPORT.split()]),
                ],
            )
        ],
    ),
]
_IGNORED = {"recordTime", "eventID", "type", "errorDeclaration"}
_PAIRED = ("bizTransaction", "source", "destination")
_PAIRED_LISTS = ("sourceList", "destinationList", "bizTransactionList")
_CBV_URNS = (("bizstep", "BizStep"), ("disp", "Disp"), ("btt", "BTT"), ("sdt", "SDT"), ("er", "ER"))


def event_hash(event: dict[str, Any], namespaces: dict[str, str] | None = None) -> str:
    """``ni:///sha-256;…?ver=CBV2.0`` of ``event``; ``namespaces`` are the prefix → IRI objects of its
    document's (list) ``@context``."""
    digest = hashlib.sha256(prehash(event, namespaces or {}).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


def prehash(event: dict[str, Any], namespaces: dict[str, str]) -> str:
    """The canonical pre-hash string (what the hash is computed over)."""
    tree = _fix(_tree(_bare(event, _vocab_values(event)), namespaces))
    children = list(tree[2])
    head = "eventType=" + str(tree[0]) + _ordered(children, _ORDER)
    rest = [c for c in children if c[0] not in _IGNORED]
    return head + (_generic(rest) if rest else "")


def _vocab_values(event: dict[str, Any]) -> set[str]:
    """What JSON-LD expansion with the EPCIS context yields for CBV-typed values, plus literal CBV/voc URIs."""
    found: set[str] = set()

    def term(value: Any, prefix: str, terms: frozenset[str]) -> None:
        if isinstance(value, str) and value in terms:
            found.add(CBV + prefix + value)

    term(event.get("bizStep"), "BizStep-", BIZ_STEPS)
    term(event.get("disposition"), "Disp-", DISPOSITIONS)
    for key in ("set", "unset"):
        for value in (event.get("persistentDisposition") or {}).get(key, []):
            term(value, "Disp-", DISPOSITIONS)
    for transaction in event.get("bizTransactionList", []):
        term(transaction.get("type"), "BTT-", BTT)
    for key in ("sourceList", "destinationList"):
        for party in event.get(key, []):
            term(party.get("type"), "SDT-", SDT)
    for element in event.get("sensorElementList", []):
        for report in element.get("sensorReport", []):
            for key, prefix in (("type", VOC), ("exception", VOC), ("component", CBV + "Comp-")):
                value = report.get(key)
                if isinstance(value, str) and ":" not in value:
                    found.add(prefix + value)

    def walk(x: Any) -> None:
        if isinstance(x, str) and (x.startswith(CBV[:-1]) or x.startswith(VOC[:-1])):
            found.add(x)
        elif isinstance(x, list):
            for item in x:
                walk(item)
        elif isinstance(x, dict):
            for item in x.values():
                walk(item)

    walk(event)
    return found


def _bare(x: Any, expanded: set[str]) -> Any:
    """Bare words (``shipping``) replaced by the one expanded value they end (``…/BizStep-shipping``)."""
    if isinstance(x, str):
        matches = [e for e in expanded if e.endswith("-" + x) or e.endswith("/" + x)]
        return matches[0] if len(matches) == 1 else x
    if isinstance(x, list):
        return [_bare(i, expanded) for i in x]
    if isinstance(x, dict):
        return {k: _bare(v, expanded) for k, v in x.items()}
    return x


def _expand(term: Any, namespaces: dict[str, str], *, value: bool = False) -> Any:
    if not isinstance(term, str):
        return term
    parts = term.split(":", 1)
    if len(parts) > 1 and parts[0] in namespaces:
        return (namespaces[parts[0]] if value else "{" + namespaces[parts[0]] + "}") + parts[1]
    return term


def _tree(x: Any, namespaces: dict[str, str]) -> Node:
    if isinstance(x, list):
        return ("", "", [_tree(c, namespaces) for c in x])
    if isinstance(x, dict):
        node: Node = (x.get("type", ""), x.get("#text", ""), [])
        for key, value in x.items():
            if key in ("#text", "rdfs:comment", "comment"):
                continue
            child = _tree(value, namespaces)
            if isinstance(value, list):
                node[2].extend((_expand(key, namespaces), e[1], e[2]) for e in child[2])
            else:
                node[2].append((_expand(key, namespaces), child[1], child[2]))
        if not any(k in x for k in _PAIRED):
            node[2].sort()
        return node
    return ("", str(_expand(x, namespaces, value=True)), [])


def _fix(node: Node) -> Node:
    """Port of the reference's ``json_xml_model_mismatch_correction.deep_structure_correction``."""
    children = list(node[2]) if len(node) > 2 else []
    lists: dict[str, list[Node]] = {}
    for e in [e for e in children if not isinstance(e[0], tuple) and e[0].endswith("List")]:
        lists.setdefault(e[0], []).append((e[0][:-4], e[1], e[2]))
        children.remove(e)
    for name, elements in lists.items():
        if name in _PAIRED_LISTS:
            children.append((name, "", [(e[2][0], e[2][1]) for e in elements]))
        else:
            children.append((name, "", elements))
    child_epcs: list[Node] = [("epc", e[1], []) for e in children if e[0] == "childEPCs"]
    children = [e for e in children if e[0] != "childEPCs"] + ([("childEPCs", "", child_epcs)] if child_epcs else [])
    children = [e if e[0] in _PAIRED_LISTS else _fix(e) for e in children]
    name = node[0]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    if name in ("inputQuantity", "outputQuantity", "childQuantity") or (name == "quantity" and children):
        name = "quantityElement"
    return (name, node[1], children)


def _time(text: str) -> str:
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)
    moment = moment.replace(microsecond=round(moment.microsecond, -3))  # half-even, as the reference
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _number(text: str) -> str:
    try:
        f = float(text)
    except ValueError:
        return text
    return str(int(f)) if int(f) == f else str(f)


def _canonical(text: str) -> str:
    for urn, web in _CBV_URNS:
        text = text.replace(f"urn:epcglobal:cbv:{urn}:", f"{CBV}{web}-")
    text = _number(text)
    return normalised(text) or text


def _generic(children: list[Any]) -> str:
    values = []
    for c in children:
        if isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], tuple):
            values.append(_generic(list(c)))
        else:
            text = c[1].strip()
            values.append(c[0] + ("=" + _canonical(text) if text else "") + _generic(c[2]))
    if len(children) > 1 and not any(c[0] in _PAIRED for c in children):
        values.sort()
    return "".join(values)


def _ordered(children: list[Any], order: list[tuple[str, Any]]) -> str:
    pre, extensions = "", []
    named = [c for c in children if isinstance(c[0], str)]
    if len(children) > 1 and not any("eventTime" in c[0] or "action" in c[0] for c in named):
        extensions = [c for c in named if "{" in c[0] and "/}" in c[0]]
        for c in extensions:
            children.remove(c)
    for name, sub in order:
        values = []
        for c in [c for c in children if c[0] == name]:
            inner = _ordered(c[2], sub) if sub else ""
            text = c[1].strip() if c[1] else ""
            if text:
                timed = "time" in name.lower() and "offset" not in name.lower()
                text = "=" + (_time(text) if timed else _canonical(text))
            if text or inner:
                values.append(name + text + inner)
            if not c[2]:
                children.remove(c)
        values.sort()
        pre += "".join(values)
    return pre + (_generic(extensions) if extensions else "")
