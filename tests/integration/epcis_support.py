"""Helpers of the EPCIS integration tests: a producer with a certified product (a GTIN of its own), a
growing area, a packing house with a GLN, a batch with its trail and an activated stamp run; capture and
wait for the job; read every page of a query."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conftest import auth, eventually
from ocop_traceability.domain.codes import luhn32_check
from tests.standards.epcis_checks import assert_epcis_valid, assert_problem, component_errors
from tests.support.traceability import add_area, add_batch, order_stamps, tea_producer, until_ready

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
TRAIL = [
    ("harvesting", "2026-11-01T07:00:00+07:00", "Đồi chè Khuổi Ha", "Hái tay"),
    ("processing", "2026-11-01T15:00:00+07:00", "Xưởng sao chè", "Sao suốt"),
    ("packing", "2026-11-02T08:00:00+07:00", "Xưởng Tân Cương", ""),
    ("shipping", "2026-11-03T06:00:00+07:00", "Xưởng Tân Cương", "Xe tải 29C"),
    ("receiving", "2026-11-03T16:00:00+07:00", "Cửa hàng OCOP Hà Nội", ""),
    ("inspection", "2026-11-04T09:00:00+07:00", "Chi cục QLCL", "Đạt"),
]


def new_gtin() -> str:
    """A GTIN-13 of the 893 (Vietnam) range with a valid check digit, unique to one test producer."""
    body = "893" + "".join(random.choice("0123456789") for _ in range(9))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def new_gln() -> str:
    return new_gtin()  # a GLN has the same form (13 digits, mod-10 check digit)


def fake_serial() -> str:
    body = "".join(random.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(16))
    return body + luhn32_check(body)


@dataclass
class World:
    producer: dict
    product: dict
    gtin: str
    area: str
    house: str
    house_gln: str
    batch: dict
    run: dict
    urls: list[str]  # the stamps' printed URLs

    @property
    def owner(self) -> dict[str, str]:
        return auth("producer", producer_id=self.producer["id"])

    @property
    def lot_class(self) -> str:
        return f"https://id.gs1.org/01/{self.gtin.zfill(14)}/10/{self.batch['lot']}"

    def serial(self, i: int) -> str:
        return self.urls[i].rsplit("/", 1)[1]

    def epc(self, i: int) -> str:
        return f"https://id.gs1.org/01/{self.gtin.zfill(14)}/21/{self.serial(i)}"


async def make_world(apps, *, stamps: int = 12, trail=TRAIL, activate: bool = True) -> World:
    tr = apps["traceability"]
    gtin = new_gtin()
    producer, product, _cert = await tea_producer(apps, gtin=gtin)
    owner = auth("producer", producer_id=producer["id"])
    tag = uuid.uuid4().hex[:4].upper()
    area, house, gln = f"VN-19-063-{tag}", f"VN-19-PH-{tag}", new_gln()
    certifications = [{"scheme": "VietGAP", "number": f"VG-{tag}", "valid_from": "2025-01-01"}]
    await add_area(tr, owner, producer["id"], area, name="Đồi chè Khuổi Ha", certifications=certifications)
    r = await tr.post(
        "/api/v1/packing-houses",
        headers=owner,
        json={"code": house, "name": "Xưởng Tân Cương", "producer_id": producer["id"], "province": "19", "gln": gln},
    )
    assert r.status_code == 201, r.text
    batch = await add_batch(
        tr, owner, product["id"], area, packing_house_code=house, harvest_date="2026-11-01", quantity=120
    )
    for kind, when, place, note in trail:
        r = await tr.post(
            f"/api/v1/batches/{batch['id']}/events",
            headers=owner,
            json={"type": kind, "time": when, "place": place, "note": note},
        )
        assert r.status_code == 201, r.text
    run = await order_stamps(tr, owner, batch["id"], stamps)
    await until_ready(tr, owner, run["id"])
    if activate:
        r = await tr.post(f"/api/v1/stamp-runs/{run['id']}/activate", json={}, headers=owner)
        assert r.status_code == 200, r.text
    urls = (await tr.get(f"/api/v1/stamp-runs/{run['id']}/codes.csv", headers=owner)).text.split()
    return World(
        producer, product, gtin, area, house, gln, batch, run, [u for u in urls if u.upper().startswith("HTTP")]
    )


def document(*events: dict, context: list | None = None) -> dict:
    return {
        "@context": context or CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-05T00:00:00.000Z",
        "epcisBody": {"eventList": list(events)},
    }


async def capture(apps, doc: Any, headers: dict[str, str], *, behaviour: str | None = None) -> dict:
    """POST /epcis/capture, then the finished job."""
    tr = apps["traceability"]
    extra = {"GS1-Capture-Error-Behaviour": behaviour} if behaviour else {}
    r = await tr.post("/epcis/capture", json=doc, headers=headers | extra)
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    assert location.startswith("/epcis/capture/")
    await apps.runtime("traceability").epcis.capture.wait(location.rsplit("/", 1)[1])

    async def finished():
        job = (await tr.get(location, headers=headers)).json()
        return job if not job["running"] else None

    job = await eventually(finished, timeout=30)
    assert not component_errors("CaptureJob", job), component_errors("CaptureJob", job)
    return job


async def all_pages(client, url: str, headers: dict[str, str], params: dict | None = None) -> list[dict]:
    """Every document of a paginated query, following ``Link: <…>; rel="next"``; each one checked."""
    docs = []
    r = await client.get(url, params=params, headers=headers)
    while True:
        assert r.status_code == 200, r.text
        assert r.headers["gs1-epcis-version"] == "2.0.0"
        doc = r.json()
        assert_epcis_valid(doc)
        docs.append(doc)
        link = r.headers.get("link")
        if not link:
            return docs
        assert link.endswith('>; rel="next"')
        parts = urlsplit(link[1 : link.index(">")])
        r = await client.get(f"{parts.path}?{parts.query}", headers=headers)


def events_of(docs: list[dict]) -> list[dict]:
    return [e for d in docs for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert_problem(body, status)
    return body
