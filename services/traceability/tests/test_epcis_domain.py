"""EPCIS without servers: strict parsing of captured documents, the @context policy, query parameters,
identifier keys, the public view of an event, page tokens and subscription schedules."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from ocop_traceability.app.epcis.query import PageTokens
from ocop_traceability.domain.epcis import capture, query
from ocop_traceability.domain.epcis.documents import Prefixes, public_event, query_document
from ocop_traceability.domain.epcis.errors import (
    NotImplementedException,
    QueryParameterException,
    SubscriptionControlsException,
    ValidationException,
)
from ocop_traceability.domain.epcis.hashing import event_hash
from ocop_traceability.domain.epcis.ids import Minting
from ocop_traceability.domain.epcis.schedule import Schedule
from ocop_traceability.domain.epcis.vocab import EPCIS_CONTEXT, uom_of
from tests.standards.epcis_checks import assert_epcis_valid

M = Minting.of("https://truyxuat.example.vn")


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1e999}',
        b'{"a": 1, "a": 2}',
        b"[" * 10_000 + b"]" * 10_000,
        b"[" * 40 + b"]" * 40,
        b'{"a": 123456789012345678901234567890}',
        b"\xff\xfe\x00",
        b"",
        b'{"a": "\\ud800"',
        b"1" * 5000,
    ],
)
def test_hostile_json_is_a_validation_error(body: bytes) -> None:
    with pytest.raises(ValidationException):
        capture.parse_json(body)


def test_plain_json_parses() -> None:
    assert capture.parse_json(b'{"a": [1, 2.5, "x"], "b": {"c": null}}') == {"a": [1, 2.5, "x"], "b": {"c": None}}


@pytest.mark.parametrize(
    "context",
    [
        "https://example.org/my-context.jsonld",
        [EPCIS_CONTEXT, "https://evil.example/ctx"],
        [EPCIS_CONTEXT, {"bizStep": "https://evil.example/step"}],
        [EPCIS_CONTEXT, {"ex": {"@id": "https://x.example/"}}],
        [EPCIS_CONTEXT, {"ex": "not an iri"}],
        [{"ex": "https://x.example/"}],
        [EPCIS_CONTEXT, 5],
        None,
    ],
)
def test_contexts_other_than_gs1s_and_prefixes_are_refused(context) -> None:
    with pytest.raises(ValidationException):
        capture.namespaces(context)


def test_prefixes_are_read() -> None:
    assert capture.namespaces([EPCIS_CONTEXT, {"ex": "https://x.example/"}, {"ocop": M.namespace}]) == {
        "ex": "https://x.example/",
        "ocop": M.namespace,
    }
    assert capture.namespaces("https://gs1.github.io/EPCIS/epcis-context.jsonld") == {}


def _q(**values: str) -> query.Query:
    return query.from_query_string(list(values.items()), M.key)


def test_query_parameters() -> None:
    q = _q(
        eventType="ObjectEvent|AggregationEvent",
        EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping|receiving",
        GE_eventTime="2026-11-01T00:00:00 07:00",  # "+07:00" sent unencoded arrives as a space
        MATCH_epc="HTTPS://TEM.EXAMPLE.VN/01/08934567890120/10/L1/21/0F3KZ9X2M4N6P8Q1A",
        perPage="100000",
    )
    assert q.lists == {"type": ["ObjectEvent", "AggregationEvent"], "biz_step": ["shipping", "receiving"]}
    assert q.times["GE_eventTime"] == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert q.matches == [(("epc", "child"), ["https://id.gs1.org/01/08934567890120/21/0F3KZ9X2M4N6P8Q1A"])]
    assert q.per_page == query.MAX_PER_PAGE
    assert _q(eventType="ObjectEvent").fingerprint != _q(eventType="AggregationEvent").fingerprint
    assert _q(eventType="ObjectEvent").fingerprint == _q(eventType="ObjectEvent", perPage="5").fingerprint


@pytest.mark.parametrize(
    "values",
    [
        {"foo": "bar"},
        {"eventType": "NoSuchEvent"},
        {"EQ_action": "ADDD"},
        {"EQ_bizStep": "harvesting"},
        {"GE_eventTime": "yesterday"},
        {"GE_eventTime": "2026-11-01T00:00:00"},
        {"GE_eventTime": "2026-01-01T00:00:00Z|2026-02-01T00:00:00Z"},
        {"perPage": "0"},
        {"perPage": "-1"},
        {"perPage": "ten"},
        {"eventCountLimit": "5"},
        {"eventCountLimit": "5", "maxEventCount": "5", "orderBy": "eventTime"},
        {"orderBy": "bizStep"},
        {"orderDirection": "UP"},
        {"EQ_readPoint": "not-a-uri"},
        {"MATCH_epc": ""},
    ],
)
def test_bad_query_parameters_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(QueryParameterException):
        _q(**values)


@pytest.mark.parametrize("name", ["WD_bizLocation", "EQ_quantity", "EQ_INNER_ILMD_ocop:harvestDate", "EXISTS_ilmd"])
def test_standard_parameters_we_lack_say_so(name: str) -> None:
    with pytest.raises(NotImplementedException):
        _q(**{name: "x"})


def test_identifier_keys_compare_any_spelling() -> None:
    serial = "0F3KZ9X2M4N6P8Q1A"
    keys = {
        M.key(f"HTTPS://TEM.EXAMPLE.VN/01/08934567890120/10/261101-1/21/{serial}"),
        M.key(f"https://tem.example.vn/01/8934567890120/21/{serial}"),
        M.key(f"urn:epc:id:sgtin:893456.0789012.{serial}"),
    }
    assert keys == {f"https://id.gs1.org/01/08934567890120/21/{serial}"}
    assert M.key(f"HTTP://127.0.0.1:8002/s/{serial.lower()}") == f"https://truyxuat.example.vn/S/{serial}"
    assert M.resolve(f"https://id.gs1.org/01/08934567890120/21/{serial}").kind == "stamp"
    assert M.resolve("https://id.gs1.org/01/08934567890120/21/ABC").kind == "gtin"  # not one of our serials
    assert M.resolve("https://id.gs1.org/01/08934567890120/10/261101-1").lot == "261101-1"
    assert M.resolve(M.place("packing-house", "VN-19-PH-01")).code == "VN-19-PH-01"
    assert M.key("urn:epc:id:sgln:893601.230000.0") == "https://id.gs1.org/414/8936012300000"


def test_units_of_measure() -> None:
    assert [uom_of(u) for u in ("kg", "Kg", "tấn", "lít", "hộp 200 g", "bó hoa", "mẫu")] == [
        "KGM",
        "KGM",
        "TNE",
        "LTR",
        "H87",
        "H87",
        None,
    ]


STAMP = "https://id.gs1.org/01/08934567890120/21/0F3KZ9X2M4N6P8Q1A"
OTHER = "https://id.gs1.org/01/08934567890120/21/7TVW2XY3Z4A5B6C73"


def _secret(asked: set[str]):
    return lambda uri: M.key(uri) not in asked and M.resolve(M.key(uri)).kind == "stamp"


def test_the_public_never_sees_serials_it_does_not_hold() -> None:
    captured = {
        "type": "AggregationEvent",
        "eventID": "urn:uuid:1",
        "eventTime": "2026-11-02T08:00:00.000+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "parentID": "https://id.gs1.org/00/189360123000000014",
        "childEPCs": [STAMP, OTHER],
        "bizStep": "packing",
        "sourceList": [{"type": "owning_party", "source": "https://id.gs1.org/417/8936012300000"}],
        "ilmd": {"ex:buyer": "Nguyễn Văn A, 0912 345 678"},
        "ex:note": "gọi 0912 345 678",
    }
    assert public_event(captured, ours=False, secret=_secret(set())) is None  # nothing left but the pallet
    shown = public_event(captured, ours=False, secret=_secret({STAMP}))
    assert shown is not None and shown["childEPCs"] == [STAMP]
    assert set(shown) == {
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "action",
        "parentID",
        "childEPCs",
        "bizStep",
    }
    ours = {"type": "ObjectEvent", "quantityList": [{"epcClass": "x:y"}], "ocop:note": "Hái tay", "action": "OBSERVE"}
    assert public_event(ours, ours=True, secret=_secret(set())) == ours


def test_prefixes_that_clash_are_renamed_without_changing_the_hash() -> None:
    base = {"type": "ObjectEvent", "eventTime": "2026-11-01T07:00:00.000+07:00", "eventTimeZoneOffset": "+07:00"}
    one = base | {"action": "OBSERVE", "epcList": [STAMP], "ex:a": "1"}
    two = base | {"action": "OBSERVE", "epcList": [OTHER], "ex:a": "2"}
    prefixes = Prefixes({"ocop": M.namespace})
    doc = query_document([(one, {"ex": "https://one.example/"}), (two, {"ex": "https://two.example/"})], prefixes)
    assert_epcis_valid(doc)
    served = doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert "ex2:a" in served[1] and doc["@context"][1]["ex2"] == "https://two.example/"
    assert event_hash(served[1], {"ex2": "https://two.example/"}) == event_hash(two, {"ex": "https://two.example/"})


def test_page_tokens_are_bound_signed_and_expire() -> None:
    tokens = PageTokens("secret")
    token = tokens.issue("q1", {"s": 42})
    assert tokens.read(token, "q1") == {"s": 42}
    with pytest.raises(QueryParameterException):
        tokens.read(token, "q2")
    raw = json.dumps({"q": "q1", "e": int(time.time()) + 99, "s": 1}).encode()
    import base64

    forged = base64.urlsafe_b64encode(raw + b"0" * 16).decode()
    with pytest.raises(QueryParameterException):
        tokens.read(forged, "q1")
    with pytest.raises(QueryParameterException):
        PageTokens("other").read(token, "q1")
    with pytest.raises(QueryParameterException):
        PageTokens("secret", ttl_s=-1).read(PageTokens("secret", ttl_s=-1).issue("q1", {"s": 1}), "q1")
    with pytest.raises(QueryParameterException):
        tokens.read("%%%", "q1")


def test_schedules() -> None:
    daily = Schedule.parse({"hour": "1", "minute": "5"})
    after = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # 19:00 in Vietnam
    assert daily.next_after(after) == datetime(2026, 11, 1, 18, 5, tzinfo=UTC)  # 01:05 the next day, UTC+7
    every = Schedule.parse({"second": "[0-59]"})
    assert every.next_after(after) == datetime(2026, 11, 1, 12, 0, 1, tzinfo=UTC)
    mondays = Schedule.parse({"dayOfWeek": "1", "hour": "8", "minute": "0,30"})
    assert mondays.next_after(after).astimezone().isoweekday() in (1, 7)  # Monday in Vietnam
    for bad in ({}, {"hour": "24"}, {"minute": "[5-1]"}, {"week": "1"}, {"hour": "1;rm"}, "daily"):
        with pytest.raises(SubscriptionControlsException):
            Schedule.parse(bad)


def test_the_service_ships_gs1s_schemas_unchanged() -> None:
    """The service validates with its own copy; it is byte-identical to GS1's files vendored for the tests."""
    from importlib import resources

    from tests.standards.epcis_checks import EPCIS_DIR

    shipped = resources.files("ocop_traceability.adapters.epcis").joinpath("gs1")
    for name in ("EPCIS-JSON-Schema.json", "query-schema.json", "LICENSE"):
        assert shipped.joinpath(name).read_bytes() == (EPCIS_DIR / name).read_bytes(), name


