"""marketplace_sync's listings as its API and the stand-in platforms show them, and a product that gets listed."""

from __future__ import annotations

from conftest import auth, eventually
from tests.support.registry import evaluate, issue, make_producer, make_product

OPERATOR = auth("operator")


async def listings(apps, product_id: str) -> dict[str, dict]:
    r = await apps["marketplace_sync"].get("/api/v1/listings", params={"product_id": product_id}, headers=OPERATOR)
    return {entry["platform"]: entry for entry in r.json()}


def active_counts_for(standins, product_ids: list[str]) -> dict[str, int]:
    """Active listings per platform among the given products."""
    wanted = set(product_ids)
    out = {}
    for name, app in (("voso", standins.voso), ("postmart", standins.postmart)):
        out[name] = len(
            [
                p
                for p in app.state.store.products.values()
                if p["status"] == "active"
                and (p.get("attributes", {}).get("ocop_product_id") or p.get("external_ref")) in wanted
            ]
        )
    return out


async def certified_product(apps, **kw):
    producer = await make_producer(apps, name="HTX Hồng Xuân", province="Bắc Ninh", commune="Phường Phượng Sơn")
    product = await make_product(
        apps,
        producer["id"],
        **({"name": "Vải thiều Lục Ngạn", "group": "food", "gtin": None, "price_vnd": 160000} | kw),
    )
    cert = (await issue(apps, (await evaluate(apps, product["id"], 34, 20, 26))["id"])).json()
    return producer, product, cert


async def both(apps, product_id: str, status: str, timeout: float = 60):
    async def check():
        found = await listings(apps, product_id)
        return found if {e["status"] for e in found.values()} == {status} and len(found) == 2 else None

    return await eventually(check, timeout=timeout, interval=0.2)
