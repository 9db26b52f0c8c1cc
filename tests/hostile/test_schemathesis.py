"""Schemathesis over the three OpenAPI documents: no input, from anyone, answers a 5xx.

Each service's document is read from the running app. For every operation Schemathesis generates
valid (positive) and invalid (negative) requests, half of them aimed at real records seeded first (a
producer with product, certificate, growing area, batch and stamp run) so the generator gets past the
404s, and each request is sent with one of: an unscoped official, an official of another province,
an operator, the owning producer, another producer, no token. Every response must not be a 5xx,
every error must have the contract's shape, and a response the document describes must conform to
it. The public stamp URLs are plain routes outside the OpenAPI documents: a Hypothesis property test
covers them (an unknown or tampered code is ``unknown``, 404, never a 5xx).

Bounded and reproducible: ``OCOP_FUZZ_EXAMPLES`` examples per operation (default 20) with Hypothesis
derandomized, so CI sees the same requests every run.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from conftest import auth
from tests.hostile.support import seed_producer

pytestmark = [pytest.mark.integration,
              # schemathesis' own strategies trip this Hypothesis deprecation; not ours to fix
              pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")]

EXAMPLES = int(os.environ.get("OCOP_FUZZ_EXAMPLES", "20"))
SERVICES = ("registry", "traceability", "marketplace_sync")


@dataclass
class Tally:
    operations: int = 0
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _principals(own: str, other: str) -> list[tuple[str, dict[str, str]]]:
    return [("official", auth("official")), ("official-other-province", auth("official", provinces=("24",))),
            ("operator", auth("operator")), ("producer-owner", auth("producer", producer_id=own)),
            ("producer-other", auth("producer", producer_id=other)), ("anonymous", {})]


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


def _fuzz_operation(loop, client, service: str, operation, ids: dict, principals: list, tally: Tally) -> None:
    """Runs in a worker thread (Hypothesis is synchronous); requests go to the apps on the test loop."""

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
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
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except AssertionError as exc:  # schemathesis' failure groups are AssertionErrors
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
    return await seed_producer(hostile_apps), await seed_producer(hostile_apps, commune="Xã Bạch Thông")


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
    print(f"\n{service}: {tally.operations} operations, {tally.examples} requests, statuses {sorted(tally.statuses.items())}")
    assert tally.operations >= {"registry": 20, "traceability": 15, "marketplace_sync": 5}[service]
    assert not tally.failures, f"{len(tally.failures)} failures:\n\n" + "\n\n".join(tally.failures[:15])