def _variants() -> list[tuple[str, object]]:
    from tests.standards.epcis_checks import EXAMPLES

    docs = [(p.name, json.loads(p.read_text())) for p in sorted(EXAMPLES.glob("*.jsonld"))]
    base = dict(docs)["Example_9.6.1-ObjectEvent.jsonld"]
    event = base["epcisBody"]["eventList"][0]
    broken = [
        {"eventTime": "yesterday"},
        {"bizstep": "shipping"},
        {"readPoint": {"id": "not a uri"}},
        {"quantityList": [{"epcClass": "urn:x:y", "quantity": "5"}]},
        {"quantityList": [{"epcClass": "urn:x:y", "quantity": 5, "uom": "kg"}]},
        {"bizStep": "harvesting"},
        {"action": "SOMETIMES"},
        {"eventTimeZoneOffset": "7"},
        {"ilmd": {"ex:a": 1}},
    ]
    for i, change in enumerate(broken):
        docs.append((f"broken-{i}", {**base, "epcisBody": {"eventList": [{**event, **change}]}}))
    return docs


@pytest.mark.parametrize(("name", "doc"), _variants(), ids=[n for n, _d in _variants()])
def test_the_service_validator_agrees_with_jsonschema(name: str, doc: object) -> None:
    """jsonschema-rs (the service, fast) and jsonschema (the tests, independent) give the same verdict."""
    from ocop_traceability.adapters.epcis.schema import EpcisSchemas
    from tests.standards.epcis_checks import epcis_errors

    ours = EpcisSchemas().document_errors(doc)
    assert bool(ours) == bool(epcis_errors(doc)), (name, ours, epcis_errors(doc))
    assert bool(ours) == name.startswith("broken"), (name, ours)
