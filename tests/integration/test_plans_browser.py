"""The plan dashboard in a real headless browser (Debian's Chromium driven by Playwright): KH 180/KH-UBND as
the demo loads it, at desktop width and at 390 px, with the console's accessibility checks; the screenshot
is kept (test-artifacts/console-plan-dashboard.png)."""

from __future__ import annotations

import uuid

import pytest

from conftest import require_chromium
from ocop_cli.demo import PLAN_KH180
from tests.support.console import add_user
from tests.support.registry import OFFICIAL

pytestmark = pytest.mark.integration
require_chromium()
from tests.integration.test_console_browser import check_page, chromium, serve, sign_in  # noqa: E402


async def test_the_plan_dashboard_in_the_browser(apps):
    number = f"180/KH-UBND-{uuid.uuid4().hex[:4]}"
    created = await apps["registry"].post("/api/v1/plans", json={**PLAN_KH180, "number": number}, headers=OFFICIAL)
    assert created.status_code == 201, created.text
    official = await add_user(apps, "official", provinces=("19",))
    async with serve(apps) as urls, chromium() as context:
        page = await context.new_page()
        await sign_in(page, urls, official)
        await page.get_by_role("link", name="Kế hoạch", exact=True).click()
        await page.get_by_role("link", name=number).click()
        await page.get_by_role("heading", name=f"Tiến độ thực hiện Kế hoạch số {number}").wait_for()
        row = page.locator("#progress tbody tr").filter(has_text="Huyện Chợ Đồn")
        assert (await row.locator("td").first.inner_text()).strip() == "3"  # its new 3★+ target
        assert await page.locator("svg.chart").count() == 2 + len(PLAN_KH180["indicators"])
        await check_page(page, "plan-dashboard", phone=True)
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Tải Excel").click()
        assert (await download.value).suggested_filename.endswith(".xlsx")
