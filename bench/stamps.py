"""Stamp benchmark: N stamps (default 100,000) — serials generated and stored, print sheet rendered to PDF —
next to the naive loop ``qrcode.make(url).save(png)`` measured on a sample in the same run.

Runs on the embedded stack (nx-27017) with the service's own code paths (the stamp-run job's generate and
render steps). Prints stamps/s, the ratio to the naive loop and the peak RSS. Target: 100k ≤ 60 s and
≥ 10× the naive loop.

Usage: ``python bench/stamps.py [--stamps 100000] [--naive-sample 300]``
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

import qrcode
from _common import TEA_GTIN, active_certificate, tea_product, tea_stamp_run

from ocop_cli.stack import start_stack
from ocop_shared.mongo import ensure_collections, make_client
from ocop_traceability.adapters.sheet_files import SheetFiles
from ocop_traceability.adapters.uow import TraceabilityUnitOfWork
from ocop_traceability.app.stamp_jobs import StampRunJobs
from ocop_traceability.domain.codes import new_serial
from ocop_traceability.domain.stamps import stamp_url


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stamps", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    args = parser.parse_args()
    base = "https://trace.ocop.vn"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # naive: one qrcode.make(url).save(png) per stamp, on a sample
        urls = [stamp_url(base, new_serial(), gtin=TEA_GTIN, lot="261101-1") for _ in range(args.naive_sample)]
        t = time.perf_counter()
        for i, url in enumerate(urls):
            qrcode.make(url).save(tmp / f"naive-{i}.png")
        naive_per_s = args.naive_sample / (time.perf_counter() - t)

        stack = start_stack(tmp / "stack")
        try:
            client = make_client(stack.mongo_url)
            db = client["bench_stamps"]
            await ensure_collections(db, ["stamps", "stamp_runs", "products"])
            await db.stamps.create_index("run_id")

            def new_uow() -> TraceabilityUnitOfWork:
                return TraceabilityUnitOfWork(client, db, source="/ocop/bench")

            uow = new_uow()
            run = tea_stamp_run("bench-run", "261101-1", args.stamps)
            async with uow:
                await uow.stamp_runs.add(run)
                await uow.products.apply(tea_product(), 1, active_certificate())
                await uow.commit()
            sheets = SheetFiles(tmp)
            jobs = StampRunJobs(new_uow, sheets, base)
            t0 = time.perf_counter()
            pages = await jobs.produce(run)  # exactly what the stamp-run job does
            t2 = time.perf_counter()
            stored = await uow.stamps.count(run.id)
            size = sheets.path(run.id).stat().st_size
            await client.close()
        finally:
            stack.stop()
    total = t2 - t0
    ours_per_s = args.stamps / total
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stamps: {args.stamps:,}   pages: {pages:,}   PDF: {size / 2**20:.1f} MiB")
    print(f"codes stored: {stored:,} (generated, stored and rendered concurrently)")
    print(f"total:                   {total:7.2f} s = {ours_per_s:,.0f} stamps/s   (target ≤ 60 s for 100k)")
    print(f"naive qrcode.make().save(png): {naive_per_s:,.0f} stamps/s (sample of {args.naive_sample})")
    print(f"ratio ours / naive: {ours_per_s / naive_per_s:.1f}x   (target ≥ 10x)")
    print(f"peak RSS (this process): {peak:.0f} MiB")
    return 0 if stored == args.stamps else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
