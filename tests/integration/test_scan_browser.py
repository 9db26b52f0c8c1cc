"""The scan page in a real browser: headless Chromium at phone size renders the verdict; screenshots are
kept as test artifacts (test-artifacts/scan-*.png)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile

import pytest
import uvicorn

from conftest import ARTIFACTS
from ocop_cli.stack import free_port
from tests.integration.test_scan import make_run, path_of

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium for the browser test (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=390,844", *args],
            capture_output=True, text=True, timeout=90)


async def test_scan_page_in_chromium_at_phone_size(apps):
    _producer, product, _cert, run, urls = await make_run(apps, count=3)
    app = apps["traceability"]._transport.app
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        cases = {"genuine": path_of(urls[0]), "unknown": "/S/0000000000000000A"}
        for name, path in cases.items():
            url = f"http://127.0.0.1:{port}{path}"
            dom = await asyncio.to_thread(chromium, "--dump-dom", url)
            assert dom.returncode == 0, dom.stderr[-2000:]
            expected = "Sản phẩm chính hãng" if name == "genuine" else "Không tìm thấy mã tem"
            assert expected in dom.stdout
            if name == "genuine":
                assert product["name"] in dom.stdout and "Hành trình" in dom.stdout
            assert "leaflet-container" not in dom.stdout  # the map library is not loaded up front
            shot = ARTIFACTS / f"scan-{name}-390x844.png"
            result = await asyncio.to_thread(chromium, f"--screenshot={shot}", url)
            assert result.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000, result.stderr[-2000:]
        # asking for the map loads Leaflet (from this server, not a CDN) and draws the growing area
        mapped = await asyncio.to_thread(chromium, "--virtual-time-budget=5000", "--dump-dom",
                                         f"http://127.0.0.1:{port}{cases['genuine']}#ban-do")
        assert "leaflet-container" in mapped.stdout and "leaflet-interactive" in mapped.stdout, mapped.stdout[-3000:]
    finally:
        server.should_exit = True
        await task
