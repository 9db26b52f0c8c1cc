"""A dossier's journey in a real headless browser (Debian's Chromium driven by Playwright): the producer
starts a dossier, fills in the form, uploads a PDF against two criteria and submits; the official accepts
it and forms a three-member council; a member scores on the sheet (the running total follows the typed
points); the chair closes; the official records the decision and the product is certified. Every page is
checked for the accessibility basics of the console tests (labels, contrast, lang, no scroll at 390 px)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from conftest import CHROMIUM_FLAGS, require_chromium
from tests.support.console import PASSWORD, add_user
from tests.support.dossiers import auth_as, food_scores, pdf_bytes, score
from tests.support.registry import OFFICIAL, make_producer, make_product

pytestmark = pytest.mark.integration
require_chromium()
from playwright.async_api import expect  # noqa: E402

from tests.integration.test_console_browser import check_page, chromium, serve  # noqa: E402

assert CHROMIUM_FLAGS  # the same browser flags as the console's other browser tests


async def sign_in(page, urls, username: str, start: str) -> None:
    await page.goto(f"{urls['registry']}/console/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url(f"**/console/{start}")


async def test_a_dossier_goes_from_draft_to_certificate_in_the_browser(apps, tmp_path):
    reg = apps["registry"]
    producer = await make_producer(apps, name=f"HTX Miến dong Côn Minh {uuid.uuid4().hex[:4]}")
    product = await make_product(apps, producer["id"], name=f"Miến dong Côn Minh {uuid.uuid4().hex[:6]}", group="food")
    owner = await add_user(apps, "producer", producer_id=producer["id"])
    official = await add_user(apps, "official")
    members = [await add_user(apps, "council_member") for _ in range(3)]
    document = tmp_path / "giấy chứng nhận ATTP.pdf"
    document.write_bytes(pdf_bytes(2))

    async with serve(apps) as urls, chromium() as context:
        page = await context.new_page()
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))  # "Kết thúc phiên chấm điểm?"
        # the producer: a new dossier, the form, one document, submitted
        await sign_in(page, urls, owner, "products")
        await page.get_by_role("link", name="Hồ sơ OCOP").click()
        await page.wait_for_url("**/console/dossiers")
        await check_page(page, "dossiers-producer", phone=True)
        await page.get_by_label("Sản phẩm").select_option(product["id"])
        await page.get_by_role("button", name="Tạo hồ sơ").click()
        await page.wait_for_url("**/console/dossiers/*?ok=created")
        dossier_url = page.url.split("?")[0]
        dossier_id = dossier_url.rsplit("/", 1)[1]
        await page.get_by_label("Tóm tắt phương án sản xuất kinh doanh").fill("Mở rộng vùng dong riềng 8 ha.")
        await page.get_by_label("Công suất").fill("15 tấn/năm")
        await page.get_by_role("button", name="Lưu phiếu đăng ký").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã lưu phiếu đăng ký")
        await page.get_by_label("Tệp").set_input_files(str(document))
        await page.get_by_label("Tên tài liệu").fill("Giấy chứng nhận cơ sở đủ điều kiện ATTP")
        await page.get_by_label("Tiêu chí mà tài liệu chứng minh").select_option(["C1.1", "C1.2"])
        await page.get_by_role("button", name="Tải lên").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã nộp tài liệu minh chứng")
        await expect(page.get_by_role("link", name="giấy chứng nhận ATTP.pdf")).to_be_visible()
        await check_page(page, "dossier-producer", phone=True)
        await page.get_by_role("button", name="Nộp hồ sơ").click()
        await expect(page.locator("#dossier-status")).to_have_text("Đã nộp")
        await context.clear_cookies()

        # the official: accepts, forms the council from the councils page
        await sign_in(page, urls, official, "products")
        await page.goto(dossier_url)
        await check_page(page, "dossier-official")
        await page.get_by_role("button", name="Tiếp nhận").click()
        await expect(page.locator("#dossier-status")).to_have_text("Đã tiếp nhận")
        await page.get_by_role("link", name="Hội đồng").click()
        await page.get_by_label("Tên hội đồng").fill(f"Hội đồng OCOP tỉnh Thái Nguyên {uuid.uuid4().hex[:4]}")
        await page.get_by_label("Mã tỉnh (GSO)").fill("19")
        await page.get_by_label("Chủ tịch hội đồng (tên đăng nhập)").fill(members[0])
        await page.get_by_label("Các thành viên khác").fill("\n".join(members[1:]))
        await page.get_by_label(product["name"], exact=False).check()
        await check_page(page, "councils-official", phone=True)
        await page.get_by_role("button", name="Thành lập hội đồng").click()
        await page.wait_for_url("**/console/councils/*?ok=created")
        council_url = page.url.split("?")[0]
        council_id = council_url.rsplit("/", 1)[1]
        await context.clear_cookies()

        # the chair scores on the sheet (the running total follows), the others through the API, the chair closes
        await sign_in(page, urls, members[0], "councils")
        await page.goto(council_url)
        await page.get_by_role("link", name="Chấm điểm").click()
        sheet = food_scores(31, 19, 26)  # 76
        for code, points in sheet.items():
            await page.locator(f'[name="s_{code}"]').fill(f"{points:g}".replace(".", ","))
        await expect(page.locator("#sheet-total")).to_have_text("Tổng: 76")
        await check_page(page, "scoresheet", phone=True)
        await page.get_by_role("button", name="Nộp phiếu chấm").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã nộp phiếu chấm")
        await expect(page.get_by_role("cell", name="Đã nộp: 76,00 điểm")).to_be_visible()
        for n, parts in ((1, (32, 19, 27)), (2, (30, 18, 25))):  # 78, 73 → 75.67: 4★
            r = await score(apps, council_id, dossier_id, auth_as(members[n]), food_scores(*parts))
            assert r.status_code == 201, r.text
        await page.reload()
        await page.get_by_role("button", name="Kết thúc phiên chấm điểm").click()
        await expect(page.locator("#council-status")).to_have_text("Đã kết thúc chấm điểm")
        await expect(page.get_by_text("75,67 điểm")).to_be_visible()
        await check_page(page, "council-closed")
        await context.clear_cookies()

        # the official records the decision; the appendix downloads
        await sign_in(page, urls, official, "products")
        await page.goto(council_url)
        await page.get_by_label("Số quyết định").fill("2411/QĐ-UBND")
        await page.get_by_role("button", name="Ghi quyết định và cấp giấy chứng nhận").click()
        await expect(page.locator("#council-status")).to_have_text("Đã có quyết định")
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Phụ lục quyết định (PDF)").click()
        saved = tmp_path / "phu-luc.pdf"
        await (await download.value).save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")
        await check_page(page, "council-decided", phone=True)

    cert = (await reg.get(f"/api/v1/products/{product['id']}", headers=OFFICIAL)).json()["certificate"]
    assert (cert["stars"], cert["decision_no"], cert["status"]) == (4, "2411/QĐ-UBND", "active")
