"""The web console's main journeys in a real headless browser (Debian's Chromium driven by Playwright):
an official certifies a product, a producer orders stamps and downloads the sheet. Screenshots are kept
(test-artifacts/console-*.png) and every page visited is checked for accessibility basics: lang="vi",
a label on every input, text and button contrast of at least 4.5:1, no horizontal scroll at 390 px."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import uvicorn

from conftest import ARTIFACTS, auth, require_chromium
from ocop_cli.stack import free_port
from ocop_registry.domain.certificate import add_months
from tests.support.console import PASSWORD, add_user
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product
from tests.support.traceability import add_area, copied, polygon

pytestmark = pytest.mark.integration
# Debian's chromium; without it this module is skipped locally and fails under CI (as the scan page test)
require_chromium()
from playwright.async_api import expect  # noqa: E402

from tests.support.browser import DESKTOP, chromium, no_csp_violations  # noqa: E402

PHONE = {"width": 390, "height": 844}

# Runs in the page: the accessibility basics every console page must meet.
A11Y = """() => {
  const problems = [];
  if (document.documentElement.lang !== "vi") problems.push("html lang is not vi");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    const labelled = (el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) problems.push("no label: " + (el.name || el.id || el.outerHTML.slice(0, 60)));
  }
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                              if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c; } return [255, 255, 255]; };
  let checked = 0;
  for (const el of document.querySelectorAll("body *")) {
    if (!el.offsetParent && el.tagName !== "BODY") continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || ["SCRIPT", "STYLE", "OPTION"].includes(el.tagName)) continue;
    if (el.closest(".leaflet-container")) continue;  // the map library's own controls
    const fg = rgb(getComputedStyle(el).color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    checked++;
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} < 4.5: ${el.tagName} "${el.textContent.trim().slice(0, 40)}"`);
  }
  if (checked < 5) problems.push("too few text elements checked: " + checked);
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    problems.push(`horizontal scroll: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
  if (/Ã|áº|Æ°|â€/.test(document.body.innerText)) problems.push("mojibake (broken Vietnamese diacritics)");
  return problems;
}"""


@contextlib.asynccontextmanager
async def serve(apps):
    """The three running apps served over real HTTP on free ports; the console links point at them."""
    servers, urls, saved = [], {}, {}
    for service in ("registry", "traceability", "marketplace_sync"):
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                apps[service]._transport.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
            )
        )
        servers.append((server, asyncio.create_task(server.serve())))
        urls[service] = f"http://127.0.0.1:{port}"
    for server, _task in servers:
        while not server.started:
            await asyncio.sleep(0.05)
    public = {
        "registry_public_url": urls["registry"],
        "traceability_public_url": urls["traceability"],
        "marketplace_public_url": urls["marketplace_sync"],
    }
    for service in urls:
        settings = apps.runtime(service).settings
        saved[service] = {k: getattr(settings, k) for k in public}
        for k, v in public.items():
            setattr(settings, k, v)
    try:
        yield urls
    finally:
        for service, values in saved.items():
            for k, v in values.items():
                setattr(apps.runtime(service).settings, k, v)
        for server, _task in servers:
            server.should_exit = True
        for _server, task in servers:
            await task


async def check_page(page, name: str, *, phone: bool = False) -> None:
    await no_csp_violations(page, name)
    problems = await page.evaluate(A11Y)
    assert not problems, f"{name}: {problems}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)
    if phone:
        await page.set_viewport_size(PHONE)
        problems = await page.evaluate(A11Y)
        assert not problems, f"{name} at 390 px: {problems}"
        await page.screenshot(path=str(ARTIFACTS / f"console-{name}-390.png"), full_page=True)
        await page.set_viewport_size(DESKTOP)


async def sign_in(page, urls, username: str) -> None:
    await page.goto(f"{urls['registry']}/console")
    assert "/console/login" in page.url
    await check_page(page, "login", phone=True)
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_url("**/console/products")


async def test_official_certifies_a_product_in_the_browser(apps):
    producer = await make_producer(apps, name=f"HTX Nông sản Na Rì {uuid.uuid4().hex[:4]}", commune="Xã Na Rì")
    official = await add_user(apps, "official")
    product_name = f"Miến dong Na Rì {uuid.uuid4().hex[:4]}"
    async with serve(apps) as urls, chromium() as context:
        page = await context.new_page()
        await sign_in(page, urls, official)
        await check_page(page, "official-products")
        # find the producer, register a product for it
        await page.get_by_role("link", name="Chủ thể", exact=True).click()
        await page.get_by_label("Tên hoặc mã số thuế").fill(producer["tax_code"])
        await page.get_by_role("button", name="Lọc").click()
        await page.get_by_role("link", name="Đăng ký sản phẩm").click()
        await check_page(page, "official-product-new", phone=True)
        await page.get_by_label("Tên sản phẩm").fill(product_name)
        await page.get_by_label("Nhóm sản phẩm").select_option("food")
        await page.get_by_label("Quy cách (ví dụ hộp 200 g)").fill("gói 500 g")
        await page.get_by_label("Giá bán (đồng)").fill("65000")
        await page.get_by_role("button", name="Đăng ký sản phẩm").click()
        await page.get_by_text("Đã đăng ký sản phẩm.").wait_for()
        assert await page.locator("h1").inner_text() == product_name
        # the stars follow the scores as they are typed (expect() waits: console.js is deferred and may run
        # after the first fill)
        live = page.locator("#live-stars")
        await page.get_by_label("Phần A — Sản phẩm và sức mạnh cộng đồng (tối đa 40)").fill("33")
        await expect(live).to_contain_text("33 điểm → 2 sao")
        await page.get_by_label("Phần B — Khả năng tiếp thị (tối đa 25)").fill("19")
        await expect(live).to_contain_text("52 điểm → 3 sao")
        await page.get_by_label("Phần C — Chất lượng sản phẩm (tối đa 35)").fill("25")
        await expect(live).to_contain_text("77 điểm → 4 sao")
        await expect(live).to_contain_text("đủ điều kiện công nhận OCOP")
        await page.get_by_label("Phần C — Chất lượng sản phẩm (tối đa 35)").fill("38")
        await expect(live).to_contain_text("vượt quá thang điểm")
        await page.get_by_label("Bộ tiêu chí").select_option("QD1048-2019")  # C is out of 40 there
        await expect(live).to_contain_text("90 điểm → 5 sao")
        await page.get_by_label("Bộ tiêu chí").select_option("QD148-2023")
        await page.get_by_label("Phần C — Chất lượng sản phẩm (tối đa 35)").fill("25")
        await check_page(page, "official-evaluation", phone=True)
        await page.get_by_role("button", name="Lưu kết quả đánh giá").click()
        await page.get_by_text("Đã ghi kết quả đánh giá.").wait_for()
        row = page.locator("table tbody tr").filter(has_text="77")
        assert "★★★★☆" in await row.inner_text()
        # issue the certificate from that evaluation
        await page.get_by_label("Số quyết định").fill("1735/QĐ-UBND")
        await page.get_by_label("Ngày quyết định").fill(date.today().isoformat())
        await page.get_by_role("button", name="Cấp giấy chứng nhận").click()
        await page.get_by_text("Đã cấp giấy chứng nhận OCOP.").wait_for()
        assert await page.locator("#cert-status").inner_text() == "Còn hiệu lực"
        assert "4 sao" in await page.locator(".cert-stars").inner_text()
        await check_page(page, "official-certified", phone=True)
        product_id = page.url.rsplit("/", 1)[-1].split("?")[0]
        cert = (await apps["registry"].get(f"/api/v1/products/{product_id}", headers=OFFICIAL)).json()["certificate"]
        assert cert["stars"] == 4 and cert["decision_no"] == "1735/QĐ-UBND" and cert["status"] == "active"
        # KPI reports with their Excel download, the expiring list, the producer list with filters
        await page.get_by_role("link", name="Báo cáo", exact=True).click()
        await page.get_by_role("heading", name="Sản phẩm OCOP theo hạng sao, nhóm và đơn vị hành chính").wait_for()
        await check_page(page, "official-reports", phone=True)
        async with page.expect_download() as download:
            await page.get_by_role("link", name="Tải Excel").first.click()
        path = await (await download.value).path()
        assert Path(path).read_bytes()[:2] == b"PK"  # an .xlsx (zip) file
        await page.get_by_role("link", name="Sắp hết hạn", exact=True).click()
        await check_page(page, "official-expiring")

        # the audit trail shows what this official just did
        await page.goto(f"{urls['registry']}/console/audit?action=certificate")
        await expect(page.locator("main")).to_contain_text("certificate.issue")
        await check_page(page, "official-audit", phone=True)
        await page.get_by_role("link", name="Sản phẩm", exact=True).click()
        await page.get_by_label("Hạng sao").select_option("4")
        await page.get_by_label("Tên sản phẩm hoặc chủ thể").fill(product_name)
        await page.get_by_role("button", name="Lọc").click()
        assert await page.get_by_role("link", name=product_name).count() == 1
        await check_page(page, "official-product-list", phone=True)


async def test_producer_orders_stamps_and_downloads_the_sheet_in_the_browser(apps):
    producer = await make_producer(apps, name=f"HKD Chè Chợ Đồn {uuid.uuid4().hex[:4]}", commune="Xã Chợ Đồn")
    product = await make_product(apps, producer["id"], name=f"Chè Shan tuyết Bản Tàn {uuid.uuid4().hex[:4]}")
    soon = add_months(date.today() + timedelta(days=40), -36)  # valid for 40 more days: the 90-day warning shows
    cert = (
        await issue(apps, (await evaluate(apps, product["id"], 33, 19, 25))["id"], issued_on=soon.isoformat())
    ).json()
    owner = auth("producer", producer_id=producer["id"])
    db = apps.runtime("traceability").db
    await copied(apps, producer["id"], product["id"], cert["id"])
    area = f"VN-19-063-{uuid.uuid4().hex[:6].upper()}"
    details = {"name": "Đồi chè Bản Tàn", "commune": "Xã Chợ Đồn", "area_ha": 14.2, "geometry": polygon(0.2)}
    await add_area(apps["traceability"], owner, producer["id"], area, **details)
    username = await add_user(apps, "producer", producer_id=producer["id"])
    async with serve(apps) as urls, chromium() as context:
        page = await context.new_page()
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await sign_in(page, urls, username)
        warning = page.get_by_role("alert")
        assert "Cần nộp hồ sơ đánh giá lại" in await warning.inner_text()
        assert product["name"] in await warning.inner_text()
        assert "hết hạn sau 40 ngày" in await page.locator(".badge.warn").first.inner_text()
        await check_page(page, "producer-products", phone=True)
        # growing areas on the map (Leaflet served by traceability)
        await page.get_by_role("link", name="Truy xuất nguồn gốc").click()  # the service's own navigation there
        await page.get_by_role("link", name="Vùng trồng").click()
        await page.locator("#area-map[data-ready='1'] path.leaflet-interactive").first.wait_for()
        await check_page(page, "producer-areas", phone=True)
        # a batch, then a stamp run whose progress the page follows
        await page.get_by_role("link", name="Lô hàng và tem").click()
        await page.get_by_label("Sản phẩm").select_option(product["id"])
        await page.get_by_label("Vùng trồng").select_option(area)
        await page.get_by_label("Ngày thu hoạch").fill("2026-10-28")
        await page.get_by_label("Sản lượng").fill("350")
        await check_page(page, "producer-batches", phone=True)
        await page.get_by_role("button", name="Tạo lô hàng").click()
        await page.get_by_text("Đã tạo lô hàng.").wait_for()
        await page.get_by_label("Số tem (tối đa 200.000)").fill("300")
        await page.get_by_role("button", name="Đặt in tem").click()
        await page.wait_for_url("**/console/runs/*")
        await page.get_by_text("Tiến độ:").wait_for()
        if await page.locator("progress.generated").count():  # caught while running: it moves without a reload
            await check_page(page, "producer-run-progress")
        download_pdf = page.locator("#download-pdf")
        await download_pdf.wait_for(timeout=90_000)
        assert "Sẵn sàng in" in await page.locator("#run-status").inner_text()
        async with page.expect_download() as download:
            await download_pdf.click()
        pdf = Path(await (await download.value).path()).read_bytes()
        assert pdf.startswith(b"%PDF-") and len(pdf) > 10_000
        async with page.expect_download() as download:
            await page.locator("#download-csv").click()
        lines = Path(await (await download.value).path()).read_text(encoding="utf-8").split()
        assert len(lines) == 300 and all(u.startswith("http://127.0.0.1:") for u in lines)
        async with page.expect_download() as download:  # the thermal printers' files, made as they are sent
            await page.locator("#download-roll-40x30").click()
        roll = Path(await (await download.value).path()).read_bytes()
        assert roll.startswith(b"%PDF-") and roll.count(b"/Type/Page/") == 300
        async with page.expect_download() as download:
            await page.locator("#download-zpl-50x30").click()
        zpl = Path(await (await download.value).path()).read_text(encoding="ascii")
        assert zpl.startswith("^XA") and zpl.count("^XZ") == 300
        await check_page(page, "producer-run", phone=True)
        # void stamp no. 1 (the page asks for confirmation first)
        await page.locator("#v-from").fill("1")
        await page.locator("#v-to").fill("1")
        await page.get_by_label("Lý do").fill("Tem bị rách khi dán")
        await page.get_by_role("button", name="Huỷ tem").click()
        await page.get_by_text("Đã huỷ 1 tem.").wait_for()
        assert "Đã huỷ" in await page.locator("tr[data-seq='1']").inner_text()
        assert "Đã phát hành" in await page.locator("tr[data-seq='2']").inner_text()
        run_id = page.url.split("/runs/")[1].split("?")[0]
        stamp = await db.stamps.find_one({"run_id": run_id, "seq": 1})
        assert stamp["state"] == "void"
        # scans and clone alerts, where the product is listed
        await page.get_by_role("link", name="Lượt quét, cảnh báo").click()
        await page.get_by_role("heading", name="Cảnh báo tem nghi bị sao chép").wait_for()
        await check_page(page, "producer-scans", phone=True)
        await page.get_by_role("link", name="Sàn thương mại điện tử").click()
        await page.get_by_role("cell", name=product["name"]).wait_for()
        await check_page(page, "producer-listings", phone=True)
