"""Schemathesis over the three OpenAPI documents: no input, from anyone, answers a 5xx, and the documents tell
the truth (schemathesis' conformance checks: every status, content type, header and body answered is the one
the document declares, and every request the schema says is valid is accepted).

Each service's document is read from the running app. For every operation Schemathesis generates
valid (positive) and invalid (negative) requests, half of them aimed at real records seeded first (a
producer with product, certificate, growing area, batch and stamp run) so the generator gets past the
404s, and each request is sent with one of: an unscoped official, an official of another province,
an operator, the owning producer, another producer, no token. Every response must not be a 5xx,
every error must have the contract's shape, and a response the document describes must conform to
it. The public stamp URLs are plain routes outside the OpenAPI documents: a Hypothesis property test
covers them (an unknown or tampered code is ``unknown``, 404, never a 5xx).

Bounded and reproducible: ``OCOP_FUZZ_EXAMPLES`` examples per operation (default 40) with Hypothesis
derandomized, so CI sees the same requests every run.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import auth
from tests.hostile.support import seed_dossiers, seed_producer
from tests.hostile.support import write_templates as _templates

pytestmark = [
    pytest.mark.integration,
    # schemathesis' own strategies trip this Hypothesis deprecation; not ours to fix
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

EXAMPLES = int(os.environ.get("OCOP_FUZZ_EXAMPLES", "40"))
SERVICES = ("registry", "traceability", "marketplace_sync", "national_sync")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
]
# Deliberate exceptions (README, "API integrity"): rules no JSON Schema can state, so a schema-valid body may
# still be refused with 422 (positive_data_acceptance only). Keyed by operation label.
SCHEMA_CANNOT_SAY = {
    # dossiers and councils (issue 20): the criteria sheet's indicators and maxima, the dossier's status
    # machine, who sits on the council, evidence content (magic bytes)
    "POST /api/v1/dossiers": "dossier rules",
    "PATCH /api/v1/dossiers/{dossier_id}": "dossier rules",
    "POST /api/v1/dossiers/{dossier_id}/submit": "dossier rules",
    "POST /api/v1/dossiers/{dossier_id}/return": "dossier rules",
    "POST /api/v1/dossiers/{dossier_id}/evidence": "evidence content",
    "POST /api/v1/councils": "council rules",
    "POST /api/v1/councils/{council_id}/scores": "criteria sheet",
    # plans (issue 22): units from the official lists as the plan states them, indicators from configuration,
    # the annex file's content
    "POST /api/v1/plans": "plan units and indicators",
    "POST /api/v1/plans/import": "file content",
    # a certification's valid_until on or after its valid_from (a rule between two fields): schemathesis found
    # a PATCH with dates out of order answered 422 dates_out_of_order, as it should be
    "POST /api/v1/products": "certification dates in order",
    "PATCH /api/v1/products/{product_id}": "certification dates in order",
    # passwords: 12–128 characters and not the account name (issue 15)
    "POST /api/v1/users": "password rules",
    # the file's content: an .xlsx or .csv workbook (JSON Schema describes a multipart part as bytes)
    "POST /api/v1/imports/{kind}": "file content",
    # province and commune from the official list (vietnam-provinces), given by code or by name in any form
    "POST /api/v1/producers": "administrative units",
    "PATCH /api/v1/producers/{producer_id}": "administrative units",
    "POST /api/v1/packing-houses": "administrative units",
    # the council levels configured (OCOP_COUNCIL_MAX_STARS) and each part's maximum under the criteria version
    "POST /api/v1/products/{product_id}/evaluations": "scoring rules",
    # a closed, non-self-intersecting polygon inside Vietnam; certification dates in order
    "POST /api/v1/growing-areas": "geometry",
    # the certificate rules: 3★ or more, what the council level may award, no active certificate already
    "POST /api/v1/evaluations/{evaluation_id}/certificate": "certification rules",
    "POST /api/v1/certificates/{certificate_id}/renew": "certification rules",
    "POST /api/v1/certificates/{certificate_id}/upgrade": "certification rules",
}


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _principals(own: str, other: str) -> list[tuple[str, dict[str, str]]]:
    return [
        ("official", auth("official")),
        ("official-other-province", auth("official", provinces=("24",))),
        ("operator", auth("operator")),
        ("producer-owner", auth("producer", producer_id=own)),
        ("producer-other", auth("producer", producer_id=other)),
        ("anonymous", {}),
    ]


def _strategy(operation, ids: dict[str, str]):
    names = [p.name for p in operation.path_parameters]
    known = {n: ids[n] for n in names if n in ids}
    choices = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    if known:
        choices += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known)] * 2
        choices.append(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known))
    return st.one_of(choices)


async def _send(client, kwargs: dict):
    prepared = requests.Request(**kwargs).prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    return await client.request(prepared.method, prepared.url, content=prepared.body, headers=headers)


def _gs1(digits: int):
    """GS1 identifiers (format gtin / gln): digits with the GS1 mod-10 check digit, as the standard defines it."""

    def with_check(body: str) -> str:
        total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
        return body + str((10 - total % 10) % 10)

    return st.text("0123456789", min_size=digits - 1, max_size=digits - 1).map(with_check)


schemathesis.openapi.format("gtin", st.one_of(_gs1(8), _gs1(13), _gs1(14)))
schemathesis.openapi.format("gln", _gs1(13))


def checks_for(label: str) -> list:
    return [c for c in CHECKS if not (c is positive_data_acceptance and label in SCHEMA_CANNOT_SAY)]


def _fuzz_operation(loop, client, service: str, operation, ids: dict, principals: list, tally: Tally) -> None:
    """Runs in a worker thread (Hypothesis is synchronous); requests go to the apps on the test loop."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, ids), who=st.sampled_from(principals))
    def fuzz(case, who):
        label, headers = who
        kwargs = case.as_transport_kwargs(base_url=f"http://{service}")
        kwargs["headers"] = {k: v for k, v in kwargs["headers"].items() if k.lower() != "authorization"} | headers
        response = asyncio.run_coroutine_threadsafe(_send(client, kwargs), loop).result(timeout=60)
        tally.examples += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        problems = []
        try:
            case.validate_response(response, checks=checks_for(operation.label))
        except (AssertionError, FailureGroup) as exc:
            problems.append(str(exc)[:1500])
        if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
            error = response.json().get("error") if isinstance(response.json(), dict) else None
            if not (isinstance(error, dict) and error.get("code") and error.get("message")):
                problems.append(f"error without the contract shape: {response.text[:300]}")
        for problem in problems:
            tally.failures.append(f"{service} {operation.label} as {label}: {response.status_code}\n{problem}")

    fuzz()


