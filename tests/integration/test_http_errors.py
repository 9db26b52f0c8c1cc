"""Bad HTTP input gets a clear 4xx in the contract's error shape, never a 5xx."""

import pytest

from conftest import auth, unique_tax_code
from tests.support.registry import producer_body

pytestmark = pytest.mark.integration


def assert_error(resp, status: int, code: str | None = None):
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


async def test_validation_errors_have_contract_shape(apps):
    reg = apps["registry"]
    err = assert_error(
        await reg.post("/api/v1/producers", json={"name": "x"}, headers=auth("official")), 422, "validation_error"
    )
    fields = {d["field"] for d in err["details"]}
    assert {"kind", "tax_code", "province"} <= fields
    assert_error(
        await reg.post("/api/v1/producers", json=producer_body(kind="pirate"), headers=auth("official")),
        422,
        "validation_error",
    )
    assert_error(
        await reg.post("/api/v1/producers", json=producer_body(tax_code="12345678901"), headers=auth("official")),
        422,
        "invalid_tax_code",
    )
    assert_error(
        await reg.post(
            "/api/v1/producers", content=b"{not json", headers={**auth("official"), "Content-Type": "application/json"}
        ),
        422,
        "validation_error",
    )
    assert_error(
        await reg.post("/api/v1/producers", json=producer_body(unexpected=1), headers=auth("official")),
        422,
        "validation_error",
    )


async def test_branch_tax_code_accepted_and_duplicate_refused(apps):
    reg = apps["registry"]
    code = unique_tax_code() + "-001"
    first = await reg.post("/api/v1/producers", json=producer_body(tax_code=code), headers=auth("official"))
    assert first.status_code == 201 and first.json()["tax_code"] == code
    assert_error(
        await reg.post("/api/v1/producers", json=producer_body(tax_code=code), headers=auth("official")),
        409,
        "duplicate_tax_code",
    )


async def test_auth_errors(apps):
    reg = apps["registry"]
    assert_error(await reg.post("/api/v1/producers", json=producer_body()), 401, "missing_token")
    assert_error(
        await reg.post("/api/v1/producers", json=producer_body(), headers={"Authorization": "Bearer not.a.token"}),
        401,
        "invalid_token",
    )
    assert_error(await reg.get("/api/v1/producers", headers=auth("producer", producer_id="p1")), 403, "forbidden_role")
    scoped = auth("official", provinces=("24",))  # an official of Bắc Giang cannot register in Bắc Kạn
    assert_error(await reg.post("/api/v1/producers", json=producer_body(), headers=scoped), 403, "out_of_scope")


async def test_unknown_routes_and_ids(apps):
    for service in ("registry", "traceability", "marketplace_sync"):
        assert_error(await apps[service].get("/api/v1/nope"), 404, "not_found")
        assert_error(
            await apps[service].get("/api/v1/producers/does-not-exist", headers=auth("operator")),
            404,
            "producer_not_found",
        )


async def test_health_metrics_asyncapi(apps):
    for service in ("registry", "traceability", "marketplace_sync"):
        health = await apps[service].get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["checks"] == {"database": "ok", "broker": "ok"}
        metrics = await apps[service].get("/metrics")
        assert "ocop_http_request_seconds" in metrics.text
        spec = (await apps[service].get("/asyncapi")).json()
        assert spec["asyncapi"].startswith("3.")
        assert any("ocop.registry.v1" in str(ch) for ch in spec["channels"].values())
