"""Stamp benchmark: N stamps (default 100,000) — serials generated and stored, print sheet rendered to PDF —
next to the naive loop ``qrcode.make(url).save(png)`` measured on a sample in the same run.

Runs on the embedded stack (nx-27017) with the service's own code path (``StampRunJobs.produce``: serials
generated and stored in chunks, the sheet streamed to its file from them as they come). Prints stamps/s,
the ratio to the naive loop and the peak RSS of this process after every 100,000 stamps drawn, so a run of
a million shows whether memory stays flat. Targets (issue 21): 100k ≤ 10 s, ≥ 40× the naive loop, peak RSS
≤ 200 MiB, a million in one run with flat RSS.

``--breakdown`` first times each part alone on the same stack (generate, store, QR encode, PDF) so the
end-to-end figure can be read against them; ``--profile FILE`` writes a cProfile of the run.

Usage: ``python bench/stamps.py [--stamps 100000] [--naive-sample 300] [--breakdown] [--profile out.prof]``
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import resource
import sys
import tempfile
import time
from pathlib import Path

import qrcode
from _common import TEA_GTIN, active_certificate, tea_product, tea_stamp_run

from ocop_cli.stack import start_stack
from ocop_shared.mongo import ensure_collections, make_client
from ocop_traceability.adapters.bulkqr import RunCodes
from ocop_traceability.adapters.sheet import render_sheet
from ocop_traceability.adapters.sheet_files import SheetFiles
from ocop_traceability.adapters.uow import TraceabilityUnitOfWork
from ocop_traceability.app.stamp_jobs import CHUNK, StampRunJobs
from ocop_traceability.domain.codes import CROCKFORD, SERIAL_LENGTH, new_serial
from ocop_traceability.domain.stamps import new_chunk, stamp_url

BASE = "https://trace.ocop.vn"
STEP = 100_000  # peak RSS is printed at every multiple of this many stamps drawn


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class MeasuredSheets(SheetFiles):
    """The service's sheet files, noting the peak RSS each time another ``STEP`` stamps are drawn."""

    peaks: dict[int, float]

    def render(self, run, labels, product, progress):  # type: ignore[no-untyped-def]
        self.peaks = {}

        def noted(n: int) -> None:
            progress(n)
            mark = n // STEP * STEP
            if mark and mark not in self.peaks:
                self.peaks[mark] = peak_mib()

        return super().render(run, labels, product, noted)


async def breakdown(db, run, n: int, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    """Each part of the job alone, one after the other, on ``n`` stamps."""
    t = time.perf_counter()
    chunks = [new_chunk(run, BASE, first, min(CHUNK, n - first + 1)) for first in range(1, n + 1, CHUNK)]
    gen = time.perf_counter() - t
    await db.stamp_runs.insert_one({"_id": run.id})
    t = time.perf_counter()
    for chunk in chunks:  # as the job stores them: a transaction a chunk, with the run's progress
        await StampRunJobs._store(TraceabilityUnitOfWork(db.client, db, source="/ocop/bench"), chunk, [0])
    store = time.perf_counter() - t
    labels = [label for chunk in chunks for label in chunk.labels()]  # (this list raises the peak RSS below)
    codes = RunCodes(labels[0][0][:-SERIAL_LENGTH], SERIAL_LENGTH, CROCKFORD)
    t = time.perf_counter()
    for url, _serial in labels:
        codes.packed(url)
    encode = time.perf_counter() - t
    t = time.perf_counter()
    render_sheet(tmp / "breakdown.pdf", labels, product_name="Chè Shan tuyết Chợ Đồn", stars=4)
    pdf = time.perf_counter() - t
    await db.stamps.delete_many({"run_id": run.id})
    print(f"parts alone, {n:,} stamps (each in this process; the database server is another process):")
    print(f"  generate serials + URLs: {gen:6.2f} s")
    print(f"  store (insert_many of {CHUNK:,}, a transaction each): {store:6.2f} s = {n / store:,.0f}/s")
    print(f"  QR encode (RunCodes):    {encode:6.2f} s = {n / encode:,.0f}/s")
    print(f"  PDF (encode + draw + write): {pdf:6.2f} s = {n / pdf:,.0f}/s")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stamps", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--breakdown", action="store_true", help="time each part alone first")
    parser.add_argument("--profile", help="write a cProfile of the run to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # naive: one qrcode.make(url).save(png) per stamp, on a sample
        urls = [stamp_url(BASE, new_serial(), gtin=TEA_GTIN, lot="261101-1") for _ in range(args.naive_sample)]
        t = time.perf_counter()
        for i, url in enumerate(urls):
            qrcode.make(url).save(tmp / f"naive-{i}.png")
        naive_per_s = args.naive_sample / (time.perf_counter() - t)

        stack = start_stack(tmp / "stack")
        try:
            client = make_client(stack.mongo_url)
            db = client["bench_stamps"]
            await ensure_collections(db, ["stamps", "stamp_runs", "products"])
            await db.stamps.create_index("run_id")  # as the service does (adapters/uow.py)

            def new_uow() -> TraceabilityUnitOfWork:
                return TraceabilityUnitOfWork(client, db, source="/ocop/bench")

            uow = new_uow()
            run = tea_stamp_run("bench-run", "261101-1", args.stamps)
            async with uow:
                await uow.stamp_runs.add(run)
                await uow.products.apply(tea_product(), 1, active_certificate())
                await uow.commit()
            if args.breakdown:
                await breakdown(db, tea_stamp_run("breakdown", "261101-1", args.stamps), min(args.stamps, 100_000), tmp)
            sheets = MeasuredSheets(tmp)
            jobs = StampRunJobs(new_uow, sheets, BASE)
            profile = cProfile.Profile() if args.profile else None
            if profile:
                profile.enable()
            t0 = time.perf_counter()
            pages = await jobs.produce(run)  # exactly what the stamp-run job does
            t2 = time.perf_counter()
            if profile:
                profile.disable()
                profile.dump_stats(args.profile)
            stored = await db.stamps.count_documents({"run_id": run.id})
            size = sheets.path(run.id).stat().st_size
            await client.close()
        finally:
            stack.stop()
    total = t2 - t0
    ours_per_s = args.stamps / total
    print(f"stamps: {args.stamps:,}   pages: {pages:,}   PDF: {size / 2**20:.1f} MiB")
    print(f"codes stored: {stored:,} (generated, stored and rendered concurrently)")
    print(f"total:                   {total:7.2f} s = {ours_per_s:,.0f} stamps/s   (target ≤ 10 s for 100k)")
    print(f"naive qrcode.make().save(png): {naive_per_s:,.0f} stamps/s (sample of {args.naive_sample})")
    print(f"ratio ours / naive: {ours_per_s / naive_per_s:.1f}x   (target ≥ 40x)")
    for mark, peak in sorted(sheets.peaks.items()):
        print(f"peak RSS after {mark:>9,} stamps drawn: {peak:5.0f} MiB")
    print(f"peak RSS (this process, end): {peak_mib():.0f} MiB   (target ≤ 200 MiB, flat from 100k to 1M)")
    return 0 if stored == args.stamps else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
