"""Random and hostile JSON against every write route: always a 4xx (or a success), never a 5xx."""

from __future__ import annotations

import random

import pytest

from conftest import auth

pytestmark = pytest.mark.integration

ROUTES = {
    "registry": [
        "/api/v1/producers",
        "/api/v1/products",
        "/api/v1/products/x/evaluations",
        "/api/v1/evaluations/x/certificate",
        "/api/v1/certificates/x/renew",
        "/api/v1/certificates/x/revoke",
        "/api/v1/imports/products",
        "/api/v1/imports/producers",
    ],
    "traceability": [
        "/api/v1/growing-areas",
        "/api/v1/packing-houses",
        "/api/v1/batches",
        "/api/v1/batches/x/events",
        "/api/v1/batches/x/stamp-runs",
        "/api/v1/stamp-runs/x/void",
    ],
}
KEYS = [
    "name",
    "kind",
    "tax_code",
    "province",
    "commune",
    "district",
    "producer_id",
    "group",
    "gtin",
    "price_vnd",
    "scores",
    "level",
    "criteria_version",
    "evaluated_on",
    "decision_no",
    "issued_on",
    "reason",
    "code",
    "crop",
    "area_ha",
    "geometry",
    "coordinates",
    "type",
    "product_id",
    "growing_area_code",
    "harvest_date",
    "quantity",
    "unit",
    "lot",
    "count",
    "rows",
    "from_seq",
    "to_seq",
    "time",
    "place",
    "evaluation_id",
    "images",
]


def value(rng: random.Random, depth: int = 0):
    kinds = ["int", "float", "str", "bool", "none", "list", "dict"] if depth < 3 else ["int", "str", "none"]
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 1, 3, 10**20, -(10**18), 2**63])
    if kind == "float":
        return rng.choice([0.5, -1e308, 1e308, 105.6, 22.1])
    if kind == "str":
        return rng.choice(
            [
                "",
                "x" * 5000,
                "Thái Nguyên",
                "VN-19-063",
                "2026-13-45",
                "0123456789",
                "\x00\ud800"[:1],
                "'; DROP TABLE",
                '{"$gt": ""}',
                "food",
                "Polygon",
                "8934567890120",
            ]
        )
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "none":
        return None
    if kind == "list":
        return [value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice([*KEYS, "$where", "$gt"]): value(rng, depth + 1) for _ in range(rng.randrange(0, 6))}


async def test_random_bodies_never_cause_5xx(apps):
    rng = random.Random(20261123)
    tokens = [auth("official"), auth("operator"), auth("producer", producer_id="p-1")]
    for service, routes in ROUTES.items():
        for route in routes:
            for _ in range(40):
                body = {rng.choice(KEYS): value(rng) for _ in range(rng.randrange(0, 8))}
                if rng.random() < 0.1:
                    body = value(rng)
                r = await apps[service].post(route, json=body, headers=rng.choice(tokens))
                assert r.status_code < 500, (service, route, body, r.text[:500])
                if r.status_code >= 400:
                    assert "error" in r.json(), r.text[:300]
            raw = await apps[service].post(
                route, content=b"\xff\xfe{{{", headers={**tokens[0], "Content-Type": "application/json"}
            )
            assert 400 <= raw.status_code < 500
