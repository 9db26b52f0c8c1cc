"""national_sync's portal records as its API and the portal stand-in show them."""

from __future__ import annotations

from conftest import auth, eventually

OPERATOR = auth("operator")


async def portal_status(apps, product_id: str) -> dict | None:
    r = await apps["national_sync"].get("/api/v1/portal/products", params={"product_id": product_id}, headers=OPERATOR)
    return r.json()[0] if r.status_code == 200 and r.json() else None


async def until_status(apps, product_id: str, status: str, timeout: float = 60) -> dict:
    async def check():
        found = await portal_status(apps, product_id)
        return found if found and found["status"] == status else None

    return await eventually(check, timeout=timeout, interval=0.1)


def held(portal_app, product_id: str) -> list[dict]:
    """What the portal stand-in holds for our product (by our reference): one entry, if nothing is duplicated."""
    return [p for p in portal_app.state.store.products.values() if p.get("maThamChieu") == product_id]