@pytest.fixture(scope="module")
async def seeded(hostile_apps):
    own = await seed_dossiers(hostile_apps, await seed_producer(hostile_apps))  # dossier and council ids too
    return own, await seed_producer(hostile_apps, commune="Xã Bạch Thông")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("service", SERVICES)
async def test_no_operation_answers_5xx(hostile_apps, seeded, service):
    own, other = seeded
    client = hostile_apps[service]
    document = (await client.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    principals = _principals(own.producer["id"], other.producer["id"])
    tally = Tally()
    loop = asyncio.get_running_loop()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        await asyncio.to_thread(_fuzz_operation, loop, client, service, operation, own.ids(), principals, tally)
    print(
        f"\n{service}: {tally.operations} operations, {tally.examples} requests, "
        f"statuses {sorted(tally.statuses.items())}"
    )
    assert tally.operations >= {"registry": 20, "traceability": 15, "marketplace_sync": 5, "national_sync": 2}[service]
    for failure in tally.failures:  # in full (the assertion's message is cut)
        print(f"\n--- {failure}")
    assert not tally.failures, f"{len(tally.failures)} failures:\n\n" + "\n\n".join(tally.failures[:15])


# --- deeper than the documents: a valid body with one hostile field -----------------------------------
# Schemathesis rarely gets a whole body right (a real evaluation id, a closed polygon inside Vietnam…),
# so the checks behind the validation layer stay unreached. Here each request is a body that would be
# accepted, with one field replaced (or added) by something hostile: numbers past 64 bits, NaN and
# Infinity (Python's JSON parser reads them), dates at the ends of the calendar, NUL and lone surrogates,
# operator-looking keys, deep nesting. Every bug fixed in this change was first found this way.

HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            2**63,
            -(2**63) - 1,
            10**30,
            2**31 + 1,
            0,
            -1,
            1e999,
            -1e999,
            float("nan"),
            1e308,
            5e-324,
            "9999-12-31",
            "0001-01-01",
            "9999-12-31T23:59:59+00:00",
            "0001-01-01T00:00:00-23:59",
            "\x00",
            "\ud800",
            "$where",
            "a.b",
            "x" * 10_000,
            "",
            " ",
            True,
            None,
            [],
            {},
            {"$gt": ""},
            {"a.b": 1, "$x": [1]},
            [[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]],
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.dates().map(str),
    st.datetimes().map(str),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=8,
    ),
)


