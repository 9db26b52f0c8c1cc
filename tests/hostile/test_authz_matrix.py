"""Authorization matrix over every write route of the three services.

The routes are read from the running apps' OpenAPI documents (every POST/PUT/PATCH/DELETE), so a new write
route without a row here fails the test. Each row acts on producer B's records (seeded for real, in
province 19) and is sent as: nobody, an expired token, a token signed with another key, an unsigned
(``alg: none``) token → 401; a role that may not write there → 403; producer A → 403 or 404 (never
B's data); an official scoped to another province (24) → 403 or 404. Last, the allowed caller gets
through (not 401/403/404), which proves the row points at a real, reachable record.
The registry's read-side matrix stays in tests/integration/test_registry_features.py.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from conftest import KEYS, auth
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing
from tests.hostile.support import Seeded, seed_dossiers, seed_producer
from tests.support.dossiers import auth_as

pytestmark = pytest.mark.integration

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Row:
    #: who may write: "staff" (officials, operators), "owner" (also the producer itself), "operator" only, or
    #: "member" (the members of the council, here its chair)
    writers: str
    request: Callable[[Seeded], tuple[str, dict | None]]
    #: does a province scope apply? (False: a national job, or an import that filters rows by province)
    scoped: bool = True


def _decision(s: Seeded) -> dict:
    return {"evaluation_id": s.spare_evaluation["id"], "decision_no": "9/QĐ-UBND", "issued_on": "2026-11-01"}


ROWS: dict[tuple[str, str, str], Row] = {
    ("registry", "POST", "/api/v1/producers"): Row(
        "staff",
        lambda s: (
            "/api/v1/producers",
            {"name": "HTX Mới", "kind": "household", "tax_code": "0100109106", "province": "19"},
        ),
    ),
    ("registry", "PATCH", "/api/v1/producers/{producer_id}"): Row(
        "staff", lambda s: (f"/api/v1/producers/{s.producer['id']}", {"public_name": "HTX đã sửa"})
    ),
    ("registry", "POST", "/api/v1/migrations/admin-units"): Row(
        "operator", lambda s: ("/api/v1/migrations/admin-units", {"dry_run": True}), scoped=False
    ),
    ("traceability", "POST", "/api/v1/migrations/admin-units"): Row(
        "operator", lambda s: ("/api/v1/migrations/admin-units", {"dry_run": True}), scoped=False
    ),
    ("registry", "POST", "/api/v1/products"): Row(
        "staff",
        lambda s: ("/api/v1/products", {"producer_id": s.producer["id"], "name": "Sản phẩm mới", "group": "food"}),
    ),
    ("registry", "PATCH", "/api/v1/products/{product_id}"): Row(
        "staff", lambda s: (f"/api/v1/products/{s.product['id']}", {"price_vnd": 1})
    ),
    ("registry", "POST", "/api/v1/products/{product_id}/evaluations"): Row(
        "staff",
        lambda s: (
            f"/api/v1/products/{s.product['id']}/evaluations",
            {"level": "province", "scores": {"A": 30, "B": 15, "C": 20}, "evaluated_on": "2026-10-01"},
        ),
    ),
    ("registry", "POST", "/api/v1/evaluations/{evaluation_id}/certificate"): Row(
        "staff",
        lambda s: (
            f"/api/v1/evaluations/{s.spare_evaluation['id']}/certificate",
            {"decision_no": "9/QĐ-UBND", "issued_on": "2026-11-01"},
        ),
    ),
    ("registry", "POST", "/api/v1/certificates/{certificate_id}/renew"): Row(
        "staff", lambda s: (f"/api/v1/certificates/{s.certificate['id']}/renew", _decision(s))
    ),
    ("registry", "POST", "/api/v1/certificates/{certificate_id}/upgrade"): Row(
        "staff", lambda s: (f"/api/v1/certificates/{s.certificate['id']}/upgrade", _decision(s))
    ),
    ("registry", "POST", "/api/v1/certificates/{certificate_id}/revoke"): Row(
        "staff",
        lambda s: (f"/api/v1/certificates/{s.certificate['id']}/revoke", {"reason": "thử", "decision_no": "9/QĐ-UBND"}),
    ),
    ("registry", "POST", "/api/v1/migrations/products"): Row(
        "operator", lambda s: ("/api/v1/migrations/products", {"dry_run": True}), scoped=False
    ),
    ("registry", "POST", "/api/v1/jobs/expire-certificates"): Row(
        "staff", lambda s: ("/api/v1/jobs/expire-certificates", None), scoped=False
    ),
    ("registry", "POST", "/api/v1/imports/{kind}"): Row(
        "staff",
        lambda s: (
            "/api/v1/imports/products",
            {"rows": [{"producer_tax_code": s.producer["tax_code"], "name": "Nhập", "group": "food"}]},
        ),
        scoped=False,
    ),
    ("registry", "POST", "/api/v1/plans"): Row(
        "staff",
        lambda s: (
            "/api/v1/plans",
            {
                "number": f"KH-{uuid.uuid4().hex[:6]}",
                "year": 2026,
                "issuer": "UBND tỉnh Thái Nguyên",
                "province": "19",
                "unit_scheme": "current",
                "indicators": ["new_3star"],
                "targets": [{"unit": "Xã Bạch Thông", "values": {"new_3star": 2}}],
            },
        ),
    ),
    # multipart (file + fields): sent JSON here, the allowed caller gets a 422; the province scope is checked
    # once the file is read (tests/integration/test_plans.py and the use case's tests)
    ("registry", "POST", "/api/v1/plans/import"): Row("staff", lambda s: ("/api/v1/plans/import", None), scoped=False),
    ("traceability", "POST", "/api/v1/growing-areas"): Row(
        "owner",
        lambda s: (
            "/api/v1/growing-areas",
            {
                "code": f"{s.area_code}-2",
                "name": "Vùng mới",
                "crop": "chè",
                "producer_id": s.producer["id"],
                "province": "19",
                "area_ha": 1,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[105.7, 22.2], [105.71, 22.2], [105.71, 22.21], [105.7, 22.2]]],
                },
            },
        ),
    ),
    ("traceability", "POST", "/api/v1/packing-houses"): Row(
        "owner",
        lambda s: (
            "/api/v1/packing-houses",
            {
                "code": f"{s.packing_house_code}-2",
                "name": "Xưởng mới",
                "producer_id": s.producer["id"],
                "province": "19",
            },
        ),
    ),
    ("traceability", "POST", "/api/v1/batches"): Row(
        "owner",
        lambda s: (
            "/api/v1/batches",
            {
                "product_id": s.product["id"],
                "growing_area_code": s.area_code,
                "harvest_date": "2026-10-22",
                "quantity": 5,
                "unit": "kg",
            },
        ),
    ),
    ("traceability", "POST", "/api/v1/batches/{batch_id}/events"): Row(
        "owner",
        lambda s: (
            f"/api/v1/batches/{s.batch['id']}/events",
            {"type": "shipping", "time": "2026-10-23T08:00:00+07:00", "place": "Chợ Đồn"},
        ),
    ),
    ("traceability", "POST", "/api/v1/batches/{batch_id}/stamp-runs"): Row(
        "owner", lambda s: (f"/api/v1/batches/{s.batch['id']}/stamp-runs", {"count": 1})
    ),
    ("traceability", "POST", "/api/v1/stamp-runs/{run_id}/activate"): Row(
        "owner", lambda s: (f"/api/v1/stamp-runs/{s.run['id']}/activate", {"from_seq": 1, "to_seq": 1})
    ),
    ("traceability", "POST", "/api/v1/stamp-runs/{run_id}/void"): Row(
        "owner", lambda s: (f"/api/v1/stamp-runs/{s.run['id']}/void", {"from_seq": 2, "to_seq": 2})
    ),
    ("registry", "POST", "/api/v1/users"): Row(
        "staff",
        lambda s: (
            "/api/v1/users",
            {
                "username": f"htx-{uuid.uuid4().hex[:8]}",
                "password": "mat-khau-dai-du",
                "role": "producer",
                "producer_id": s.producer["id"],
            },
        ),
    ),
    ("registry", "POST", "/api/v1/dossiers"): Row(
        "owner",
        lambda s: ("/api/v1/dossiers", {"product_id": s.product["id"], "cycle_year": 2026, "kind": "upgrade"}),
    ),
    ("registry", "PATCH", "/api/v1/dossiers/{dossier_id}"): Row(
        "owner", lambda s: (f"/api/v1/dossiers/{s.draft['id']}", {"production_capacity": "5 tấn/năm"})
    ),
    ("registry", "POST", "/api/v1/dossiers/{dossier_id}/evidence"): Row(
        # JSON, not multipart: who may file is asked before the body is read, so the allowed caller gets 415
        "owner",
        lambda s: (f"/api/v1/dossiers/{s.draft['id']}/evidence", {"title": "x"}),
    ),
    ("registry", "DELETE", "/api/v1/dossiers/{dossier_id}/evidence/{evidence_id}"): Row(
        "owner", lambda s: (f"/api/v1/dossiers/{s.draft['id']}/evidence/{s.draft['evidence'][0]['id']}", None)
    ),
    ("registry", "POST", "/api/v1/dossiers/{dossier_id}/submit"): Row(
        "owner", lambda s: (f"/api/v1/dossiers/{s.draft['id']}/submit", None)
    ),
    ("registry", "POST", "/api/v1/dossiers/{dossier_id}/return"): Row(
        "staff", lambda s: (f"/api/v1/dossiers/{s.draft['id']}/return", {"comment": "Bổ sung minh chứng"})
    ),
    ("registry", "POST", "/api/v1/dossiers/{dossier_id}/accept"): Row(
        "staff", lambda s: (f"/api/v1/dossiers/{s.draft['id']}/accept", None)
    ),
    ("registry", "POST", "/api/v1/councils"): Row(
        "staff",
        lambda s: (
            "/api/v1/councils",
            {
                "name": "Hội đồng thử",
                "level": "province",
                "province": "19",
                "meeting_on": "2026-11-20",
                "members": [{"username": s.chair, "role": "chair"}],
            },
        ),
    ),
    ("registry", "POST", "/api/v1/councils/{council_id}/dossiers"): Row(
        "staff", lambda s: (f"/api/v1/councils/{s.council['id']}/dossiers", {"dossier_id": s.draft["id"]})
    ),
    ("registry", "POST", "/api/v1/councils/{council_id}/scores"): Row(
        "member",
        lambda s: (
            f"/api/v1/councils/{s.council['id']}/scores",
            {"dossier_id": s.accepted["id"], "scores": {"A": 30, "B": 15, "C": 20}},
        ),
    ),
    ("registry", "POST", "/api/v1/councils/{council_id}/conflicts"): Row(
        "member",
        lambda s: (
            f"/api/v1/councils/{s.council['id']}/conflicts",
            {"dossier_id": s.declared["id"], "reason": "Người thân làm việc cho chủ thể"},
        ),
    ),
    ("registry", "POST", "/api/v1/councils/{council_id}/close"): Row(
        "member", lambda s: (f"/api/v1/councils/{s.council['id']}/close", None)
    ),
    ("registry", "POST", "/api/v1/councils/{council_id}/decision"): Row(
        "staff",
        lambda s: (
            f"/api/v1/councils/{s.council['id']}/decision",
            {"decision_no": "9/QĐ-UBND", "issued_on": "2026-11-30"},
        ),
    ),
    ("marketplace_sync", "POST", "/api/v1/listings/resync"): Row(
        "staff", lambda s: ("/api/v1/listings/resync", {"product_id": s.product["id"]})
    ),
    ("national_sync", "POST", "/api/v1/portal/resync"): Row(
        "staff", lambda s: ("/api/v1/portal/resync", {"product_id": s.product["id"]})
    ),
}


async def write_routes(apps) -> set[tuple[str, str, str]]:
    """Every write operation of the three OpenAPI documents, generated by FastAPI from the routes (the
    only routes outside them are the public GET pages of the stamps)."""
    found = set()
    for service in ("registry", "traceability", "marketplace_sync", "national_sync"):
        for path, operations in (await apps[service].get("/openapi.json")).json()["paths"].items():
            found |= {(service, method.upper(), path) for method in operations if method.upper() in WRITE_METHODS}
    return found


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _unsigned() -> str:
    def part(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    claims = {"sub": "x", "role": "official", "iss": "ocop", "exp": 4102444800}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_every_write_route_has_an_authorization_row(hostile_apps):
    assert await write_routes(hostile_apps) == set(ROWS), (
        "a write route without a row in ROWS (or a row for a gone route)"
    )


async def test_authorization_matrix_over_every_write_route(hostile_apps):
    a = await seed_producer(hostile_apps)
    b = await seed_dossiers(hostile_apps, await seed_producer(hostile_apps, commune="Xã Bạch Thông"))
    unauthenticated = {
        "no token": {},
        "expired": _bearer(mint_token(KEYS, role="official", ttl=timedelta(seconds=-60))),
        "other key": _bearer(mint_token(KeyRing.generate(), role="official")),
        "unsigned": _bearer(_unsigned()),
        "not a jwt": {"Authorization": "Bearer not.a.token"},
        "basic auth": {"Authorization": "Basic b2NvcDpvY29w"},
    }
    cells = 0
    failures = []

    async def cell(service, method, url, body, who, headers, allowed):
        nonlocal cells
        cells += 1
        r = await hostile_apps[service].request(method, url, json=body, headers=headers)
        ok = r.status_code in allowed and "error" in r.json() and r.json()["error"]["code"]
        if not ok:
            failures.append(f"{method} {url} as {who}: {r.status_code} {r.text[:200]} (want {allowed})")

    for (service, method, _path), row in sorted(ROWS.items()):
        url, body = row.request(b)
        for who, headers in unauthenticated.items():
            await cell(service, method, url, body, who, headers, {401})
        await cell(service, method, url, body, "producer A", auth("producer", producer_id=a.producer["id"]), {403, 404})
        if row.writers == "operator":  # a data migration: neither producers nor officials
            await cell(service, method, url, body, "official", auth("official"), {403})
        if row.writers in ("staff", "operator", "member"):  # producers read their records; officials write them
            await cell(
                service,
                method,
                url,
                body,
                "producer B (owner, wrong role)",
                auth("producer", producer_id=b.producer["id"]),
                {403},
            )
        if row.scoped:
            await cell(
                service, method, url, body, "official of province 24", auth("official", provinces=("24",)), {403, 404}
            )

    # the allowed caller gets through: the rows point at real records (conflicts and 4xx rules are fine)
    for (service, method, _path), row in sorted(ROWS.items()):
        url, body = row.request(b)
        headers = {
            "owner": auth("producer", producer_id=b.producer["id"]),
            "member": auth_as(b.chair),
            "operator": auth("operator"),
        }.get(row.writers, auth("official", provinces=("19",)))
        r = await hostile_apps[service].request(method, url, json=body, headers=headers)
        cells += 1
        if r.status_code in (401, 403, 404) or r.status_code >= 500:
            failures.append(f"{method} {url} as the allowed caller: {r.status_code} {r.text[:200]}")
    print(f"\nauthorization matrix: {len(ROWS)} write routes, {cells} cells")
    assert not failures, "\n".join(failures)
