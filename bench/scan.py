"""Scan benchmark: JSON verify throughput and latency of the public stamp URL, next to a FastAPI
hello-world served by the same uvicorn settings in the same run.

Starts the embedded stack, seeds a traceability database (a certified product, its area, batch, trail
and 1,000 active stamps), runs the traceability service and the hello-world app as real uvicorn
processes, and drives them with an asyncio keep-alive HTTP/1.1 load generator (raw sockets, far cheaper
than the servers it measures). Phase 1: closed loop, max req/s. Phase 2: open loop at half the verify
maximum, latency percentiles. Also checks the HTML page size.

Usage: ``python bench/scan.py [--seconds 8] [--connections 32]``. Targets: verify ≥ 0.5× hello req/s,
p99 ≤ 25 ms at half load, HTML ≤ 100 KB.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import THAI_NGUYEN, active_certificate, load_parser, pct, service_env, tea_product, tea_stamp_run

from ocop_cli.stack import free_port, start_stack, wait_port
from ocop_shared.events.models import AdminUnit, ProducerSnapshot
from ocop_shared.mongo import ensure_collections, make_client
from ocop_traceability.adapters.uow import COLLECTIONS, TraceabilityUnitOfWork
from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.places import GrowingArea
from ocop_traceability.domain.stamps import new_stamps

ROOT = Path(__file__).resolve().parents[1]


async def seed(mongo_url: str, base_url: str, n: int = 1000) -> list[str]:
    """The records the service would hold, written through its own repositories."""
    client = make_client(mongo_url)
    db = client["traceability"]
    await ensure_collections(db, COLLECTIONS)
    uow = TraceabilityUnitOfWork(client, db, source="/ocop/bench")
    producer = ProducerSnapshot(
        producer_id="pr",
        name="Hà Thị Thoa",
        public_name="HKD Hà Thị Thoa",
        kind="household",
        province=THAI_NGUYEN,
        commune=AdminUnit(code="02020", name="Xã Chợ Đồn"),
    )
    product = tea_product(images=["/static/che.jpg"])
    certificate = active_certificate()
    now = datetime.now(UTC)
    area = GrowingArea(
        code="VN-19-063-02020-001",
        scheme="domestic",
        name="Đồi chè",
        crop="chè Shan tuyết",
        producer_id="pr",
        province=THAI_NGUYEN.model_dump(),
        commune={"name": "Xã Chợ Đồn"},
        area_ha=3,
        registered_at=now,
        geometry={
            "type": "Polygon",
            "coordinates": [[[105.57, 22.18], [105.58, 22.18], [105.58, 22.19], [105.57, 22.18]]],
        },
    )
    batch = Batch(
        id="b",
        product_id="p",
        producer_id="pr",
        lot="CD-2610-01",
        growing_area_code=area.code,
        harvest_date="2026-10-28",
        quantity=50,
        unit="kg",
        created_at=now,
    )
    run = tea_stamp_run("r", batch.lot, n)
    stamps = new_stamps(run, base_url, 1, n)
    async with uow:
        await uow.producers.apply(producer, 1)
        await uow.products.apply(product, 2, certificate)
        await uow.growing_areas.add(area)
        await uow.batches.add(batch)
        for i, step in enumerate(("harvesting", "packing")):
            await uow.trail.add(
                TrailEvent(
                    id=f"e{i}",
                    batch_id="b",
                    type=step,
                    time=f"2026-10-2{8 + i}T07:00:00+07:00",
                    place="Xưởng chè",
                    recorded_at=now,
                )
            )
        await uow.stamp_runs.add(run)
        await uow.commit()
    for stamp in stamps:
        stamp.state = "active"
    await uow.stamps.insert(stamps)
    await client.close()
    return [s.url for s in stamps]


async def _conn(port: int):
    return await asyncio.open_connection("127.0.0.1", port)


async def _request(reader, writer, path: str) -> tuple[int, int]:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\nUser-Agent: bench\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length)
    return status, len(body)


async def closed_loop(port: int, paths: list[str], seconds: float, connections: int) -> tuple[float, list[float], int]:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = 0

    async def worker():
        nonlocal errors
        reader, writer = await _conn(port)
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            status, _ = await _request(reader, writer, random.choice(paths))
            latencies.append(time.perf_counter() - t)
            errors += status >= 500
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return len(latencies) / (time.perf_counter() - t0), latencies, errors


async def open_loop(port: int, paths: list[str], rate: float, seconds: float, connections: int) -> list[float]:
    """Requests started on a fixed schedule (rate/s); latency counts from the scheduled start."""
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await _conn(port))
    latencies: list[float] = []
    start = time.perf_counter()
    total = int(rate * seconds)

    async def one(scheduled: float):
        reader, writer = await pool.get()
        await _request(reader, writer, random.choice(paths))
        latencies.append(time.perf_counter() - scheduled)
        pool.put_nowait((reader, writer))

    tasks = []
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    return latencies


def serve(module: str, port: int, env: dict, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        module,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if module.endswith("create_app"):
        cmd.insert(cmd.index(module) + 1, "--factory")
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT)
    wait_port("127.0.0.1", port, 60, proc)
    return proc


async def main() -> int:
    args = load_parser("the service").parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        stack = start_stack(tmp / "stack")
        procs = []
        try:
            tport, hport = free_port(), free_port()
            base = f"http://127.0.0.1:{tport}"
            urls = await seed(stack.mongo_url, base)
            paths = ["/" + u.split("/", 3)[3] for u in urls]
            env = service_env(
                stack,
                tmp,
                args.env,
                OCOP_JWT_PUBLIC_KEYS='{"keys": []}',  # no token is used here
                OCOP_SCAN_RATE_CAPACITY="100000000",
                OCOP_SCAN_RATE_PER_S="100000000",
                OCOP_CLONE_MAX_CLIENTS="1000000",
            )
            procs.append(serve("ocop_traceability.main:create_app", tport, env, tmp / "trace.log"))
            procs.append(serve("hello_app:app", hport, env, tmp / "hello.log"))
            await asyncio.sleep(2)
            await closed_loop(tport, paths, 1.5, 8)  # warm-up
            await closed_loop(hport, ["/hello"], 1.5, 8)
            hello_rps, hello_lat, _ = await closed_loop(hport, ["/hello"], args.seconds, args.connections)
            verify_rps, verify_lat, errors = await closed_loop(tport, paths, args.seconds, args.connections)
            half = await open_loop(tport, paths, verify_rps / 2, args.seconds, args.connections)
            reader, writer = await _conn(tport)
            writer.write(f"GET {paths[0]} HTTP/1.1\r\nHost: b\r\nAccept: text/html\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            html_len = int(
                next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")).split(b":")[1]
            )
            writer.close()
        finally:
            for p in procs:
                p.terminate()
                p.wait(10)
            stack.stop()
    print(
        f"connections: {args.connections}, {args.seconds:.0f} s per phase, 1 uvicorn worker each, 2 cores shared "
        f"with the load generator and the database server"
    )
    print(f"{'endpoint':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'FastAPI hello-world':<34}{hello_rps:>9.0f}{pct(hello_lat, 50):>9.1f}{pct(hello_lat, 99):>9.1f}")
    print(f"{'verify (JSON, max load)':<34}{verify_rps:>9.0f}{pct(verify_lat, 50):>9.1f}{pct(verify_lat, 99):>9.1f}")
    print(f"{'verify at half load (open loop)':<34}{verify_rps / 2:>9.0f}{pct(half, 50):>9.1f}{pct(half, 99):>9.1f}")
    print(f"ratio verify / hello-world: {verify_rps / hello_rps:.2f}   (target ≥ 0.5)")
    print(f"p99 at half load: {pct(half, 99):.1f} ms   (target ≤ 25 ms)")
    print(f"HTML page: {html_len / 1024:.1f} KB   (target ≤ 100 KB)   5xx during the run: {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
