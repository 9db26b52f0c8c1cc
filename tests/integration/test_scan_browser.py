"""The scan page in a real browser: headless Chromium at phone size renders the verdict; screenshots are
kept as test artifacts (test-artifacts/scan-*.png)."""

from __future__ import annotations

import asyncio

import pytest

from conftest import ARTIFACTS, require_chromium, run_chromium
from tests.support.http import serve
from tests.support.traceability import make_run, path_of

pytestmark = pytest.mark.integration
require_chromium()


async def test_scan_page_in_chromium_at_phone_size(apps):
    _producer, product, _cert, _run, urls = await make_run(apps, count=3)
    async with serve(apps["traceability"]._transport.app) as base:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cases = {"genuine": path_of(urls[0]), "unknown": "/S/0000000000000000A", "genuine-en": path_of(urls[0])}
        expected = {
            "genuine": "Sản phẩm chính hãng",
            "unknown": "Không tìm thấy mã tem",
            "genuine-en": "Genuine product",
        }
        for name, path in cases.items():
            url = f"{base}{path}"
            # a phone set to Vietnamese, and one set to English (a tourist, an export buyer)
            lang = "--accept-lang=en-US,en" if name.endswith("-en") else "--accept-lang=vi-VN,vi"
            dom = await asyncio.to_thread(run_chromium, lang, "--dump-dom", url)
            assert dom.returncode == 0, dom.stderr[-2000:]
            assert expected[name] in dom.stdout
            if name == "genuine":
                assert product["name"] in dom.stdout and "Hành trình" in dom.stdout
            assert "leaflet-container" not in dom.stdout  # the map library is not loaded up front
            shot = ARTIFACTS / f"scan-{name}-390x844.png"
            result = await asyncio.to_thread(run_chromium, lang, f"--screenshot={shot}", url)
            assert result.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000, result.stderr[-2000:]
        # asking for the map loads Leaflet (from this server, not a CDN) and draws the growing area
        mapped = await asyncio.to_thread(
            run_chromium,
            "--virtual-time-budget=5000",
            "--dump-dom",
            f"{base}{cases['genuine']}#ban-do",
        )
        assert "leaflet-container" in mapped.stdout and "leaflet-interactive" in mapped.stdout, mapped.stdout[-3000:]
