"""EPCIS benchmark: capture of N events (default 10,000) through ``POST /epcis/capture`` and query latency,
next to inserting the same number of trail events directly (the baseline) in the same run.

Runs traceability in-process (ASGI) on the embedded stack (Tansu + nx-27017). The events are about one
producer's batch — its lot as ``epcClass``, two of its stamps in every fifth event — so each one goes the
whole way: strict parse, GS1's JSON Schema, the event hash, who may capture it, which batch it joins, the
event, its identifier keys and fan-out row, and the trail line, in documents of ``--per-document`` events
(the capture limit), each waited for until its job has finished. The baseline stores the same number of
trail events (``batch_events`` rows) with ``insert_many`` in chunks of the same size. Then ``--queries``
requests of five kinds (MATCH_epc of a stamp, EQ_bizStep, a time window, eventType + perPage 100, the
public view) with p50/p95/p99.

Usage: ``python bench/epcis.py [--events 10000] [--per-document 500] [--queries 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _common import pct
from asgi_lifespan import LifespanManager
from bson import ObjectId

from ocop_cli.stack import start_stack
from ocop_shared.auth import mint_token
from ocop_shared.keys import KeyRing
from ocop_traceability.domain.codes import new_serial
from ocop_traceability.main import create_app
from ocop_traceability.settings import TraceabilitySettings

GTIN, LOT, PRODUCER, PRODUCT, BATCH = "08934567890120", "261101-1", "bench-producer", "bench-product", "bench-batch"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://partner.example/"}]
KEYS = KeyRing.generate()  # stands in for the registry's key ring: traceability is given its public keys
STEPS = ["shipping", "receiving", "storing", "inspecting", "loading", "unloading"]


async def seed(db, serials: list[str]) -> None:
    now = datetime.now(UTC)
    await db.producers.insert_one(
        {"_id": PRODUCER, "public_name": "HTX Bench", "province": {"code": "19", "name": "Thái Nguyên"}, "version": 1}
    )
    await db.products.insert_one({"_id": PRODUCT, "producer_id": PRODUCER, "name": "Chè", "gtin": GTIN, "version": 1})
    await db.batches.insert_one(
        {
            "_id": BATCH,
            "product_id": PRODUCT,
            "producer_id": PRODUCER,
            "growing_area_code": "VN-19-063-0001",
            "harvest_date": "2026-11-01",
            "quantity": 1000,
            "unit": "kg",
            "lot": LOT,
            "lot_key": f"{PRODUCT}:{LOT}",
            "created_at": now,
        }
    )
    stamps = [
        {
            "_id": s,
            "run_id": "bench-run",
            "batch_id": BATCH,
            "product_id": PRODUCT,
            "producer_id": PRODUCER,
            "seq": i + 1,
            "state": "active",
            "url": f"HTTPS://TEM.EXAMPLE.VN/01/{GTIN}/10/{LOT}/21/{s}",
        }
        for i, s in enumerate(serials)
    ]
    await db.stamps.insert_many(stamps)


def events(n: int, serials: list[str]) -> list[dict]:
    start = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        event = {
            "type": "ObjectEvent",
            "eventTime": (start + timedelta(minutes=i)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE",
            "bizStep": STEPS[i % len(STEPS)],
            "quantityList": [
                {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{LOT}", "quantity": 10 + i % 7, "uom": "KGM"}
            ],
            "readPoint": {"id": f"urn:epc:id:sgln:893601.23000.{i % 40}"},
            "ex:seq": i,
        }
        if i % 5 == 0:
            event["epcList"] = [f"https://id.gs1.org/01/{GTIN}/21/{serials[(i + k) % len(serials)]}" for k in (0, 1)]
        out.append(event)
    return out


def document(chunk: list[dict]) -> dict:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-05T00:00:00Z",
        "epcisBody": {"eventList": chunk},
    }


def percentiles(samples: list[float]) -> str:
    return "   ".join(f"p{p} {pct(samples, p):6.1f} ms" for p in (50, 95, 99))


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--per-document", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp) / "stack")
        try:
            settings = TraceabilitySettings(
                kafka_bootstrap=stack.bootstrap,
                mongo_url=stack.mongo_url,
                mongo_db="bench_epcis",
                secret_key="bench-" + "k" * 32,
                jwt_public_keys=json.dumps(KEYS.jwks()),  # the registry would sign; here the bench does
                data_dir=Path(tmp),
                log_level="WARNING",
                stamp_base_url="https://tem.example.vn",
                scan_rate_capacity=1_000_000,
                scan_rate_per_s=1_000_000.0,
            )
            app = create_app(settings)
            async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30):
                runtime = app.state.runtime
                db = runtime.db
                serials = [new_serial() for _ in range(200)]
                await seed(db, serials)
                all_events = events(args.events, serials)
                chunks = [all_events[i : i + args.per_document] for i in range(0, len(all_events), args.per_document)]
                bodies = [json.dumps(document(c)).encode() for c in chunks]
                token = mint_token(KEYS, role="producer", producer_id=PRODUCER)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://traceability", timeout=120
                ) as client:
                    # baseline: the same number of trail events, stored directly
                    t = time.perf_counter()
                    for chunk in chunks:
                        rows = [
                            {
                                "_id": str(ObjectId()),
                                "batch_id": BATCH,
                                "type": "shipping",
                                "time": e["eventTime"],
                                "place": "Kho",
                                "note": "",
                                "recorded_at": datetime.now(UTC),
                                "recorded_by": "bench",
                            }
                            for e in chunk
                        ]
                        await db.batch_events_baseline.insert_many(rows)
                    direct_s = time.perf_counter() - t

                    t = time.perf_counter()
                    stored = 0
                    for body in bodies:
                        r = await client.post("/epcis/capture", content=body, headers=headers)
                        assert r.status_code == 202, r.text
                        job_id = r.headers["location"].rsplit("/", 1)[1]
                        await runtime.epcis.capture.wait(job_id)
                        job = (await client.get(f"/epcis/capture/{job_id}", headers=headers)).json()
                        assert job["success"], job
                        stored += job["storedCount"]
                    capture_s = time.perf_counter() - t
                    assert stored == args.events, stored
                    trail = await db.batch_events.count_documents({"batch_id": BATCH})
                    assert trail == args.events, trail

                    days = min(6, max(1, args.events // 1440))  # one event a minute from 2026-11-02
                    kinds = {
                        "MATCH_epc (a stamp)": lambda i: {
                            "MATCH_epc": f"HTTPS://TEM.EXAMPLE.VN/01/{GTIN}/10/{LOT}/21/{serials[i % len(serials)]}"
                        },
                        "EQ_bizStep, 30 a page": lambda i: {"EQ_bizStep": STEPS[i % len(STEPS)]},
                        "event-time window": lambda i: {  # a morning of one of the whole days captured
                            "GE_eventTime": f"2026-11-0{2 + i % days}T00:00:00Z",
                            "LT_eventTime": f"2026-11-0{2 + i % days}T06:00:00Z",
                        },
                        "eventType, 100 a page": lambda i: {"eventType": "ObjectEvent", "perPage": "100"},
                        "public, MATCH_anyEPCClass": lambda i: {
                            "MATCH_anyEPCClass": f"https://id.gs1.org/01/{GTIN}/10/{LOT}",
                            "perPage": "30",
                        },
                    }
                    timings: dict[str, list[float]] = {k: [] for k in kinds}
                    for i in range(args.queries):
                        name = list(kinds)[i % len(kinds)]
                        params = kinds[name](i)
                        auth_headers = {} if name.startswith("public") else {"Authorization": headers["Authorization"]}
                        t = time.perf_counter()
                        r = await client.get("/epcis/events", params=params, headers=auth_headers)
                        timings[name].append(time.perf_counter() - t)
                        assert r.status_code == 200, r.text
                        assert r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"], (name, params)
        finally:
            stack.stop()

    direct_rate, capture_rate = args.events / direct_s, args.events / capture_s
    print(
        f"\nEPCIS capture: {args.events:,} events in {len(bodies)} documents of {args.per_document}"
        " (embedded stack, in-process)"
    )
    print(f"  direct trail inserts (baseline) {direct_s:7.2f} s   {direct_rate:9,.0f} events/s")
    print(f"  POST /epcis/capture, jobs done  {capture_s:7.2f} s   {capture_rate:9,.0f} events/s")
    print(
        f"  ratio capture / direct insert   {capture_rate / direct_rate:7.3f}×"
        f"  ({direct_rate / capture_rate:.1f}× slower)"
    )
    every = [s for samples in timings.values() for s in samples]
    print(f"\nGET /epcis/events over {args.events:,} events, {args.queries} queries")
    for name, samples in timings.items():
        print(f"  {name:28s} {percentiles(samples)}")
    print(f"  {'all':28s} {percentiles(every)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
