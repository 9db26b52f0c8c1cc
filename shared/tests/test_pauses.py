"""The pause histograms measure: a collection is timed under its generation, a blocked loop shows as lag."""

from __future__ import annotations

import asyncio
import gc
import time

from ocop_shared.pauses import GC_PAUSE, LOOP_LAG, tune_collector, watch_loop_lag


def _count(histogram, **labels: str) -> float:
    name = histogram._name
    for metric in histogram.collect():
        for sample in metric.samples:
            if sample.name == f"{name}_count" and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_every_collection_is_timed_under_its_generation() -> None:
    tune_collector(tune=False)  # times pauses only: the test process keeps CPython's collector
    before = _count(GC_PAUSE, generation="2")
    gc.collect()
    assert _count(GC_PAUSE, generation="2") == before + 1


async def test_a_blocked_loop_shows_as_lag() -> None:
    task = watch_loop_lag()
    await asyncio.sleep(0.12)
    before = _count(LOOP_LAG)
    time.sleep(0.3)  # holds the loop, as a slow synchronous call would
    await asyncio.sleep(0.12)
    task.cancel()
    slow = [s for m in LOOP_LAG.collect() for s in m.samples if s.name.endswith("_bucket") and s.labels["le"] == "0.2"]
    assert _count(LOOP_LAG) > before and slow and slow[0].value < _count(LOOP_LAG)  # one tick was ≥ 0.2 s late
