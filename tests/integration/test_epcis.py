"""EPCIS 2.0 over HTTP against the real broker and database: every trail event and stamp activation is an
EPCIS event with the GS1 hash as its ID; queries with the standard parameters, pages and reach; capture of
Object, Aggregation and Transformation events about our batches (they join the batch's trail and its scan
page); GS1's own example documents; hostile documents. Every document answered is checked against GS1's
JSON Schema (jsonschema, formats on), collections and jobs against the bindings' component schemas."""

from __future__ import annotations

import json
import uuid

import pytest

from conftest import auth, eventually
from ocop_traceability.domain.epcis.vocab import EPCIS_CONTEXT
from tests.integration.epcis_support import (
    World,
    all_pages,
    capture,
    document,
    events_of,
    fake_serial,
    make_world,
    problem_of,
)
from tests.standards.epcis_checks import EXAMPLES, assert_epcis_valid, component_errors, reference_hash
from tests.support.registry import make_producer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning"),  # the hash oracle's
]
OFFICIAL = auth("official")
OPERATOR = auth("operator")


@pytest.fixture(scope="module")
async def world(apps) -> World:
    return await make_world(apps)


async def _ours(apps, w: World, headers: dict) -> list[dict]:
    tr = apps["traceability"]
    return events_of(await all_pages(tr, "/epcis/events", headers, {"MATCH_anyEPCClass": w.lot_class}))


async def test_the_trail_and_the_activation_are_epcis_events_with_gs1_hash_ids(apps, world: World):
    tr = apps["traceability"]
    docs = await all_pages(tr, "/epcis/events", world.owner, {"MATCH_anyEPCClass": world.lot_class, "perPage": "2"})
    assert len(docs) == 3  # six trail events, two a page: the Link header led through them
    trail = events_of(docs)
    assert [e["ocop:trailType"] for e in trail] == [
        "harvesting",
        "processing",
        "packing",
        "shipping",
        "receiving",
        "inspection",
    ]
    context = docs[0]["@context"]
    for event in trail:
        assert event["eventID"] == reference_hash(event, context), event  # the oracle agrees
        assert event["recordTime"].endswith("Z")
    assert trail[0]["bizStep"] == "commissioning" and trail[0]["quantityList"][0]["uom"] == "KGM"
    assert trail[2]["readPoint"] == {"id": f"https://id.gs1.org/414/{world.house_gln}"}
    certs = trail[0]["certificationInfo"]
    assert (
        len(certs) == 2 and "/epcis/cert/ocop/" in certs[0] and certs[1].endswith(f"/cert/vietgap/VG-{world.area[-4:]}")
    )
    # the batch API shows each trail event's EPCIS eventID
    batch = (await tr.get(f"/api/v1/batches/{world.batch['id']}", headers=world.owner)).json()
    assert [e["epcis_event_id"] for e in batch["events"]] == [e["eventID"] for e in trail]

    activation = events_of(await all_pages(tr, f"/epcis/epcs/{world.epc(0)}/events", world.owner))
    assert len(activation) == 1 and activation[0]["bizStep"] == "commissioning" and activation[0]["action"] == "ADD"
    assert sorted(activation[0]["epcList"]) == sorted(world.epc(i) for i in range(len(world.urls)))
    assert activation[0]["eventID"] == reference_hash(activation[0], context)
    # the printed (upper-case) URL, its URN and the canonical form find the same event
    printed = await all_pages(tr, "/epcis/events", world.owner, {"MATCH_epc": world.urls[0]})
    assert [e["eventID"] for e in events_of(printed)] == [activation[0]["eventID"]]


async def test_the_ids_never_change(apps, world: World):
    """Computed once, when written: a certificate renewed later (or anything else) changes nothing stored."""
    first = await _ours(apps, world, world.owner)
    db = apps.runtime("traceability").db
    await db.products.update_one({"_id": world.product["id"]}, {"$set": {"certificate.decision_no": "9/QĐ"}})
    again = await _ours(apps, world, world.owner)
    assert [e["eventID"] for e in again] == [e["eventID"] for e in first]
    assert [e["certificationInfo"] for e in again] == [e["certificationInfo"] for e in first]


