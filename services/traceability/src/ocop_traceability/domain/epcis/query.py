"""EPCIS query parameters (pure): the query string of ``GET /epcis/events`` (pipe-delimited lists) or the
JSON body of a named query, read into one ``Query``. Every name and value is checked: an unknown
parameter or a bad value is a ``QueryParameterException``; a standard parameter this repository does not
implement answers 501 and says so (README "EPCIS 2.0", "Not implemented")."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocop_traceability.domain.epcis.capture import ROLES_OF_PARAMETER, utc
from ocop_traceability.domain.epcis.errors import NotImplementedException, QueryParameterException
from ocop_traceability.domain.epcis.vocab import BIZ_STEPS, DISPOSITIONS, EVENT_TYPES, cbv_bare

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 1000  # documented upper limit; a larger perPage is clamped to it (the bindings allow that)
MAX_VALUES = 200  # values of one list parameter

_LISTS = {
    "eventType": "type",
    "EQ_action": "action",
    "EQ_bizStep": "biz_step",
    "EQ_disposition": "disposition",
    "EQ_readPoint": "read_point",
    "EQ_bizLocation": "biz_location",
    "EQ_transformationID": "transformation_id",
    "EQ_eventID": "event_id",
}
_TIMES = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
_CONTROLS = ("perPage", "nextPageToken", "orderBy", "orderDirection", "eventCountLimit", "maxEventCount")
SUPPORTED = (*_LISTS, *_TIMES, *ROLES_OF_PARAMETER, "EXISTS_errorDeclaration", *_CONTROLS)
# Standard parameters (EPCIS 2.0 §8.2.7.1) this repository does not implement (yet).
_NOT_IMPLEMENTED = re.compile(
    r"^(WD_readPoint|WD_bizLocation|EQ_persistentDisposition_(set|unset)|(EQ|GT|GE|LT|LE)_quantity|"
    r"(GE|LT)_errorDeclarationTime|EQ_errorReason|EQ_correctiveEventID|(GE|LT)_(startTime|endTime)|"
    r"EQ_(type|deviceID|dataProcessingMethod|microorganism|chemicalSubstance|bizRules|stringValue|hexBinaryValue|"
    r"uriValue|booleanValue)|(EQ|GT|GE|LT|LE)_(value|minValue|maxValue|meanValue|sDev|percRank|percValue)(_.+)?|"
    r"EQ_(bizTransaction|source|destination)_.+|EQ_(INNER_)?(ILMD_)?.+|EXISTS_(INNER_)?(ILMD_)?.+|"
    r"(EQ|GT|GE|LT|LE)_(INNER_)?(ILMD_)?.+|EQATTR_.+|HASATTR_.+)$"
)
_SPACED_OFFSET = re.compile(r"^(.*\d) (\d{2}:?\d{2})$")  # "+07:00" sent unencoded in a query string reads " 07:00"


@dataclass
class Query:
    """A query, with every value checked and normalised."""

    lists: dict[str, list[str]] = field(default_factory=dict)  # stored field → accepted values
    times: dict[str, datetime] = field(default_factory=dict)  # GE_eventTime … → UTC
    matches: list[tuple[tuple[str, ...], list[str]]] = field(default_factory=list)  # (roles, identifier keys)
    error_declared: bool = False
    order_by: str | None = None  # eventTime | recordTime
    descending: bool = True
    event_count_limit: int | None = None
    max_event_count: int | None = None
    per_page: int = DEFAULT_PER_PAGE
    page_token: str | None = None
    canonical: dict[str, list[str]] = field(default_factory=dict)  # what the query string said, normalised

    @property
    def fingerprint(self) -> str:
        """What a page token is bound to: the query without its pagination."""
        parts = {k: v for k, v in self.canonical.items() if k not in ("nextPageToken", "perPage")}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def from_query_string(pairs: Iterable[tuple[str, str]], key: Callable[[str], str]) -> Query:
    """``pairs`` as parsed from the URL; list values are pipe-delimited (``EQ_bizStep=shipping|receiving``)."""
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).extend(value.split("|") if name not in ("nextPageToken",) else [value])
    return parse(values, key)


def from_json(query: Any, key: Callable[[str], str]) -> Query:
    """The ``query`` object of a named query (``{"eventType": ["ObjectEvent"], "EQ_bizStep": [...]}``)."""
    if not isinstance(query, dict):
        raise QueryParameterException("query must be a JSON object of query parameters")
    values: dict[str, list[str]] = {}
    for name, value in query.items():
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, (str, int, float, bool)) and v is not None for v in items):
            raise QueryParameterException(f"{name}: values must be strings or numbers")
        values[str(name)] = [str(v).lower() if isinstance(v, bool) else str(v) for v in items]
    if "nextPageToken" in values or "perPage" in values:
        raise QueryParameterException("a named query does not take perPage or nextPageToken")
    return parse(values, key)


def parse(values: dict[str, list[str]], key: Callable[[str], str]) -> Query:
    q = Query()
    for name, raw in values.items():
        items = [v.strip() for v in raw]
        if name not in SUPPORTED:
            if _NOT_IMPLEMENTED.match(name):
                raise NotImplementedException(f"{name} is not implemented by this repository")
            raise QueryParameterException(f"unknown query parameter {name[:80]!r} (supported: {', '.join(SUPPORTED)})")
        if len(items) > MAX_VALUES or any(len(v) > 2000 for v in items):
            raise QueryParameterException(f"{name}: too many or too long values")
        if name not in ("EXISTS_errorDeclaration",) and (not items or any(not v for v in items)):
            raise QueryParameterException(f"{name}: empty value")
        q.canonical[name] = items
        if name in _LISTS:
            q.lists[_LISTS[name]] = [_value(name, v) for v in items]
        elif name in _TIMES:
            q.times[name] = parse_time(name, items)
        elif name in ROLES_OF_PARAMETER:
            q.matches.append((ROLES_OF_PARAMETER[name], [key(v) for v in items]))
        elif name == "EXISTS_errorDeclaration":
            q.error_declared = True
        else:
            _control(q, name, items)
    if q.event_count_limit is not None and q.max_event_count is not None:
        raise QueryParameterException("eventCountLimit and maxEventCount are mutually exclusive")
    if q.event_count_limit is not None and q.order_by is None:
        raise QueryParameterException("eventCountLimit needs orderBy")
    return q


def _value(name: str, value: str) -> str:
    if name == "eventType":
        if value in EVENT_TYPES or ":" in value:
            return value
        raise QueryParameterException(f"eventType: {value[:80]!r} is not an event type ({', '.join(EVENT_TYPES)})")
    if name == "EQ_action":
        if value in ("ADD", "OBSERVE", "DELETE"):
            return value
        raise QueryParameterException(f"EQ_action: {value[:80]!r} is not ADD, OBSERVE or DELETE")
    if name in ("EQ_bizStep", "EQ_disposition"):
        bare = cbv_bare(value)
        if bare in (BIZ_STEPS if name == "EQ_bizStep" else DISPOSITIONS) or ":" in bare:
            return bare
        raise QueryParameterException(f"{name}: {value[:80]!r} is neither a CBV value nor a URI")
    if name in ("EQ_readPoint", "EQ_bizLocation", "EQ_eventID") and ":" not in value:
        raise QueryParameterException(f"{name}: {value[:80]!r} is not a URI")
    return value


def parse_time(name: str, items: list[str]) -> datetime:
    if len(items) != 1:
        raise QueryParameterException(f"{name} takes one time")
    text = items[0]
    spaced = _SPACED_OFFSET.match(text)
    if spaced:
        text = f"{spaced[1]}+{spaced[2]}"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryParameterException(f"{name}: {items[0][:60]!r} is not a date-time (ISO 8601)") from exc
    if moment.tzinfo is None:
        raise QueryParameterException(f"{name}: the time needs its offset (e.g. +07:00 or Z)")
    return utc(moment.isoformat())


def _integer(name: str, items: list[str], minimum: int) -> int:
    if len(items) != 1 or not re.fullmatch(r"\d{1,9}", items[0]) or int(items[0]) < minimum:
        raise QueryParameterException(f"{name} must be an integer ≥ {minimum}")
    return int(items[0])


def _control(q: Query, name: str, items: list[str]) -> None:
    if name == "perPage":
        q.per_page = min(_integer(name, items, 1), MAX_PER_PAGE)
    elif name == "nextPageToken":
        q.page_token = items[0]
    elif name == "orderBy":
        if items != ["eventTime"] and items != ["recordTime"]:
            raise QueryParameterException("orderBy must be eventTime or recordTime")
        q.order_by = items[0]
    elif name == "orderDirection":
        if items not in (["ASC"], ["DESC"]):
            raise QueryParameterException("orderDirection must be ASC or DESC")
        q.descending = items == ["DESC"]
    elif name == "eventCountLimit":
        q.event_count_limit = _integer(name, items, 1)
    elif name == "maxEventCount":
        q.max_event_count = _integer(name, items, 1)
