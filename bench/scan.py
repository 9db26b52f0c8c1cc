"""Scan benchmark: JSON verify throughput and latency of the public stamp URL, next to a FastAPI
hello-world served by the same uvicorn settings in the same run.

Starts the embedded stack, seeds a traceability database (a certified product, its area, batch, trail
and 1,000 active stamps), runs the traceability service and the hello-world app as real uvicorn
processes, and drives them with an asyncio keep-alive HTTP/1.1 load generator (raw sockets, far cheaper
than the servers it measures). Phase 1: closed loop, max req/s. Phase 2: open loop at half the verify
maximum, latency percentiles. Also checks the HTML page size.

Each phase runs ``--runs`` times (3) and the medians are printed. A second traceability process with CPython's
collector defaults (``OCOP_GC_TUNING=false``) takes the same half load, and both services' pause histograms
(GC pauses, event-loop lag, scan-record flushes: ``ocop_shared.pauses``) are read from their /metrics: they show
what makes the tail.

Usage: ``python bench/scan.py [--seconds 8] [--connections 32] [--runs 3]``. Targets (issue 21): verify ≥ 0.7×
hello req/s and p99 ≤ 10 ms at half load (medians), HTML ≤ 100 KB.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import statistics
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


async def seed(mongo_url: str, base_url: str, n: int = 1000, database: str = "traceability") -> list[str]:
    """The records the service would hold, written through its own repositories."""
    client = make_client(mongo_url)
    db = client[database]
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
    # one search, not a loop over the lines: the generator's cost per answer must not grow with its headers
    # (a verify answer has ~20, hello-world's 4), or the ratio would measure the generator
    at = head.lower().find(b"\r\ncontent-length:")
    length = int(head[at + 17 : head.index(b"\r\n", at + 2)]) if at >= 0 else 0
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
    with generator_gc_off():
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, latencies, errors


def cpu_times() -> list[int]:
    """The machine's CPU time counters (/proc/stat's ``cpu`` line; zeros where there is none)."""
    try:
        with open("/proc/stat") as stat:
            return [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return [0] * 8


def steal_share(before: list[int], after: list[int]) -> float:
    """Of the CPU time between two readings, the share stolen by the hypervisor (a virtual machine's neighbours)."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return spent[7] / sum(spent) if sum(spent) else 0.0


@contextlib.contextmanager
def generator_gc_off():
    """No collections in the load generator during a phase: it holds every task of the phase, and one full
    collection over them is a pause its latency figures would blame on the service."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


async def open_loop(port: int, paths: list[str], rate: float, seconds: float, connections: int) -> list[float]:
    """Requests started on a fixed schedule (rate/s); latency counts from the scheduled start."""
    with generator_gc_off():
        return await _open_loop(port, paths, rate, seconds, connections)


async def _open_loop(port: int, paths: list[str], rate: float, seconds: float, connections: int) -> list[float]:
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


def pauses(port: int) -> dict[str, tuple[int, float, float]]:
    """From the service's /metrics: count, total and the bucket bound under which 99 % fell (s), per histogram."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    out: dict[str, tuple[int, float, float]] = {}
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        if family.name not in ("ocop_gc_pause_seconds", "ocop_event_loop_lag_seconds", "ocop_scan_flush_seconds"):
            continue
        buckets: dict[float, float] = {}
        count = total = 0.0
        for sample in family.samples:
            if sample.name.endswith("_bucket"):
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0) + sample.value
            elif sample.name.endswith("_count"):
                count += sample.value
            elif sample.name.endswith("_sum"):
                total += sample.value
        p99 = next((b for b, n in sorted(buckets.items()) if count and n >= 0.99 * count), float("inf"))
        worst = next((b for b, n in sorted(buckets.items()) if n >= count), float("inf"))
        out[family.name] = (int(count), total, min(p99, worst))
        out[family.name + ":max"] = (int(count), total, worst)
    return out


