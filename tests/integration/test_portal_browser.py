"""The public portal in Chromium (Playwright, Debian's chromium), at phone width (390 px) and desktop width: a
citizen filters the catalogue by group, opens a product, follows "where to buy" to the (stand-in) platform and
opens the OCOP map. Screenshots: test-artifacts/portal-*.png."""

from __future__ import annotations

import contextlib
import uuid

import pytest

from conftest import ARTIFACTS, auth, eventually, require_chromium
from tests.support.registry import evaluate, issue, make_producer, make_product
from tests.support.traceability import add_area, copied, polygon

pytestmark = pytest.mark.integration
require_chromium()
from tests.support.browser import chromium, no_csp_violations  # noqa: E402
from tests.support.http import serve  # noqa: E402

SIZES = {"390": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@contextlib.asynccontextmanager
async def served_registry(apps):
    """The registry over real HTTP; its public URL (canonical links) points there meanwhile."""
    runtime = apps.runtime("registry")
    saved = runtime.settings.registry_public_url
    async with serve(apps["registry"]._transport.app) as base:
        runtime.settings.registry_public_url = base
        runtime.portal.invalidate()
        try:
            yield base
        finally:
            runtime.settings.registry_public_url = saved
            runtime.portal.invalidate()


async def test_a_citizen_finds_a_product_and_where_to_buy_it(apps):
    tag = uuid.uuid4().hex[:5]
    producer = await make_producer(apps, name=f"HTX Miến dong {tag}", commune="Xã Na Rì")
    product = await make_product(
        apps, producer["id"], name=f"Miến dong Na Rì {tag}", group="food", gtin=None, description="Miến dong sợi nhỏ"
    )
    cert = (await issue(apps, (await evaluate(apps, product["id"], 33, 19, 25))["id"])).json()
    await copied(apps, producer["id"], product["id"], cert["id"])
    code = f"VN-19-065-{uuid.uuid4().int % 10**6:06d}"
    owner = auth("producer", producer_id=producer["id"])
    await add_area(apps["traceability"], owner, producer["id"], code, crop="dong riềng", geometry=polygon(0.3))

    async def ready():
        page = (await apps["registry"].get(f"/san-pham/{product['id']}")).text
        return page.count('data-platform="') == 2 and code in page

    await eventually(ready, timeout=30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with served_registry(apps) as base:
        for size, viewport in SIZES.items():
            async with chromium(viewport) as context:  # stays on this machine, records CSP violations
                page = await context.new_page()
                await page.goto(f"{base}/")
                assert await page.locator("h1").inner_text() == "Chương trình OCOP"
                await page.screenshot(path=str(ARTIFACTS / f"portal-home-{size}.png"), full_page=True)
                await no_csp_violations(page, f"home-{size}")
                # the catalogue, filtered by group (a plain GET form: no JavaScript needed)
                await page.goto(f"{base}/san-pham")
                await page.select_option("#nhom", "food")
                await page.fill("#q", f"mien dong {tag}")
                await page.click("form.filters button[type=submit]")
                await page.wait_for_url("**/san-pham?*nhom=food*")
                link = page.get_by_role("link", name=product["name"])
                assert await link.count() == 1
                await page.screenshot(path=str(ARTIFACTS / f"portal-catalogue-{size}.png"), full_page=True)
                await no_csp_violations(page, f"catalogue-{size}")
                scroll = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert scroll <= 1, f"horizontal scroll at {size}: {scroll}px"
                await link.click()
                await page.wait_for_url(f"**/san-pham/{product['id']}")
                assert product["name"] in await page.locator("h1").inner_text()
                assert code in await page.locator("#vung-trong").inner_text()
                await page.screenshot(path=str(ARTIFACTS / f"portal-product-{size}.png"), full_page=True)
                await no_csp_violations(page, f"product-{size}")
                # where to buy: the link opens the product on the platform (a stand-in here)
                buy = page.locator('#noi-ban a[data-platform="voso"]')
                await buy.click()
                await page.wait_for_load_state()
                assert "STAND-IN" in await page.content() and product["name"] in await page.content()
                await page.screenshot(path=str(ARTIFACTS / f"portal-buy-voso-{size}.png"), full_page=True)
                # the OCOP map: the overview without JavaScript, then Leaflet served by the registry itself
                await page.goto(f"{base}/ban-do?nhom=food")
                assert code in await page.locator("table").inner_text()
                await page.click("#show-map")
                await page.wait_for_selector(".leaflet-interactive", state="attached")
                await page.screenshot(path=str(ARTIFACTS / f"portal-map-{size}.png"), full_page=True)
                await no_csp_violations(page, f"map-{size}")
    for size in SIZES:
        for name in ("home", "catalogue", "product", "buy-voso", "map"):
            shot = ARTIFACTS / f"portal-{name}-{size}.png"
            assert shot.exists() and shot.stat().st_size > 5_000, shot