async def test_void_decommissions_active_stamps(apps):
    w = await make_world(apps, stamps=4, trail=[])
    tr = apps["traceability"]
    r = await tr.post(f"/api/v1/stamp-runs/{w.run['id']}/void", json={"from_seq": 1, "to_seq": 2}, headers=w.owner)
    assert r.status_code == 200, r.text
    events = events_of(
        await all_pages(tr, "/epcis/events", w.owner, {"EQ_bizStep": "decommissioning", "MATCH_epc": w.urls[0]})
    )
    assert len(events) == 1 and events[0]["action"] == "DELETE" and len(events[0]["epcList"]) == 2


async def test_query_parameters_and_reach(apps, world: World):
    tr = apps["traceability"]
    lot = {"MATCH_anyEPCClass": world.lot_class}

    async def ids(headers, **params) -> list[str]:
        return [e["eventID"] for e in events_of(await all_pages(tr, "/epcis/events", headers, lot | params))]

    all_ids = await ids(world.owner)
    assert len(all_ids) == 6
    assert len(await ids(world.owner, EQ_bizStep="shipping|receiving")) == 2
    assert len(await ids(world.owner, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping")) == 1
    assert len(await ids(world.owner, eventType="AggregationEvent")) == 0
    assert (
        len(await ids(world.owner, GE_eventTime="2026-11-03T00:00:00+07:00", LT_eventTime="2026-11-04T00:00:00+07:00"))
        == 2
    )
    assert (
        len(await ids(world.owner, EQ_bizLocation=f"urn:epc:id:sgln:{world.house_gln[:7]}.{world.house_gln[7:12]}.0"))
        == 1
    )
    assert len(await ids(world.owner, EQ_action="ADD")) == 1
    assert await ids(world.owner, orderBy="eventTime") == list(reversed(all_ids))  # DESC by default
    assert len(await ids(world.owner, orderBy="eventTime", orderDirection="ASC", eventCountLimit="2", perPage="1")) == 2
    too_many = await tr.get("/epcis/events", params=lot | {"maxEventCount": "3"}, headers=world.owner)
    problem_of(too_many, 413)
    # reach: another producer and an official of another province see nothing; officials of 19 see all
    assert await ids(auth("producer", producer_id="someone-else")) == []
    assert await ids(auth("official", provinces=("24",))) == []
    assert len(await ids(auth("official", provinces=("19",)))) == 6
    # the public sees the trail (it is on the scan page) but no stamp serial it does not hold
    public = events_of(await all_pages(tr, "/epcis/events", {}, lot))
    assert [e["eventID"] for e in public] == all_ids
    anyone = events_of(
        await all_pages(tr, "/epcis/events", {}, {"EQ_bizStep": "commissioning", "MATCH_epc": world.urls[1]})
    )
    assert len(anyone) == 1 and anyone[0]["epcList"] == [world.epc(1)]  # only the stamp asked for
    everything = events_of(await all_pages(tr, "/epcis/events", {}, {"perPage": "1000"}))
    listed = {epc for e in everything for epc in e.get("epcList", [])}
    assert not listed & {world.epc(i) for i in range(len(world.urls))}
    one = (await tr.get(f"/epcis/events/{all_ids[0]}", headers=world.owner)).json()
    assert_epcis_valid(one)
    encoded = await tr.get("/epcis/events/" + all_ids[0].replace("?", "%3F"), headers={})
    assert events_of([encoded.json()])[0]["eventID"] == all_ids[0]  # the public may read a trail event
    raw = await tr.get("/epcis/events/" + all_ids[0], headers=world.owner)  # "?ver=CBV2.0" as a query string
    assert events_of([raw.json()])[0]["eventID"] == all_ids[0]
    problem_of(await tr.get(f"/epcis/events/{all_ids[0]}", headers=auth("producer", producer_id="x")), 404)


@pytest.mark.parametrize(
    "params",
    [
        {"foo": "bar"},
        {"perPage": "0"},
        {"perPage": "-1"},
        {"GE_eventTime": "yesterday"},
        {"EQ_action": "MAYBE"},
        {"nextPageToken": "forged"},
        {"eventCountLimit": "1"},
        {"eventType": "Object Event"},
    ],
)
async def test_bad_query_parameters_are_problems(apps, params):
    problem_of(await apps["traceability"].get("/epcis/events", params=params, headers=OFFICIAL), 400)


async def test_a_page_token_belongs_to_its_query(apps, world: World):
    tr = apps["traceability"]
    r = await tr.get(
        "/epcis/events", params={"MATCH_anyEPCClass": world.lot_class, "perPage": "1"}, headers=world.owner
    )
    token = r.headers["link"].split("nextPageToken=")[1].split(">")[0]
    other = await tr.get("/epcis/events", params={"perPage": "1", "nextPageToken": token}, headers=world.owner)
    problem_of(other, 400)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    problem_of(
        await tr.get(
            "/epcis/events",
            params={"MATCH_anyEPCClass": world.lot_class, "nextPageToken": tampered},
            headers=world.owner,
        ),
        400,
    )
    problem_of(await tr.get("/epcis/events", params={"WD_bizLocation": "urn:x:y"}, headers=world.owner), 501)


async def test_discovery_resources_match_the_bindings(apps, world: World):
    tr = apps["traceability"]
    checks = {
        "/epcis": "TopLevelResourceCollection",
        "/epcis/eventTypes": "EventTypeCollection",
        "/epcis/bizSteps": "BizStepCollection",
        "/epcis/dispositions": "DispositionCollection",
        "/epcis/bizLocations": "UriCollection",
        "/epcis/readPoints": "UriCollection",
        "/epcis/epcs": "UriCollection",
        "/epcis/eventTypes/ObjectEvent": "ResourceCollection",
    }
    for path, schema in checks.items():
        r = await tr.get(path, headers=world.owner)
        assert r.status_code == 200 and r.headers["gs1-cbv-version"] == "2.0.0", (path, r.text)
        assert not component_errors(schema, r.json()), (path, component_errors(schema, r.json()))
    locations = (await tr.get("/epcis/bizLocations", headers=world.owner)).json()["member"]
    assert f"https://id.gs1.org/414/{world.house_gln}" in locations
    epcs = (await tr.get("/epcis/epcs", params={"perPage": "1000"}, headers=world.owner)).json()["member"]
    assert world.epc(0) in epcs
    public = (await tr.get("/epcis/epcs", params={"perPage": "1000"})).json()["member"]
    assert world.epc(0) not in public
    options = await tr.options("/epcis/capture")
    assert options.status_code == 204
    assert (
        options.headers["gs1-epcis-capture-limit"] == "500"
        and int(options.headers["gs1-epcis-capture-file-size-limit"]) > 0
    )
    assert options.headers["gs1-capture-error-behaviour"] == "all"
    problem_of(await tr.get("/epcis/nothing-here"), 404)
    problem_of(await tr.put("/epcis/events"), 405)
    problem_of(await tr.get("/epcis/events", headers={"GS1-EPCIS-Min": "3.0"}), 406)
    problem_of(await tr.get("/epcis/events", headers={"Authorization": "Bearer nope"}), 401)
    problem_of(await tr.post("/epcis/capture", json={}), 401)
    # our minted URIs resolve to what they name
    place = (await tr.get(f"/epcis/loc/growing-area/{world.area}")).json()
    assert place["code"] == world.area and place["name"] == "Đồi chè Khuổi Ha"
    ns = (await tr.get("/epcis/ns/")).json()
    assert "ocop:bizstep/processing" in ns["terms"]


# -- capture ---------------------------------------------------------------------------------------------
def _lower_host(url: str) -> str:
    scheme, rest = url.split("://", 1)
    host, path = rest.split("/", 1)
    return f"{scheme.lower()}://{host.lower()}/{path}"


def _time(day: int, hour: int = 8) -> dict:
    return {"eventTime": f"2026-11-{day:02d}T{hour:02d}:00:00.000+07:00", "eventTimeZoneOffset": "+07:00"}


async def test_capture_round_trips_and_the_scan_page(apps, world: World):
    """A distributor packs the producer's stamps onto a pallet (Aggregation), ships the lot (Object, by
    class) and a processor turns the lot into another product (Transformation): each is captured, found by
    its parameters and joins the batch's trail; the stamp's scan page shows it (no sender's free text)."""
    tr = apps["traceability"]
    pallet = f"https://id.gs1.org/00/1893601230{uuid.uuid4().int % 10**7:07d}"
    aggregation = {
        "type": "AggregationEvent",
        **_time(6),
        "parentID": pallet,
        "childEPCs": [world.urls[0], _lower_host(world.urls[1])],  # as printed, and as later releases print
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "in_progress",
        "readPoint": {"id": f"urn:epc:id:sgln:{world.house_gln[:7]}.{world.house_gln[7:12]}.0"},
        "ex:driver": "Nguyễn Văn Tài, 0912 345 678",
    }
    shipping = {
        "type": "ObjectEvent",
        **_time(7),
        "action": "OBSERVE",
        "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
        "disposition": "in_transit",
        "quantityList": [
            {
                "epcClass": f"urn:epc:class:lgtin:{world.gtin[:6]}.0{world.gtin[6:12]}.{world.batch['lot']}",
                "quantity": 40,
                "uom": "KGM",
            }
        ],
        "bizLocation": {"id": "https://id.gs1.org/414/8936012300000"},
    }
    transformation = {
        "type": "TransformationEvent",
        **_time(8),
        "inputQuantityList": [{"epcClass": world.lot_class, "quantity": 20, "uom": "KGM"}],
        "outputEPCList": ["https://id.gs1.org/01/08936012345681/21/TRA-001"],
        "bizStep": "commissioning",
    }
    context = [EPCIS_CONTEXT, {"ex": "https://partner.example/epcis/"}]
    job = await capture(apps, document(aggregation, shipping, transformation, context=context), world.owner)
    assert job["success"] and job["errors"] == [] and job["storedCount"] == 3, job

    lot = {"MATCH_anyEPCClass": world.lot_class}
    found = events_of(
        await all_pages(
            tr,
            "/epcis/events",
            world.owner,
            lot | {"eventType": "ObjectEvent|TransformationEvent", "GE_eventTime": "2026-11-07T00:00:00+07:00"},
        )
    )
    assert {e["type"] for e in found} == {"ObjectEvent", "TransformationEvent"}
    agg = events_of(await all_pages(tr, "/epcis/events", world.owner, {"MATCH_parentID": pallet}))
    assert len(agg) == 1 and agg[0]["ex:driver"].startswith("Nguyễn")  # the owner sees the whole event
    assert agg[0]["eventID"] == reference_hash(aggregation, context)  # no eventID sent: the GS1 hash
    by_child = events_of(
        await all_pages(tr, "/epcis/events", world.owner, {"MATCH_epc": world.epc(1), "eventType": "AggregationEvent"})
    )
    assert [e["eventID"] for e in by_child] == [agg[0]["eventID"]]
    out = events_of(
        await all_pages(
            tr, "/epcis/events", OFFICIAL, {"MATCH_outputEPC": "https://id.gs1.org/01/08936012345681/21/TRA-001"}
        )
    )
    assert len(out) == 1
    # the public: the aggregation without the driver, and without stamps it was not asked about
    seen = events_of(
        await all_pages(tr, "/epcis/events", {}, {"MATCH_epc": world.urls[0], "eventType": "AggregationEvent"})
    )
    assert len(seen) == 1 and seen[0]["childEPCs"] == [world.urls[0]] and "ex:driver" not in seen[0]  # as sent

    # the trail and the scan page
    batch = (await tr.get(f"/api/v1/batches/{world.batch['id']}", headers=world.owner)).json()
    captured = [e for e in batch["events"] if e["captured"]]
    assert [e["type"] for e in captured] == ["packing", "shipping", "other"]
    assert captured[0]["place"] == "Xưởng Tân Cương"  # the SGLN is the producer's packing house
    path = world.urls[0].split("://", 1)[1].split("/", 1)[1]
    scan = (await tr.get(f"/{path}", headers={"Accept": "application/json"})).json()
    assert scan["verdict"] == "genuine"
    shown = [e for e in scan["events"] if "EPCIS" in e["note"]]
    assert [e["type"] for e in shown] == ["packing", "shipping", "other"]
    assert all("0912" not in json.dumps(e) and "Tài" not in json.dumps(e) for e in scan["events"])
    html = (await tr.get(f"/{path}")).text
    assert "đối tác ghi nhận qua EPCIS" in html and "Sự kiện khác" in html

    again = await capture(apps, document(aggregation, shipping, transformation, context=context), world.owner)
    assert again["success"] and again["storedCount"] == 0  # the same events again: nothing new
    batch = (await tr.get(f"/api/v1/batches/{world.batch['id']}", headers=world.owner)).json()
    assert len([e for e in batch["events"] if e["captured"]]) == 3


async def test_a_producer_captures_only_for_its_own_identifiers(apps, world: World):
    other = auth("producer", producer_id=f"other-{uuid.uuid4().hex[:6]}")
    theirs = {"type": "ObjectEvent", **_time(9), "action": "OBSERVE", "bizStep": "receiving", "epcList": [world.epc(3)]}
    job = await capture(apps, document(theirs), other)
    assert not job["success"] and job["storedCount"] == 0
    assert job["errors"][0]["type"] == "epcisException:SecurityException"
    foreign = {
        "type": "ObjectEvent",
        **_time(9),
        "action": "OBSERVE",
        "epcList": ["https://id.gs1.org/01/09521234543213/21/1"],
    }
    assert not (await capture(apps, document(foreign), world.owner))["success"]  # names nothing of its own
    outside = await capture(apps, document(theirs), auth("official", provinces=("24",)))
    assert not outside["success"]
    # proceed: what may be stored is, the rest reported
    mine = {"type": "ObjectEvent", **_time(10), "action": "OBSERVE", "bizStep": "storing", "epcList": [world.epc(4)]}
    job = await capture(apps, document(foreign, mine), world.owner, behaviour="proceed")
    assert not job["success"] and job["storedCount"] == 1 and len(job["errors"]) == 1
    assert job["errors"][0]["detail"].startswith("event 0")
    stored = events_of(
        await all_pages(
            apps["traceability"], "/epcis/events", world.owner, {"EQ_bizStep": "storing", "MATCH_epc": world.epc(4)}
        )
    )
    assert len(stored) == 1
    rolled = await capture(apps, document(dict(mine, eventTime="2026-11-11T08:00:00.000+07:00"), foreign), world.owner)
    assert not rolled["success"] and rolled["storedCount"] == 0


async def test_the_same_event_id_for_another_event_is_refused_unless_it_declares_an_error(apps, world: World):
    event_id = f"urn:uuid:{uuid.uuid4()}"
    first = {"type": "ObjectEvent", "eventID": event_id, **_time(12), "action": "OBSERVE", "epcList": [world.epc(5)]}
    assert (await capture(apps, document(first), world.owner))["success"]
    changed = dict(first, bizStep="receiving")
    job = await capture(apps, document(changed), world.owner)
    assert not job["success"] and job["errors"][0]["type"] == "epcisException:ResourceAlreadyExistsException"
    retraction = dict(
        first, errorDeclaration={"declarationTime": "2026-11-13T00:00:00.000+07:00", "reason": "incorrect_data"}
    )
    assert (await capture(apps, document(retraction), world.owner))["success"]
    stored = events_of(await all_pages(apps["traceability"], "/epcis/events", world.owner, {"EQ_eventID": event_id}))
    assert len(stored) == 1 and stored[0]["errorDeclaration"]["reason"] == "incorrect_data"
    declared = events_of(
        await all_pages(
            apps["traceability"],
            "/epcis/events",
            world.owner,
            {"EXISTS_errorDeclaration": "", "MATCH_epc": world.epc(5)},
        )
    )
    assert [e["eventID"] for e in declared] == [event_id]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.jsonld")), ids=lambda p: p.stem)
async def test_gs1_example_documents_are_accepted(apps, path):
    doc = json.loads(path.read_text())
    assert_epcis_valid(doc)
    job = await capture(apps, doc, OPERATOR)
    # GS1's examples reuse eventIDs across files for different events: only that may be refused
    refusals = {e["type"] for e in job["errors"]}
    assert refusals <= {"epcisException:ResourceAlreadyExistsException"}, job
    if not refusals:
        assert job["success"]
    for event in doc["epcisBody"].get("eventList") or doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]:
        r = await apps["traceability"].get("/epcis/events", params={"EQ_eventID": event["eventID"]}, headers=OPERATOR)
        assert len(events_of([r.json()])) == 1, event["eventID"]


async def test_capture_round_trip_of_gs1s_digital_link_examples(apps):
    tr = apps["traceability"]
    names = [
        "Example_9.6.1-ObjectEventWithDigitalLink.jsonld",
        "Example_9.6.3-AggregationEventWithDigitalLink.jsonld",
        "Example_9.6.4-TransformationEventWithDigitalLink.jsonld",
    ]
    for name in names:
        doc = json.loads((EXAMPLES / name).read_text())
        await capture(apps, doc, OPERATOR)
        for event in doc["epcisBody"]["eventList"]:
            identifier = next(
                v[0] if isinstance(v, list) else v
                for k, v in event.items()
                if k in ("epcList", "parentID", "inputEPCList", "outputEPCList") and v
            )
            found = events_of(await all_pages(tr, "/epcis/events", OPERATOR, {"MATCH_anyEPC": identifier}))
            assert event["eventID"] in {e["eventID"] for e in found}, (name, identifier)


# -- hostile documents -----------------------------------------------------------------------------------
def _raw(body: bytes | str) -> bytes:
    return body if isinstance(body, bytes) else body.encode()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"type": "EPCISDocument"', 400),
        (b"[" * 10_000 + b"]" * 10_000, 400),
        (b'{"@context": ["' + EPCIS_CONTEXT.encode() + b'"], "type": "EPCISDocument", "x": NaN}', 400),
        (json.dumps(document(context=["https://evil.example/context.jsonld"])), 400),
        (json.dumps(document(context=[EPCIS_CONTEXT, {"bizStep": "https://evil.example/"}])), 400),
        (json.dumps(document({"type": "ObjectEvent", "eventTime": 5, "action": "OBSERVE"})), 400),
        (json.dumps(document({"type": "ObjectEvent", **_time(1), "action": "OBSERVE", "epcList": "x"})), 400),
        (json.dumps(document({"type": "ObjectEvent", **_time(1), "action": "OBSERVE", "bizstep": "shipping"})), 400),
        (
            json.dumps(
                document(
                    {"type": "ObjectEvent", "eventTime": "yesterday", "eventTimeZoneOffset": "+07:00", "action": "ADD"}
                )
            ),
            400,
        ),
        (json.dumps({**document(), "epcisBody": {"eventList": {"a": 1}}}), 400),
        (json.dumps(document(*[{"type": "ObjectEvent", **_time(1), "action": "OBSERVE"}] * 501)), 413),
        (json.dumps([1, 2, 3]), 400),
        (
            json.dumps(
                document(
                    {
                        "type": "ObjectEvent",
                        **_time(1),
                        "action": "OBSERVE",
                        "quantityList": [{"epcClass": "x:y", "quantity": 10**30}],
                    }
                )
            ),
            400,
        ),
    ],
)
async def test_hostile_documents_are_4xx(apps, body, status):
    tr = apps["traceability"]
    r = await tr.post("/epcis/capture", content=_raw(body), headers=OPERATOR | {"Content-Type": "application/json"})
    problem_of(r, status)
    if status == 413:
        assert r.headers["gs1-epcis-capture-limit"] == "500"


