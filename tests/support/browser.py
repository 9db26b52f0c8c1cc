"""Headless Chromium (Debian's, driven by Playwright) for the browser tests: a context that stays on this
machine and records every Content-Security-Policy violation its pages report."""

from __future__ import annotations

import contextlib

from playwright.async_api import async_playwright

from conftest import CHROMIUM, CHROMIUM_FLAGS

CHROMIUM_ARGS = [*CHROMIUM_FLAGS, "--disable-dev-shm-usage"]
DESKTOP = {"width": 1280, "height": 900}


# Content-Security-Policy violations the pages report (the console logs them, and the DOM fires an event)
CSP_WATCH = """document.addEventListener("securitypolicyviolation", e => {
  (window.__csp = window.__csp || []).push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});"""


async def watch_csp(context) -> None:
    """Collect every CSP violation of every page of ``context`` in ``context.csp_violations``."""
    context.csp_violations = []
    context.on(
        "console",
        lambda msg: context.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    await context.add_init_script(CSP_WATCH)


async def no_csp_violations(page, name: str) -> None:
    events = await page.evaluate("() => window.__csp || []")
    logged = page.context.csp_violations
    assert not events and not logged, f"{name}: CSP violations {events} {logged}"


@contextlib.asynccontextmanager
async def chromium(viewport=DESKTOP):
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = await browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=True)
            context.set_default_timeout(30_000)
            await watch_csp(context)
            # no network but this machine: map tiles are refused (the map draws the areas without them)
            await context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                    else route.abort()
                ),
            )
            yield context
        finally:
            await browser.close()
