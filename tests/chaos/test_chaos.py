"""Chaos suite: the whole system under faults, on the real process tree of ``ocop up``.

1. During 1,000 in-flight certifications (10 % of them revoked again) each service is killed with
   kill -9 in turn, then the broker, then the broker is stopped for 30 s while the registry keeps
   accepting writes; both marketplace stand-ins answer 30 % of requests with 5xx throughout.
2. The whole stack is killed with kill -9 (a power cut) right after a burst of certifications and
   restarted on the same data directory.

Asserted: every certificate listed exactly once per platform, every revocation delisted, every sampled
stamp scans with the right verdict, every certificate event applied once by each consumer, nothing lost.
Counts go to test-artifacts/chaos-*.json. Sizes can be lowered with OCOP_CHAOS_CERTIFICATES.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from conftest import serve_standins
from ocop_cli.supervisor import SERVICES
from tests.chaos import harness as h

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

N = int(os.environ.get("OCOP_CHAOS_CERTIFICATES", "1000"))
REVOKE_EVERY = 10  # every 10th certified product is revoked again while the run goes on
RATE = 8.0  # certifications started per second: slow enough that every fault lands mid-run
CERT_TYPES = ("vn.ocop.registry.certificate.issued.v1", "vn.ocop.registry.certificate.revoked.v1")


def set_faults(standins, failure_rate: float) -> None:
    for app in (standins.voso, standins.postmart):
        app.state.store.faults = app.state.store.faults.model_copy(
            update={"failure_rate": failure_rate, "rate_limit": 100, "rate_window_s": 1.0}
        )


async def wait_converged(standins, certified: set[str], revoked: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        counts = h.listing_counts(standins, certified, revoked)
        if h.converged(counts, len(certified - revoked)) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(1)


async def check_scans(api: h.Api, stamps: dict[str, str], revoked: set[str], timeout: float = 60) -> dict[str, int]:
    """Every sampled stamp scans genuine, or revoked if its product's certificate was revoked."""
    deadline = time.monotonic() + timeout
    while True:
        wrong = {}
        for product, serial in stamps.items():
            expected = "revoked" if product in revoked else "genuine"
            got = await h.verdict(api, serial)
            if got != expected:
                wrong[product] = (expected, got)
        if not wrong or time.monotonic() > deadline:
            return {"scanned": len(stamps), "wrong": len(wrong), "examples": list(wrong.values())[:3]}
        await asyncio.sleep(1)


@pytest.mark.timeout(1500)
async def test_kill_9_each_service_and_the_broker_during_1000_certifications(tmp_path):
    log: list[str] = []
    async with serve_standins() as standins:
        set_faults(standins, 0.3)
        sup = await asyncio.to_thread(h.start, tmp_path / "data", h.stack_ports(standins), log)
        watcher = sup.watch_in_background()  # restarts whatever dies, like `ocop up`
        api = h.Api.for_stack(sup)
        try:
            catalogue = await h.make_catalogue(api, producers=20, products=N, tag="hỗn loạn")
            products = [p["id"] for p in catalogue]
            # stamps for 20 products (half of them to be revoked), printed before the chaos starts
            sample = [catalogue[i] for i in range(0, min(N, 100), 10)] + [
                catalogue[i] for i in range(1, min(N, 100), 10)
            ]
            stamps = {
                p["id"]: await h.stamp_for(api, p["id"], p["producer_id"], f"VN-19-064-02020-{k + 100:03d}")
                for k, p in enumerate(sample)
            }

            certified: set[str] = set()
            revoked: set[str] = set()
            accepted = {"certificates": 0, "revocations": 0}
            faults: list[dict] = []

            async def one(i: int, product: str) -> None:
                await asyncio.sleep(max(0.0, t0 + i / RATE - time.monotonic()))
                cert = await h.certify(api, product, i)
                certified.add(product)
                accepted["certificates"] += 1
                if i % REVOKE_EVERY == 0:
                    await h.revoke(api, cert)
                    revoked.add(product)
                    accepted["revocations"] += 1

            async def chaos() -> None:
                plan = [
                    (0.08, "registry", 0),
                    (0.18, "traceability", 0),
                    (0.28, "marketplace_sync", 0),
                    (0.38, "broker", 0),
                    # longer than the consumers' session timeout: every member must rejoin its group
                    (0.48, "broker", 30),
                ]
                for share, victim, hold in plan:
                    item = sup.item(victim)
                    while accepted["certificates"] < share * N or not (
                        item.child.alive() and await asyncio.to_thread(item.ready)
                    ):
                        await asyncio.sleep(0.1)  # (a victim killed before is up again first)
                    before = accepted["certificates"]
                    pid = await asyncio.to_thread(sup.kill, victim, hold)
                    fault = {"at_certificates": before, "killed": victim, "pid": pid, "down_s": hold}
                    if hold:  # the broker stays down: the registry must keep accepting writes
                        await asyncio.sleep(hold)
                        fault["certificates_accepted_while_broker_down"] = accepted["certificates"] - before
                    faults.append(fault)

            t0 = time.monotonic()
            semaphore = asyncio.Semaphore(8)

            async def bounded(i, p):
                async with semaphore:
                    await one(i, p)

            chaos_task = asyncio.create_task(chaos())
            await asyncio.gather(*(bounded(i, p) for i, p in enumerate(products)))
            await chaos_task
            took = time.monotonic() - t0

            counts = await wait_converged(standins, certified, revoked, timeout=600)
            converged_after = time.monotonic() - t0 - took
            await asyncio.sleep(3)  # anything still retrying would show up as a duplicate now
            counts = h.listing_counts(standins, certified, revoked)
            scans = await check_scans(api, stamps, revoked)
            events = h.event_accounting(f"mongodb://127.0.0.1:{sup.ports.mongo}", CERT_TYPES)
            registry_certs = len(h.certified_products(f"mongodb://127.0.0.1:{sup.ports.mongo}") & set(products))
            report = {
                "certifications_sent": N,
                "certificates_accepted": accepted["certificates"],
                "revocations_accepted": accepted["revocations"],
                "certificates_in_registry": registry_certs,
                "run_seconds": round(took, 1),
                "converged_s_after_the_run": round(converged_after, 1),
                "client_retries": api.retries,
                "faults": faults,
                "restarts": {i.child.name: i.restarts for i in sup.items},
                "platforms": counts,
                "scans": scans,
                "events": events,
                "standin_failure_rate": 0.3,
                "supervisor_log": log[-20:],
            }
            h.write_report("kill-each", report)

            assert accepted["certificates"] == N and registry_certs == N
            assert len(faults) == 5 and faults[-1]["certificates_accepted_while_broker_down"] > 0, faults
            assert all(sup.item(name).restarts >= 1 for name in ("registry", "traceability", "marketplace_sync"))
            assert sup.item("broker").restarts >= 2
            for platform, c in counts.items():
                assert c == {"listed": N - len(revoked), "missing": 0, "duplicates": 0, "revoked_still_listed": 0}, (
                    platform,
                    c,
                )
            assert scans["wrong"] == 0, scans
            for service in ("traceability", "marketplace_sync"):
                assert events[service]["lost"] == 0, events
                assert events[service]["applied"] == events[service]["distinct"] == events["emitted"], events
        finally:
            watcher.stop()
            await asyncio.to_thread(sup.stop)
            await api.client.aclose()