def _mutate(body: dict, path: list, value):
    """``body`` with the value at ``path`` (keys / list indexes, following what exists) replaced."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(body, dict):
        name = key if isinstance(key, str) else (sorted(body)[key % len(body)] if body else "x")
        return {**body, name: _mutate(body.get(name), rest, value)}
    if isinstance(body, list) and body:
        i = key % len(body) if isinstance(key, int) else 0
        return [*body[:i], _mutate(body[i], rest, value), *body[i + 1 :]]
    return value


@pytest.mark.timeout(300)
async def test_valid_bodies_with_one_hostile_field_never_5xx(hostile_apps, seeded):
    own, _ = seeded
    templates = _templates(own)
    loop = asyncio.get_running_loop()
    failures: list[str] = []
    sent = 0

    @settings(
        max_examples=EXAMPLES * 15,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        route=st.sampled_from(templates),
        path=st.lists(st.integers(0, 20) | st.sampled_from(["extra", "$set"]), min_size=1, max_size=4),
        value=HOSTILE_VALUES,
    )
    def fuzz(route, path, value):
        nonlocal sent
        service, method, url, template = route
        body = _mutate(template, path, value)
        content = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
        response = asyncio.run_coroutine_threadsafe(
            hostile_apps[service].request(
                method, url, content=content, headers={**auth("official"), "Content-Type": "application/json"}
            ),
            loop,
        ).result(timeout=60)
        sent += 1
        if response.status_code >= 500 or (response.status_code >= 400 and "error" not in response.json()):
            failures.append(f"{service} {method} {url} {content[:300]!r}: {response.status_code} {response.text[:300]}")

    await asyncio.to_thread(fuzz)
    print(f"\nhostile-field bodies: {sent} requests over {len(templates)} write routes")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize(
    "field,value,route",
    [
        # the regressions of the bugs this suite found, each once, explicitly
        ("issued_on", "9999-12-31", "renew"),
        ("issued_on", "9999-12-31", "upgrade"),
        ("scores", {"A": float("nan"), "B": 19, "C": 25}, "evaluate"),
        ("scores", {"A": 1e999, "B": 19, "C": 25}, "evaluate"),
        ("to_seq", 10**19, "activate"),
        ("from_seq", 2**63, "void"),
        (
            "geometry",
            {
                "type": "Polygon",
                "coordinates": [[[105.6, 22.1, 1e999], [105.61, 22.1], [105.61, 22.11], [105.6, 22.1, 1e999]]],
            },
            "area",
        ),
        (
            "geometry",
            {
                "type": "Polygon",
                "coordinates": [[[105.6, 22.1, {"$where": 1}], [105.61, 22.1], [105.61, 22.11], [105.6, 22.1]]],
            },
            "area",
        ),
        ("rows", [{"name": "Mơ", "group": "food", "price_vnd": "1e999"}], "import"),
        ("group", None, "patch"),
        ("images", None, "patch"),
        ("name", None, "patch"),
    ],
)
async def test_found_bugs_answer_4xx(hostile_apps, seeded, field, value, route):
    own, _ = seeded
    by_name = {"patch": 2, "renew": 5, "upgrade": 6, "evaluate": 3, "activate": 15, "void": 16, "area": 10, "import": 8}
    service, method, url, template = _templates(own)[by_name[route]]
    body = template | {field: value}
    if route == "import":
        body = {"rows": [value[0] | {"producer_tax_code": own.producer["tax_code"]}]}
    response = await hostile_apps[service].request(
        method, url, content=json.dumps(body).encode(), headers={**auth("official"), "Content-Type": "application/json"}
    )
    if route == "import":  # a row-by-row report: the bad price is that row's error
        assert response.status_code == 200 and response.json()["errors"][0]["row"] == 2, response.text
    else:
        assert 400 <= response.status_code < 500 and response.json()["error"]["code"], response.text


async def test_same_product_twice_is_a_conflict(hostile_apps, seeded):
    """Regression: insert_many reports a duplicate key as BulkWriteError, which the repository did not map,
    so registering a producer's product name twice answered 500 instead of 409."""
    own, _ = seeded
    body = {"producer_id": own.producer["id"], "name": "Mật ong bạc hà", "group": "food"}
    first = await hostile_apps["registry"].post("/api/v1/products", json=body, headers=auth("official"))
    again = await hostile_apps["registry"].post("/api/v1/products", json=body, headers=auth("official"))
    assert first.status_code == 201 and again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "duplicate_product"
