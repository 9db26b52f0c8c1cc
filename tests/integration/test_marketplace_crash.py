"""kill -9 of the marketplace_sync service in the middle of a run: after a restart nothing is lost and
nothing is listed twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import pytest

from conftest import PUBLIC_KEYS, SECRET, auth, eventually, run_apps, serve_standins, start_stack
from ocop_cli.stack import free_port, wait_port
from tests.support.marketplace import active_counts_for
from tests.support.registry import evaluate, issue, make_producer, make_product

pytestmark = pytest.mark.integration


def spawn(stack, standins, port: int, tmp) -> subprocess.Popen:
    env = {
        **os.environ,
        "OCOP_KAFKA_BOOTSTRAP": stack.bootstrap,
        "OCOP_MONGO_URL": stack.mongo_url,
        "OCOP_MONGO_DB": "marketplace_sync_crash",
        "OCOP_SECRET_KEY": SECRET,
        "OCOP_JWT_PUBLIC_KEYS": PUBLIC_KEYS,
        "OCOP_DATA_DIR": str(tmp),
        "OCOP_VOSO_URL": standins.voso_url,
        "OCOP_POSTMART_URL": standins.postmart_url,
        "OCOP_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp / "marketplace_sync.log", "ab")  # noqa: SIM115 - read when the test fails
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ocop_marketplace_sync.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_port("127.0.0.1", port, 60, proc)
    return proc


async def test_kill_9_mid_run_loses_nothing_and_lists_once(tmp_path):
    stack = start_stack(tmp_path / "stack")
    proc = None
    try:
        async with serve_standins() as standins, run_apps(stack, services=("registry",), db_suffix="_crash") as reg:
            for app in (standins.voso, standins.postmart):  # slow platforms so the kill lands mid-run
                app.state.store.faults = app.state.store.faults.model_copy(update={"latency_ms": 150})
            port = free_port()
            proc = await asyncio.to_thread(spawn, stack, standins, port, tmp_path)
            products = []
            for i in range(12):
                producer = await make_producer(reg, name=f"HTX crash {i}", commune="Xã Chợ Đồn")
                product = await make_product(reg, producer["id"], name=f"Sản phẩm crash {i}", gtin=None)
                await issue(reg, (await evaluate(reg, product["id"], 30, 18, 22))["id"])
                products.append(product["id"])

            async def some_published():
                counts = active_counts_for(standins, products)
                return sum(counts.values()) >= 4

            await eventually(some_published, timeout=60)
            proc.send_signal(signal.SIGKILL)  # mid-run: some listings done, others pending or in flight
            proc.wait(10)
            done_before = sum(active_counts_for(standins, products).values())
            assert done_before < 2 * len(products), "the kill came too late to prove anything"
            proc = await asyncio.to_thread(spawn, stack, standins, port, tmp_path)

            async def all_listed():
                counts = active_counts_for(standins, products)
                return counts if all(v == len(products) for v in counts.values()) else None

            try:
                await eventually(all_listed, timeout=120, interval=0.5)
            except AssertionError:
                print((tmp_path / "marketplace_sync.log").read_text()[-20000:])
                raise
            await asyncio.sleep(2)  # anything still retrying would show up as a duplicate now
            for name, app in (("voso", standins.voso), ("postmart", standins.postmart)):
                refs = [
                    p.get("attributes", {}).get("ocop_product_id") or p.get("external_ref")
                    for p in app.state.store.products.values()
                    if p["status"] == "active"
                ]
                mine = [r for r in refs if r in products]
                assert len(mine) == len(set(mine)) == len(products), (name, mine)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                listing = (
                    await client.get("/api/v1/listings", params={"product_id": products[0]}, headers=auth("operator"))
                ).json()
            assert {e["status"] for e in listing} == {"published"}
    finally:
        if proc and proc.poll() is None:
            proc.kill()
        stack.stop()
