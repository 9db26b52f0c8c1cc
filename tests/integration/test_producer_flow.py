"""The walking skeleton: registry producer.registered → traceability and marketplace_sync copies."""

import pytest

from conftest import auth, eventually
from tests.support.registry import producer_body

pytestmark = pytest.mark.integration


async def test_registered_producer_reaches_both_copies(apps):
    resp = await apps["registry"].post("/api/v1/producers", json=producer_body(), headers=auth("official"))
    assert resp.status_code == 201, resp.text
    pid = resp.json()["id"]

    async def copy(service):
        r = await apps[service].get(f"/api/v1/producers/{pid}", headers=auth("operator"))
        return r.json() if r.status_code == 200 else None

    trace = await eventually(lambda: copy("traceability"))
    assert trace["public_name"] == "HTX Sang Hà"
    assert trace["province"] == {"code": "19", "name": "Thái Nguyên"}
    assert trace["commune"] == {"code": "01942", "name": "Xã Bằng Vân"}
    assert "tax_code" not in trace and "contact" not in trace  # private data never leaves the registry
    market = await eventually(lambda: copy("marketplace_sync"))
    assert market["seller_name"] == "HTX Sang Hà" and market["province"] == "Thái Nguyên"


async def test_producer_sees_only_own_record(apps):
    a = (
        await apps["registry"].post(
            "/api/v1/producers", json=producer_body(name="HKD Hà Thị Thoa", kind="household"), headers=auth("official")
        )
    ).json()["id"]
    b = (
        await apps["registry"].post(
            "/api/v1/producers", json=producer_body(name="HKD Phong Phin", kind="household"), headers=auth("official")
        )
    ).json()["id"]
    own = await apps["registry"].get(f"/api/v1/producers/{a}", headers=auth("producer", producer_id=a))
    assert own.status_code == 200 and own.json()["contact"]["phone"] == "0912 345 678"
    other = await apps["registry"].get(f"/api/v1/producers/{b}", headers=auth("producer", producer_id=a))
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "producer_not_found"
    write = await apps["registry"].post(
        "/api/v1/producers", json=producer_body(), headers=auth("producer", producer_id=a)
    )
    assert write.status_code == 403 and write.json()["error"]["code"] == "forbidden_role"
