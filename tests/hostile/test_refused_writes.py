"""A refused write changes nothing: every write route with a JSON body in the three OpenAPI documents, each
with bodies that must be refused, leaves every database byte-identical.

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
from tests.hostile.support import Seeded, seed_dossiers, seed_producer, write_templates
from tests.support.dossiers import auth_as

pytestmark = pytest.mark.integration

SERVICES = ("registry", "traceability", "marketplace_sync")
# background workers' leases (renewed every few seconds), not records
LEASES = {"relay_state", "epcis_state"}
# The embedded server lists GridFS's collections (the registry's evidence files) by its own table names, and a
# find on `evidence_files` never answers: the files' records are read under their real name, and each record
# (length, md5, metadata) stands for its bytes (`evidence.chunks` reads back empty there).
GRIDFS = {"evidence_files": "evidence.files", "evidence_chunks": None}
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
        listed = set(await db.list_collection_names()) - LEASES
        for name in sorted({GRIDFS.get(n, n) for n in listed} - {None}):
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
    seeded = await seed_dossiers(hostile_apps, await seed_producer(hostile_apps))
    templates = [(*t, auth("official")) for t in write_templates(seeded)] + dossier_templates(seeded)
    documented = set()
    for service in SERVICES:
        for path, item in (await hostile_apps[service].get("/openapi.json")).json()["paths"].items():
            documented |= {(service, m.upper(), path) for m, op in item.items() if _takes_json(op)}
    covered = {
        (service, method, path)
        for service, method, path in documented
        for t_service, t_method, url, _, _ in templates
        if (t_service, t_method) == (service, method) and _matches(path, url)
    }
    assert covered == documented, f"write routes without a template: {sorted(documented - covered)}"

    before = await settled(hostile_apps)
    accepted, refused = [], 0
    for service, method, url, template, headers in templates:
        for field, value in bodies(template):
            body = json.dumps({**template, field: value}).encode()
            response = await hostile_apps[service].request(
                method, url, content=body, headers={**headers, "Content-Type": "application/json"}
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


def dossier_templates(s: Seeded) -> list[tuple[str, str, str, dict, dict[str, str]]]:
    """The dossier and council routes, each sent as the one who may write there (the owner, the council's
    chair, an official of the province). A route whose record is not in the state it needs (a draft returned
    or put before a council) refuses every body on that ground too: what it must not do either is write."""
    owner, chair, official = auth("producer", producer_id=s.producer["id"]), auth_as(s.chair), auth("official")
    council = f"/api/v1/councils/{s.council['id']}"
    return [
        (
            "registry",
            "POST",
            "/api/v1/dossiers",
            {"product_id": s.product["id"], "cycle_year": 2027, "kind": "upgrade"},
            owner,
        ),
        (
            "registry",
            "PATCH",
            f"/api/v1/dossiers/{s.draft['id']}",
            {"production_capacity": "5 tấn/năm", "note": "Bổ sung"},
            owner,
        ),
        ("registry", "POST", f"/api/v1/dossiers/{s.draft['id']}/return", {"comment": "Bổ sung minh chứng"}, official),
        (
            "registry",
            "POST",
            "/api/v1/councils",
            {
                "name": "Hội đồng thẩm định cấp tỉnh",
                "level": "province",
                "province": "19",
                "meeting_on": "2026-11-20",
                "members": [{"username": s.chair, "role": "chair"}],
            },
            official,
        ),
        ("registry", "POST", f"{council}/dossiers", {"dossier_id": s.draft["id"]}, official),
        (
            "registry",
            "POST",
            f"{council}/scores",
            {"dossier_id": s.accepted["id"], "scores": {"A": 30, "B": 15, "C": 20}},
            chair,
        ),
        (
            "registry",
            "POST",
            f"{council}/conflicts",
            {"dossier_id": s.declared["id"], "reason": "Người thân làm việc cho chủ thể"},
            chair,
        ),
        ("registry", "POST", f"{council}/decision", {"decision_no": "9/QĐ-UBND", "issued_on": "2026-11-30"}, official),
    ]


def _takes_json(operation: dict) -> bool:
    """A write with a JSON body (file uploads have their own hostile files: services/registry/tests/
    test_evidence_files.py, tests/integration/test_dossiers.py's evidence test, the import tests)."""
    return "application/json" in operation.get("requestBody", {}).get("content", {})


def _matches(path: str, url: str) -> bool:
    """Whether ``url`` is an instance of the OpenAPI ``path`` template."""
    parts, actual = path.split("/"), url.split("/")
    return len(parts) == len(actual) and all(p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True))