async def test_oversize_wrong_type_and_bad_headers(apps, world: World):
    tr = apps["traceability"]
    big = b'{"pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    r = await tr.post("/epcis/capture", content=big, headers=OPERATOR | {"Content-Type": "application/json"})
    problem_of(r, 413)
    assert "gs1-epcis-capture-file-size-limit" in r.headers

    async def chunks():  # no Content-Length: refused while streaming
        for _ in range(100):
            yield b"x" * 100_000

    problem_of(
        await tr.post("/epcis/capture", content=chunks(), headers=OPERATOR | {"Content-Type": "application/json"}), 413
    )
    problem_of(
        await tr.post("/epcis/capture", content=b"<xml/>", headers=OPERATOR | {"Content-Type": "application/xml"}), 415
    )
    for behaviour in ("all", "sometimes"):
        r = await tr.post(
            "/epcis/capture", json=document(), headers=OPERATOR | {"GS1-Capture-Error-Behaviour": behaviour}
        )
        problem_of(r, 400)
    # alive afterwards: the API answers, the scan page too, and a good capture goes through
    assert (await tr.get("/epcis")).status_code == 200
    path = world.urls[2].split("://", 1)[1].split("/", 1)[1]
    assert (await tr.get(f"/{path}", headers={"Accept": "application/json"})).json()["verdict"] == "genuine"
    ok = {"type": "ObjectEvent", **_time(14), "action": "OBSERVE", "epcList": [world.epc(6)]}
    assert (await capture(apps, document(ok), world.owner))["success"]
    assert (await tr.get(f"/S/{fake_serial()}", headers={"Accept": "application/json"})).status_code == 404
    # and the consumer of registry events goes on: a new producer reaches traceability's copy
    producer = await make_producer(apps, name=f"HTX sau tấn công {uuid.uuid4().hex[:4]}")
    copies = apps.runtime("traceability").db.producers
    await eventually(lambda: copies.find_one({"_id": producer["id"]}))
