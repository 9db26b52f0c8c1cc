"""The Content-Security-Policy in a real browser (Debian's Chromium, Playwright): the scan page and its
on-demand Leaflet map run with no violation, while a script injected inline is blocked."""

from __future__ import annotations

import pytest

from conftest import require_chromium
from tests.support.http import serve
from tests.support.traceability import make_run, path_of

pytestmark = pytest.mark.integration
require_chromium()
from playwright.async_api import expect  # noqa: E402

from tests.support.browser import chromium, no_csp_violations  # noqa: E402

PHONE = {"width": 390, "height": 844}


async def test_scan_page_and_its_map_run_under_the_policy_and_inline_injection_is_blocked(apps):
    _producer, _product, _cert, _run, urls = await make_run(apps, count=2)
    async with serve(apps["traceability"]._transport.app) as base, chromium(viewport=PHONE) as context:
        page = await context.new_page()
        response = await page.goto(f"{base}{path_of(urls[0])}")
        assert response is not None and "nonce-" in response.headers["content-security-policy"]
        await expect(page.locator("h1")).to_contain_text("Sản phẩm chính hãng")
        await page.get_by_role("button", name="Xem bản đồ").click()  # the nonce'd loader brings Leaflet
        await expect(page.locator(".leaflet-container")).to_be_visible()
        await expect(page.locator("path.leaflet-interactive")).to_have_count(1)
        await no_csp_violations(page, "scan page with its map")
        # what an injected <script> would do: blocked, and reported
        ran = await page.evaluate(
            """() => { window.__ran = false; const s = document.createElement("script");
                       s.textContent = "window.__ran = true"; document.body.appendChild(s);
                       return window.__ran; }"""
        )
        assert ran is False
        await page.wait_for_function("() => (window.__csp || []).length > 0")
        with pytest.raises(AssertionError, match="script-src"):
            await no_csp_violations(page, "after an injection")
