"""The plan dashboard in a real headless browser (Debian's Chromium driven by Playwright): KH 180/KH-UBND's
annex tables entered from a spreadsheet, the dashboard at desktop width and at 390 px with the console's
accessibility checks; the screenshots are kept (test-artifacts/console-plan-dashboard.png)."""

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
from tests.support.plans import seed_sheet  # noqa: E402


async def test_the_plan_dashboard_in_the_browser(apps, tmp_path):
    number = f"180/KH-UBND-{uuid.uuid4().hex[:4]}"
    sheet = tmp_path / "kh180-phu-luc.xlsx"
    sheet.write_bytes(seed_sheet())
    official = await add_user(apps, "official", provinces=("19",))
    async with serve(apps) as urls, chromium() as context:
        page = await context.new_page()
        await sign_in(page, urls, official)
        await page.get_by_role("link", name="Kế hoạch", exact=True).click()
        await check_page(page, "plans", phone=True)
        # entered from the annex tables, as the seed writes them
        await page.get_by_label("Số kế hoạch").fill(number)
        await page.get_by_label("Năm kế hoạch").fill("2024")
        await page.get_by_label("Cơ quan ban hành").fill("UBND tỉnh Bắc Kạn")
        await page.get_by_label("Tỉnh (như kế hoạch ghi)").fill("Bắc Kạn")
        await page.get_by_label("Tên kế hoạch").fill(PLAN_KH180["title"])
        await page.get_by_label("Ngày ban hành").fill("2024-03-22")
        await page.get_by_label("Bảng chỉ tiêu (.xlsx, .csv)").set_input_files(str(sheet))
        await page.get_by_role("button", name="Nhập kế hoạch").click()
        await page.get_by_role("heading", name=f"Tiến độ thực hiện Kế hoạch số {number}").wait_for()
        plan_id = page.url.rsplit("/", 1)[-1]
        stored = (await apps["registry"].get(f"/api/v1/plans/{plan_id}", headers=OFFICIAL)).json()
        assert [(t["unit"]["written"], t["values"]) for t in stored["targets"]] == [
            (t["unit"], t["values"]) for t in PLAN_KH180["targets"]
        ]
        row = page.locator("#progress tbody tr").filter(has_text="Huyện Chợ Đồn")
        assert (await row.locator("td").first.inner_text()).strip() == "3"  # its new 3★+ target
        assert await page.locator("svg.chart").count() == 2 + len(PLAN_KH180["indicators"])
        await check_page(page, "plan-dashboard", phone=True)
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Tải Excel").click()
        assert (await download.value).suggested_filename.endswith(".xlsx")