async def main() -> int:
    parser = load_parser("the service")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each phase (medians printed)")
    args = parser.parse_args()
    rows: list[tuple[float, float, list[float], list[float], list[float], list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        stack = start_stack(tmp / "stack")
        procs = []
        try:
            tport, uport, hport = free_port(), free_port(), free_port()
            base = f"http://127.0.0.1:{tport}"
            urls = await seed(stack.mongo_url, base)
            upaths = [
                "/" + u.split("/", 3)[3] for u in await seed(stack.mongo_url, base, database="traceability_untuned")
            ]
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
            # the same service with CPython's collector defaults: what the GC tuning (ocop_shared.pauses) changes
            untuned = {
                **env,
                "OCOP_GC_TUNING": "false",
                "OCOP_MONGO_DB": "traceability_untuned",
                "OCOP_DATA_DIR": str(tmp / "untuned"),
            }
            procs.append(serve("ocop_traceability.main:create_app", uport, untuned, tmp / "trace-untuned.log"))
            procs.append(serve("hello_app:app", hport, env, tmp / "hello.log"))
            await asyncio.sleep(2)
            for port, some in ((tport, paths), (uport, upaths)):
                await closed_loop(port, some, 1.5, 8)  # warm-up
            await closed_loop(hport, ["/hello"], 1.5, 8)
            for _ in range(args.runs):
                hello_rps, hello_lat, _ = await closed_loop(hport, ["/hello"], args.seconds, args.connections)
                verify_rps, verify_lat, errors = await closed_loop(tport, paths, args.seconds, args.connections)
                before = cpu_times()
                half = await open_loop(tport, paths, verify_rps / 2, args.seconds, args.connections)
                stolen = steal_share(before, cpu_times())
                half_untuned = await open_loop(uport, upaths, verify_rps / 2, args.seconds, args.connections)
                rows.append((hello_rps, verify_rps, hello_lat, verify_lat, half, half_untuned, stolen))
                if errors:
                    print(f"5xx during a run: {errors}")
                    return 1
            tuned_pauses, untuned_pauses = pauses(tport), pauses(uport)
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
        f"connections: {args.connections}, {args.seconds:.0f} s per phase, {args.runs} runs, 1 uvicorn worker each, "
        "2 cores shared with the load generator and the database server"
    )
    print(
        f"{'run':<5}{'hello req/s':>12}{'verify req/s':>13}{'ratio':>7}{'half-load p50':>15}{'p99 ms':>8}"
        f"{'p99 untuned GC':>16}{'CPU stolen':>12}"
    )
    for i, (h, v, _hl, _vl, half, half_u, stolen) in enumerate(rows, 1):
        print(
            f"{i:<5}{h:>12.0f}{v:>13.0f}{v / h:>7.2f}{pct(half, 50):>15.1f}{pct(half, 99):>8.1f}"
            f"{pct(half_u, 99):>16.1f}{stolen:>11.1%}"
        )
    print(
        "(CPU stolen: the share of the machine's CPU time the hypervisor gave other guests during the half-load"
        " phase, /proc/stat)"
    )
    ratio = statistics.median(v / h for h, v, *_ in rows)
    p99 = statistics.median(pct(r[4], 99) for r in rows)
    p99_untuned = statistics.median(pct(r[5], 99) for r in rows)
    print(f"median ratio verify / hello-world: {ratio:.2f}   (target ≥ 0.7)")
    print(f"median p99 at half load: {p99:.1f} ms   (target ≤ 10 ms); with CPython's GC defaults: {p99_untuned:.1f} ms")
    print("what stalls the service's loop (from its /metrics, whole run; p99/max = histogram bucket bounds):")
    for name, label in (
        ("ocop_gc_pause_seconds", "GC pauses"),
        ("ocop_event_loop_lag_seconds", "event-loop lag (50 ms timer)"),
        ("ocop_scan_flush_seconds", "scan-record flushes"),
    ):
        for which, numbers in (("tuned", tuned_pauses), ("CPython defaults", untuned_pauses)):
            count, total, bound = numbers.get(name, (0, 0.0, 0.0))
            worst = numbers.get(name + ":max", (0, 0.0, 0.0))[2]
            print(
                f"  {label:<30} {which:<17} n={count:>7,}  total {total * 1000:8.0f} ms  "
                f"p99 ≤ {bound * 1000:6.1f} ms  max ≤ {worst * 1000:6.1f} ms"
            )
    print(f"HTML page: {html_len / 1024:.1f} KB   (target ≤ 100 KB)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