@pytest.mark.timeout(900)
async def test_whole_stack_kill_9_and_restart_on_the_same_data_dir(tmp_path):
    log: list[str] = []
    n = max(50, N // 4)
    async with serve_standins() as standins:
        set_faults(standins, 0.3)
        ports = h.stack_ports(standins)
        data = tmp_path / "data"
        sup = await asyncio.to_thread(h.start, data, ports, log)
        api = h.Api.for_stack(sup)
        try:
            catalogue = await h.make_catalogue(api, producers=10, products=n, tag="mất điện")
            products = [p["id"] for p in catalogue]
            stamps = {
                p["id"]: await h.stamp_for(api, p["id"], p["producer_id"], f"VN-19-064-02020-{201 + k}")
                for k, p in enumerate(catalogue[:2])
            }
            certified: dict[str, str] = {}
            semaphore = asyncio.Semaphore(8)

            async def one(i: int, product: str) -> None:
                async with semaphore:
                    certified[product] = await h.certify(api, product, i)

            # a burst of certifications, then the power cut right after the last one was accepted: events
            # are still in outboxes, in the broker, in consumers' hands and on their way to the platforms
            t0 = time.monotonic()
            await asyncio.gather(*(one(i, p) for i, p in enumerate(products)))
            await h.revoke(api, certified[products[1]])
            listed_before = h.listing_counts(standins, set(certified), {products[1]})
            killed = await asyncio.to_thread(h.kill_everything, sup)

            sup = await asyncio.to_thread(h.start, data, ports, log)  # same data dir, same ports
            api.sup = sup
            restarted_after = time.monotonic() - t0
            counts = await wait_converged(standins, set(certified), {products[1]}, timeout=400)
            converged_after = time.monotonic() - t0 - restarted_after
            await asyncio.sleep(3)
            counts = h.listing_counts(standins, set(certified), {products[1]})
            in_registry = h.certified_products(f"mongodb://127.0.0.1:{ports.mongo}")
            scans = await check_scans(api, stamps, {products[1]})
            events = h.event_accounting(f"mongodb://127.0.0.1:{ports.mongo}", CERT_TYPES)
            report = {
                "certifications_sent": n,
                "certificates_accepted": len(certified),
                "processes_killed": len(killed),
                "listed_on_each_platform_at_the_kill": {k: v["listed"] for k, v in listed_before.items()},
                "restarted_after_s": round(restarted_after, 1),
                "converged_s_after_restart": round(converged_after, 1),
                "platforms": counts,
                "certificates_in_registry_after_restart": len(in_registry & set(certified)),
                "scans": scans,
                "events": events,
            }
            h.write_report("power-cut", report)

            assert len(killed) == len(SERVICES) + 2  # every service, the broker and the database
            assert any(v["listed"] < n - 1 for v in listed_before.values()), "the cut came too late to prove anything"
            assert in_registry >= set(certified), "certificates accepted before the cut are gone"
            for platform, c in counts.items():
                assert c == {"listed": n - 1, "missing": 0, "duplicates": 0, "revoked_still_listed": 0}, (platform, c)
            assert scans["wrong"] == 0, scans
            for service in ("traceability", "marketplace_sync"):
                assert events[service]["lost"] == 0, events
                assert events[service]["applied"] == events[service]["distinct"] == events["emitted"], events
        finally:
            await asyncio.to_thread(sup.stop)
            await api.client.aclose()
