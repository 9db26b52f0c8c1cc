"""What stalls a service's event loop, measured: garbage-collector pauses and event-loop lag (Prometheus).

A request that waits behind a stall shows in the latency tail, not in the mean; these two histograms say
whether the stall was the collector (``ocop_gc_pause_seconds``, per generation) or anything else holding the
loop (``ocop_event_loop_lag_seconds``: how late a 50 ms timer fires). ``bench/scan.py`` prints them.

The collector is also tuned once the service has started: everything alive then (modules, settings, caches'
scaffolding) is frozen out of its scans (``gc.freeze``), and young collections run less often, so a full
collection walks the objects of the traffic only.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from prometheus_client import Histogram

GC_PAUSE = Histogram(
    "ocop_gc_pause_seconds",
    "Garbage-collector pauses, by generation",
    ["generation"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5),
)
LOOP_LAG = Histogram(
    "ocop_event_loop_lag_seconds",
    "How late the event loop ran a 50 ms timer",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
)
_TICK_S = 0.05
_GEN0_THRESHOLD = 10_000  # CPython's default 700 runs a young collection every few requests
_started: list[float] = []
_series = [GC_PAUSE.labels(str(g)) for g in range(3)]


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append(time.perf_counter())
    elif _started:
        _series[info.get("generation", 2)].observe(time.perf_counter() - _started.pop())


def tune_collector(tune: bool = True) -> None:
    """After start-up: time every pause; if ``tune``, freeze what is alive and collect young objects less often
    (once per process: a test process starts many apps, and the first start is the one that loads everything)."""
    if tune and not gc.get_freeze_count():
        gc.collect()
        gc.freeze()
        _gen0, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(_GEN0_THRESHOLD, gen1, gen2)
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def watch_loop_lag() -> asyncio.Task:
    async def watch() -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + _TICK_S
            await asyncio.sleep(_TICK_S)
            LOOP_LAG.observe(max(0.0, loop.time() - due))

    return asyncio.create_task(watch(), name="loop-lag")
