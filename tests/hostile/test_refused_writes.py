"""A refused write changes nothing: every write route of the three OpenAPI documents, each with bodies that
must be refused, leaves every database byte-identical.

For each route a body it accepts (``write_templates``) has one field replaced by a value of the wrong kind
(an operator-looking object, a list of nulls, a string longer than any field takes) or by a value of the
right kind that breaks the field's rule (an image that is not a URL, a certification of no known scheme).
Each must answer 4xx, and afterwards each service's database (every collection, every document, compared as
BSON bytes; the outbox by its rows, whose publication flag the relay flips) is what it was before. Issue 14
found ``PATCH /products/{id}`` answering 422 *after* saving; this test fails on that code.
"""

from __future__ import annotations

import asyncio
import json

import bson
import pytest

from conftest import auth
from tests.hostile.support import seed_producer, write_templates

pytestmark = pytest.mark.integration

SERVICES = ("registry", "traceability", "marketplace_sync")
# background workers' leases (renewed every few seconds), not records
LEASES = {"relay_state", "epcis_state"}
WRONG_KIND = [{"$gt": ""}, [None], "x" * 20_000]
# values of the right kind that break a rule of the field (only where the template has the field)
BROKEN = {
    "images": [["not-a-url"], ["https://example.org/a b.jpg"], ["javascript:alert(1)"]],
    "certifications": [
        [{"scheme": "\u202e"}],
        [{"scheme": "VietGAP", "valid_from": "2025-01-02", "valid_until": "2024-01-01"}],
    ],
    "name": ["X", "Chè\u202eabc", "a\x00b", " \u200b "],
    "gtin": ["8934567890121", "123"],
    "price_vnd": [-1, 10**12],
    "tax_code": ["123", "01001091060"],
    "code": ["XX-19", "VN"],
    "geometry": [{"type": "Point", "coordinates": [105.6, 22.1]}],
    "count": [0, -5],
    "description": ["x\x07y"],
    "place": ["\u202ePlace"],
    "note": ["a\x00"],
    "to_seq": [0],
    "username": ["../x"],
}


async def snapshot(apps) -> dict[str, dict[str, object]]:
    """Every stored document of the three services, as BSON bytes (the outbox: its rows' ids and events)."""
    state: dict[str, dict[str, object]] = {}
    for service in SERVICES:
        db = apps.runtime(service).db
        for name in sorted(set(await db.list_collection_names()) - LEASES):
            docs = await db[name].find({}).to_list(None)
            if name == "outbox":
                state[f"{service}.{name}"] = sorted(str(d["_id"]) for d in docs)
            else:
                state[f"{service}.{name}"] = {str(d["_id"]): bson.encode(d) for d in docs}
    return state


async def settled(apps) -> dict[str, dict[str, object]]:
    """A snapshot once the seeding's events have been consumed (two snapshots a second apart agree)."""
    before = await snapshot(apps)
    for _ in range(30):
        await asyncio.sleep(1)
        now = await snapshot(apps)
        if now == before:
            return now
        changed, before = differences(before, now), now
    raise AssertionError(f"the databases did not settle: {changed}")


def differences(before: dict, after: dict) -> list[str]:
    changed = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            ids = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            changed.append(f"{name}: {ids[:5]}")
        else:
            changed.append(f"{name}: outbox rows {sorted(set(new) - set(old))[:5]}")
    return changed


def bodies(template: dict) -> list[tuple[str, object]]:
    out = [(field, value) for field in template for value in WRONG_KIND]
    out += [(field, value) for field in template for value in BROKEN.get(field, [])]
    return out


@pytest.mark.timeout(600)
async def test_every_refused_write_leaves_every_database_unchanged(hostile_apps):
    seeded = await seed_producer(hostile_apps)
    # the dossier, council and plan routes (issues 20 and 22, merged last) are not in this audit yet
    later = ("/api/v1/dossiers", "/api/v1/councils", "/api/v1/plans")
    templates = [t for t in write_templates(seeded) if not t[2].startswith(later)]
    documented = set()
    for service in SERVICES:
        for path, item in (await hostile_apps[service].get("/openapi.json")).json()["paths"].items():
            if not path.startswith(later):
                documented |= {(service, m.upper(), path) for m, op in item.items() if "requestBody" in op}
    covered = {
        (service, method, path)
        for service, method, path in documented
        for t_service, t_method, url, _ in templates
        if (t_service, t_method) == (service, method) and _matches(path, url)
    }
    assert covered == documented, f"write routes without a template: {sorted(documented - covered)}"

    before = await settled(hostile_apps)
    accepted, refused = [], 0
    for service, method, url, template in templates:
        for field, value in bodies(template):
            body = json.dumps({**template, field: value}).encode()
            response = await hostile_apps[service].request(
                method, url, content=body, headers={**auth("official"), "Content-Type": "application/json"}
            )
            if response.status_code < 400:  # reported below; what it changed is the new "before"
                accepted.append(f"{method} {url} {field}={str(value)[:60]!r}: {response.status_code}")
                before = await settled(hostile_apps)
                continue
            assert response.status_code < 500, response.text
            refused += 1
            after = await snapshot(hostile_apps)
            changed = differences(before, after)
            assert not changed, f"{method} {url} {field}={str(value)[:60]!r} → {response.status_code}, yet {changed}"
    print(f"\nrefused writes: {refused} over {len(templates)} write routes, every database unchanged")
    assert not accepted, "accepted though invalid:\n" + "\n".join(accepted)


def _matches(path: str, url: str) -> bool:
    """Whether ``url`` is an instance of the OpenAPI ``path`` template."""
    parts, actual = path.split("/"), url.split("/")
    return len(parts) == len(actual) and all(p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True))
