"""EPCIS on a stack of its own (its services consume the registry's topic alone): subscriptions delivered
to a real HTTP receiver on 127.0.0.1 — signed, retried with backoff, nothing lost when the service dies
between recording events and delivering them — and the demo's batches exported as valid EPCIS."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from conftest import KEYS, auth, eventually, run_apps
from ocop_cli import demo
from ocop_cli.stack import start_stack
from ocop_shared.auth import mint_token
from tests.integration.epcis_support import all_pages, events_of, make_world
from tests.standards.epcis_checks import assert_epcis_valid, reference_hash
from tests.support.http import serve

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")]
FAST = {
    "epcis_webhook_allow_private": True,  # the receiver is on 127.0.0.1
    "epcis_retry_base_s": 0.2,
    "epcis_retry_max_s": 1.0,
    "epcis_dispatch_interval_s": 0.1,
    "epcis_delivery_batch": 5,
}
TOKEN = "13df38d8275b13f05704629e5f1cf3d45d6132d5"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    s = start_stack(tmp_path_factory.mktemp("epcis-stack"))
    yield s
    s.stop()


@dataclass
class Receiver:
    """A subscriber's webhook: answers 500 to the first ``failures`` POSTs and 413 to a POST of more than
    ``max_events`` events, then 200; keeps every body and header it was sent."""

    failures: int = 3
    max_events: int = 3
    posts: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        events = json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        if len([p for p in self.posts if p[2] == 500]) < self.failures:
            status = 500
        elif len(events) > self.max_events:
            status = 413
        else:
            status = 200
        self.posts.append((headers, body, status))
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    def delivered(self) -> list[str]:
        """eventIDs of the POSTs answered 200."""
        return [
            e["eventID"]
            for _h, body, status in self.posts
            if status == 200
            for e in json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]


def _dispatcher_task(dispatcher) -> asyncio.Task:
    """This app's dispatcher task (by the object it runs: an earlier app of the module may still be stopping,
    and stopping its task instead left this one fanning out)."""

    def runs_it(task: asyncio.Task) -> bool:
        frame = getattr(task.get_coro(), "cr_frame", None)
        return frame is not None and frame.f_locals.get("self") is dispatcher

    return next(t for t in asyncio.all_tasks() if t.get_name() == "epcis-dispatch" and runs_it(t))


async def test_subscription_deliveries_are_signed_retried_and_survive_a_crash(own_stack):
    receiver = Receiver()
    async with serve(receiver) as base:
        dest = f"{base}/queryCallback"
        extra = {"traceability": FAST}
        async with run_apps(own_stack, services=("registry", "traceability"), db_suffix="_subs", extra=extra) as apps:
            tr = apps["traceability"]
            w = await make_world(apps, stamps=3)
            r = await tr.post(
                "/epcis/queries",
                json={"name": "my-lot", "query": {"MATCH_anyEPCClass": [w.lot_class]}},
                headers=w.owner,
            )
            assert r.status_code == 201 and r.headers["location"] == "/epcis/queries/my-lot", r.text
            body = {"dest": dest, "signatureToken": TOKEN, "stream": True, "initialRecordTime": "2020-01-01T00:00:00Z"}
            r = await tr.post("/epcis/queries/my-lot/subscriptions", json=body, headers=w.owner)
            assert r.status_code == 201, r.text
            sub = r.json()
            assert r.headers["location"] == f"/epcis/queries/my-lot/subscriptions/{sub['subscriptionID']}"
            assert TOKEN not in r.text
            expected = [e["eventID"] for e in events_of(await all_pages(tr, "/epcis/queries/my-lot/events", w.owner))]
            assert len(expected) == 6  # the trail, recorded before the subscription: initialRecordTime back-fills it
            await eventually(lambda: asyncio.sleep(0, set(expected) <= set(receiver.delivered())), timeout=30)
            statuses = [s for _h, _b, s in receiver.posts]
            assert statuses[:3] == [500, 500, 500] and 413 in statuses  # retried, then the batch halved
            for headers, raw, _status in receiver.posts:
                mac = hmac.new(TOKEN.encode(), raw, hashlib.sha256).hexdigest()
                assert headers["gs1-signature"] == f"sha256={mac}"
                document = json.loads(raw)
                assert_epcis_valid(document)
                results = document["epcisBody"]["queryResults"]
                assert results["queryName"] == "my-lot" and results["subscriptionID"] == sub["subscriptionID"]
            assert receiver.delivered()[: len(expected)] == expected  # oldest first
            sub_path = f"/epcis/queries/my-lot/subscriptions/{sub['subscriptionID']}"

            async def counted():  # the receiver has the POST before the dispatcher has its answer
                view = (await tr.get(sub_path, headers=w.owner)).json()
                return view if view["deliveredEvents"] >= 6 else None

            view = await eventually(counted, timeout=10)
            assert view["lastNotifiedAt"] and TOKEN not in json.dumps(view)

            # the service dies after recording events, before handing them to the subscription
            dispatcher = _dispatcher_task(apps.runtime("traceability").epcis.dispatcher)
            dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher
            receiver.failures += 2  # and the subscriber is down for a while
            for day in (5, 6, 7):
                r = await tr.post(
                    f"/api/v1/batches/{w.batch['id']}/events",
                    headers=w.owner,
                    json={"type": "shipping", "time": f"2026-11-{day:02d}T08:00:00+07:00", "place": "Kho Hà Nội"},
                )
                assert r.status_code == 201
            pending = await apps.runtime("traceability").db.epcis_fanout.count_documents({})
            assert pending == 3, "recorded, not yet fanned out"
            later = [
                e["epcis_event_id"]
                for e in (await tr.get(f"/api/v1/batches/{w.batch['id']}", headers=w.owner)).json()["events"][-3:]
            ]

        # restarted on the same data: the three events are delivered, nothing before them again
        async with run_apps(own_stack, services=("traceability",), db_suffix="_subs", extra=extra) as apps:
            await eventually(lambda: asyncio.sleep(0, set(later) <= set(receiver.delivered())), timeout=60)
            delivered = receiver.delivered()
            assert sorted(set(delivered)) == sorted(set(expected + later))
            assert len(delivered) == len(set(delivered))  # and each once (the receiver answered 200 every time)

            async def settled():  # the receiver has the POST before the dispatcher has its answer
                view = (await apps["traceability"].get(sub_path, headers=w.owner)).json()
                return view if view["deliveredEvents"] == 9 else None

            view = await eventually(settled, timeout=10)
            assert view["status"] == "active"
            assert await apps.runtime("traceability").db.epcis_deliveries.count_documents({}) == 0


async def test_scheduled_subscriptions_and_refused_targets(own_stack):
    receiver = Receiver(failures=0)
    async with (
        serve(receiver) as base,
        run_apps(own_stack, services=("traceability",), db_suffix="_sched", extra={"traceability": FAST}) as apps,
    ):
        tr = apps["traceability"]
        staff = auth("operator")
        assert (await tr.post("/epcis/queries", json={"name": "all", "query": {}}, headers=staff)).status_code == 201
        every_second = {"dest": f"{base}/cb", "schedule": {"second": "[0-59]"}, "reportIfEmpty": True}
        r = await tr.post("/epcis/queries/all/subscriptions", json=every_second, headers=staff)
        assert r.status_code == 201, r.text
        await eventually(lambda: asyncio.sleep(0, len(receiver.posts) >= 2), timeout=10)
        assert "gs1-signature" not in receiver.posts[0][0]  # no token, no signature
        assert json.loads(receiver.posts[0][1])["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
        r = await tr.delete(f"/epcis/queries/all/subscriptions/{r.json()['subscriptionID']}", headers=staff)
        assert r.status_code == 204
    async with run_apps(own_stack, services=("traceability",), db_suffix="_sched2") as apps:  # private targets refused
        tr, staff = apps["traceability"], auth("operator")
        await tr.post("/epcis/queries", json={"name": "q", "query": {"EQ_bizStep": ["shipping"]}}, headers=staff)
        for dest in (
            "http://127.0.0.1:9/cb",
            "http://10.0.0.7/cb",
            "http://[::1]/cb",
            "http://localhost/cb",
            "ftp://x.example/",
        ):
            r = await tr.post("/epcis/queries/q/subscriptions", json={"dest": dest, "stream": True}, headers=staff)
            assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), dest
        for body in (
            {"dest": "https://x.example/cb"},
            {"dest": "https://x.example/cb", "stream": True, "schedule": {"hour": "1"}},
        ):
            r = await tr.post("/epcis/queries/q/subscriptions", json=body, headers=staff)
            assert r.status_code == 400 and r.json()["type"] == "epcisException:SubscriptionControlsException"
        assert (
            await tr.post("/epcis/queries/none/subscriptions", json={"dest": "https://x.example"}, headers=staff)
        ).status_code == 404
        assert (await tr.post("/epcis/queries", json={"name": "q", "query": {}}, headers=staff)).status_code == 409
        bad = await tr.post("/epcis/queries", json={"name": "z", "query": {"EQ_bizStep": "not a list"}}, headers=staff)
        assert bad.status_code == 400 and bad.json()["type"] == "epcisException:QueryValidationException"
        other = auth("producer", producer_id="p-x")
        assert (await tr.get("/epcis/queries/q", headers=other)).status_code == 404  # someone else's query


@contextlib.asynccontextmanager
async def _serving(apps) -> AsyncIterator[dict[str, str]]:
    urls = {}
    async with contextlib.AsyncExitStack() as stack:
        for service in ("registry", "traceability"):
            urls[service] = await stack.enter_async_context(serve(apps.apps[service]))
        yield urls


async def test_the_demos_batches_export_valid_epcis(own_stack):
    async with run_apps(own_stack, services=("registry", "traceability"), db_suffix="_demo") as apps:
        async with _serving(apps) as urls:
            token = mint_token(KEYS, role="operator")
            result = await asyncio.to_thread(demo.load, urls["registry"], token, trace_url=urls["traceability"])
        assert result.runs, result
        tr = apps["traceability"]
        staff = auth("operator")
        events = events_of(await all_pages(tr, "/epcis/events", staff, {"perPage": "1000"}))
        db = apps.runtime("traceability").db
        trail = await db.batch_events.find({}).to_list(None)
        ours = [e for e in events if "ocop:trailType" in e]
        assert len(ours) == len(trail) > 0  # every trail event is an EPCIS event
        assert {t["epcis_event_id"] for t in trail} == {e["eventID"] for e in ours}
        activations = [e for e in events if e.get("bizStep") == "commissioning" and "epcList" in e]
        active = await db.stamps.count_documents({"state": "active"})
        assert sum(len(e["epcList"]) for e in activations) == active > 0
        context = (await tr.get("/epcis/events", params={"perPage": "1"}, headers=staff)).json()["@context"]
        for event in events:
            assert event["eventID"] == reference_hash(event, context)
        for batch in await db.batches.find({}).to_list(None):  # and each batch's own export
            docs = await all_pages(
                tr,
                "/epcis/events",
                staff,
                {
                    "MATCH_anyEPCClass": _lot_class(
                        batch, await db.products.find_one({"_id": batch["product_id"]}), apps
                    )
                },
            )
            assert events_of(docs), batch["lot"]


def _lot_class(batch: dict, product: dict, apps) -> str:
    minting = apps.runtime("traceability").epcis.config.minting
    return minting.lot_class(batch["product_id"], batch["lot"], (product or {}).get("gtin"))
