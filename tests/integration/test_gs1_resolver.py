"""The GS1-Conformant resolver on the stamp URLs, over the wire: stamps of a new run accepted by GS1's tools,
linksets (RFC 9264, GS1's shape), link-type redirects, syntax errors, unknown serials, compressed URIs, the
well-known document, CORS; the scan page and verify JSON in Vietnamese and English."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from conftest import ARTIFACTS, eventually
from tests.support.registry import OFFICIAL
from tests.support.traceability import make_run, path_of

sys.path.append(str(Path(__file__).resolve().parents[1] / "oracles"))
import gs1_oracles

from ocop_traceability.domain.digital_link import gs1_check_digit

pytestmark = pytest.mark.integration

V = "https://gs1.org/voc/"
LINKSET = {"Accept": "application/linkset+json"}
# The GS1 linkset rules (GS1-Conformant Resolver standard; gs1/linkset schema), written here from the text:
# no other top-level key, each context object with anchor and itemDescription, relation keys as full URIs,
# each link with href and title, hreflang an array of language tags.
LINK = {
    "type": "object",
    "required": ["href", "title"],
    "additionalProperties": False,
    "properties": {
        "href": {"type": "string", "pattern": "^https?://"},
        "title": {"type": "string", "minLength": 1},
        "type": {"type": "string", "pattern": "^[a-z]+/[a-z0-9.+-]+$"},
        "hreflang": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"}},
    },
}
SCHEMA = {
    "type": "object",
    "required": ["linkset"],
    "additionalProperties": False,
    "properties": {
        "linkset": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["anchor", "itemDescription", V + "defaultLink"],
                "properties": {
                    "anchor": {"type": "string", "pattern": "^https?://"},
                    "itemDescription": {"type": "string", "minLength": 1},
                    V + "defaultLink": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1,
                        "items": {  # a default link has a title and nothing else
                            "type": "object",
                            "required": ["href", "title"],
                            "properties": {"href": {"type": "string"}, "title": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    },
                },
                "patternProperties": {"^https?://[a-zA-Z0-9./]+$": {"type": "array", "items": LINK}},
                "additionalProperties": False,
            },
        }
    },
}


def new_gtin() -> str:
    body = "893" + "".join(random.choice("0123456789") for _ in range(9))
    return body + gs1_check_digit(body)


async def _stamped(apps, count: int = 6, **kwargs):
    gtin = new_gtin()
    producer, product, cert, run, urls = await make_run(apps, count, gtin=gtin, **kwargs)
    return gtin.zfill(14), producer, product, cert, run, urls


async def test_stamps_of_a_new_run_are_gs1_digital_links_and_resolve(apps):
    tr = apps["traceability"]
    gtin, _producer, product, _cert, _run, urls = await _stamped(apps, count=20)
    assert all(u.startswith(f"http://127.0.0.1:8002/01/{gtin}/10/261102-1/21/") for u in urls)
    for url in urls:
        assert "error" not in gs1_oracles.biip(url) and gs1_oracles.biip(url)["01"] == gtin
    results = gs1_oracles.digital_link(urls)
    assert all(r.get("valid") and r["identifier"] == {"01": gtin} for r in results), results
    assert len(urls) == 20
    # the old upper-case form of the same stamp (printed before) reaches the same route: the path is the same
    old = "HTTPS://127.0.0.1:8002" + path_of(urls[0])
    r = await tr.get(path_of(old), headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["verdict"] == "genuine" and r.json()["product"]["id"] == product["id"]
    assert 'rel="linkset"' in r.headers["link"]


async def test_linkset_of_a_stamp(apps):
    tr, portal = apps["traceability"], "http://127.0.0.1:8001"
    gtin, _producer, product, cert, _run, urls = await _stamped(apps)
    path = path_of(urls[0])
    serial = path.rsplit("/", 1)[1]
    r = await tr.get(path, headers=LINKSET)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/linkset+json"
    assert "json-ld#context" in r.headers["link"] and 'rel="linkset"' in r.headers["link"]
    assert r.headers["access-control-allow-origin"] == "*" and "Accept-Language" in r.headers["vary"]
    body = r.json()
    jsonschema.validate(body, SCHEMA)
    stamp, lot, item = body["linkset"]
    root = "http://127.0.0.1:8002"
    assert stamp["anchor"] == root + path and lot["anchor"] == f"{root}/01/{gtin}/10/261102-1"
    assert item["anchor"] == f"{root}/01/{gtin}" and item["itemDescription"] == product["name"]
    types = {k for level in body["linkset"] for k in level if k.startswith(V)}
    assert types == {
        V + t for t in ("defaultLink", "verificationService", "traceability", "epcis", "pip", "certificationInfo")
    }
    assert item[V + "pip"] == [
        {
            "href": f"{portal}/san-pham/{product['id']}",
            "title": f"Thông tin sản phẩm: {product['name']}",
            "type": "text/html",
            "hreflang": ["vi", "en"],
        }
    ]
    certification = item[V + "certificationInfo"][0]["title"]
    assert "4 sao" in certification and cert["decision_no"] in certification and "Còn hiệu lực" in certification
    assert stamp[V + "verificationService"][0]["href"] == f"{root}/api/v1/public/stamps/{serial}"
    assert "MATCH_anyEPCClass=" in lot[V + "epcis"][0]["href"]
    assert (await tr.get(path + "?linkType=all")).json() == body
    assert (await tr.get(path + "/", params={"linkType": "linkset"})).json() == body  # a trailing slash: the same
    english = (await tr.get(path, headers=LINKSET | {"Accept-Language": "en"})).json()
    assert english["linkset"][2][V + "certificationInfo"][0]["title"].startswith("OCOP certificate, 4 stars")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "gs1-linkset.json").write_text(json.dumps(body, ensure_ascii=False, indent=2))


async def test_link_type_redirects(apps):
    tr = apps["traceability"]
    gtin, _producer, product, _cert, _run, urls = await _stamped(apps)
    path = path_of(urls[0])
    serial = path.rsplit("/", 1)[1]
    for name in ("gs1:pip", "https://gs1.org/voc/pip", "https://ref.gs1.org/voc/pip"):
        r = await tr.get(path, params={"linkType": name})
        assert r.status_code == 307 and r.headers["location"] == f"http://127.0.0.1:8001/san-pham/{product['id']}"
        assert 'rel="linkset"' in r.headers["link"]
    passed = await tr.get(path, params={"linkType": "gs1:certificationInfo", "utm_source": "qr"})
    assert passed.headers["location"] == f"http://127.0.0.1:8001/san-pham/{product['id']}?utm_source=qr#chung-nhan"
    verify = await tr.get(path, params={"linkType": "gs1:verificationService"})
    assert verify.status_code == 307
    followed = await tr.get(urlsplit(verify.headers["location"]).path)
    assert followed.status_code == 200 and followed.json()["verdict"] == "genuine"
    assert followed.json()["stamp"]["code"].replace("-", "") == serial
    trail = await tr.get(path, params={"linkType": "gs1:traceability"})
    page = await tr.get(urlsplit(trail.headers["location"]).path)
    assert page.status_code == 200 and "Thông tin lô hàng" in page.text and "261102-1" in page.text
    assert "Sản phẩm chính hãng" not in page.text  # a batch page vouches for no unit
    lot_json = (await tr.get(urlsplit(trail.headers["location"]).path, headers={"Accept": "application/json"})).json()
    assert lot_json["batch"]["lot"] == "261102-1" and "verdict" not in lot_json and lot_json["events"]
    for missing in ("gs1:nosuchlt", "gs1:recallStatus"):  # no such link (no recall: the certificate is in force)
        r = await tr.get(path, params={"linkType": missing})
        assert r.status_code == 404 and r.json()["error"]["code"] == "no_link"
    # a lot and a GTIN without linkType redirect to their default link
    lot = await tr.get(f"/01/{gtin}/10/261102-1")
    assert lot.status_code == 307 and lot.headers["location"].endswith(f"/lo-hang/{gtin}/261102-1")
    item = await tr.get(f"/01/{gtin[1:]}")  # the GTIN-13 form
    assert item.status_code == 307 and item.headers["location"].endswith(f"/san-pham/{product['id']}")


async def test_syntax_errors_unknown_items_and_unknown_serials(apps):
    tr = apps["traceability"]
    gtin, *_rest, urls = await _stamped(apps, count=2)
    path = path_of(urls[0])
    made_up = path[: path.rindex("/") + 1] + "0000000000000000A"
    for bad in (
        path + "/foo",
        path.replace(gtin, gtin[:-1] + str((int(gtin[-1]) + 1) % 10)),
        f"/01/{gtin}/99/X",
        f"/01/{gtin}/21/S1/10/L1",
        f"/01/{gtin}/10/" + "A" * 21,
    ):
        r = await tr.get(bad, headers=LINKSET)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_digital_link", (bad, r.text)
        assert r.json()["error"]["details"][0]["reason"]
        page = await tr.get(bad)  # for a person: the unknown page, as for any bad code
        assert page.status_code == 404 and "Không tìm thấy mã tem" in page.text, bad
    assert (await tr.get(path, params={"linkType": "<x>"})).status_code == 400
    # an unknown serial: the page and the verify JSON say unknown; the linkset walks up to the lot and product
    assert (await tr.get(made_up, headers={"Accept": "application/json"})).json()["verdict"] == "unknown"
    walked = await tr.get(made_up, headers=LINKSET)
    assert walked.status_code == 200
    assert [level["anchor"].split("8002")[1] for level in walked.json()["linkset"]] == [
        f"/01/{gtin}/10/261102-1",
        f"/01/{gtin}",
    ]
    assert (await tr.get(made_up, params={"linkType": "gs1:verificationService"})).status_code == 404
    unknown_gtin = new_gtin().zfill(14)
    assert (await tr.get(f"/01/{unknown_gtin}", headers=LINKSET)).status_code == 404
    assert (await tr.get(f"/01/{unknown_gtin}")).status_code == 404


async def test_compressed_uris_cors_and_the_well_known_document(apps):
    tr = apps["traceability"]
    _gtin, *_rest, urls = await _stamped(apps, count=2)
    compressed = gs1_oracles.compress(urls[0])
    segment = "/" + compressed.rsplit("/", 1)[1]
    r = await tr.get(segment, headers=LINKSET)
    assert r.status_code == 200 and f'<http://127.0.0.1:8002{path_of(urls[0])}>; rel="owl:sameAs"' in r.headers["link"]
    assert r.json()["linkset"][0]["anchor"] == "http://127.0.0.1:8002" + path_of(urls[0])  # uncompressed
    scanned = await tr.get(segment, headers={"Accept": "application/json"})
    assert scanned.status_code == 200 and scanned.json()["verdict"] == "genuine"
    assert (await tr.get("/" + "B" * 20)).status_code == 404  # base64url, but no GS1 element strings
    assert (await tr.get("/healthz")).status_code in (200, 503)  # real routes still win
    options = await tr.options(path_of(urls[0]))
    assert options.status_code == 204 and "GET" in options.headers["access-control-allow-methods"]
    doc = (await tr.get("/.well-known/gs1resolver")).json()
    assert doc["resolverRoot"] == "http://127.0.0.1:8002" and doc["supportedPrimaryKeys"] == ["01"]
    assert doc["supportedLinkType"] == [{"namespace": V, "prefix": "gs1:"}] and doc["name"]


async def test_scan_page_and_verify_json_in_english(apps):
    tr = apps["traceability"]
    _gtin, *_rest, urls = await _stamped(apps, count=2)
    path = path_of(urls[0])
    en = {"Accept-Language": "en-GB,en;q=0.9"}
    view = (await tr.get(path, headers={"Accept": "application/json", **en})).json()
    assert view["verdict"] == "genuine" and view["lang"] == "en"
    assert view["message"]["title"] == "Genuine product" and view["certificate"]["status_name"] == "In force"
    assert view["events"][0]["type_name"] == "Harvest" and view["product"]["group_name"]
    vi = (await tr.get(path, headers={"Accept": "application/json"})).json()
    assert vi["lang"] == "vi" and vi["message"]["title"] == "Sản phẩm chính hãng"
    assert vi["events"][0]["type_name"] == "Thu hoạch"
    page = await tr.get(path, headers=en)
    assert page.headers["content-language"] == "en" and '<html lang="en">' in page.text
    assert "Genuine product" in page.text and "4 stars" in page.text and "Harvest" in page.text
    assert "Sản phẩm chính hãng" not in page.text and "Tiếng Việt" in page.text  # the switch back
    switched = await tr.get(path, params={"lang": "en"})
    assert "Genuine product" in switched.text
    unknown = await tr.get("/S/0000000000000000A", headers={"Accept": "application/json", **en})
    assert unknown.status_code == 404 and unknown.json()["message"]["title"] == "Stamp code not found"
    api = await tr.get("/api/v1/public/stamps/0000000000000000A", headers=en)  # an API route: the error shape too
    assert api.status_code == 404 and api.json()["verdict"] == "unknown"
    assert api.json()["error"] == {"code": "unknown_stamp", "message": "Stamp code not found"}


async def test_revoked_certificate_gives_a_recall_status(apps):
    tr, reg = apps["traceability"], apps["registry"]
    _gtin, _producer, _product, cert, _run, urls = await _stamped(apps, count=2)
    path = path_of(urls[0])
    r = await reg.post(
        f"/api/v1/certificates/{cert['id']}/revoke", headers=OFFICIAL, json={"reason": "Vi phạm", "decision_no": "9/QĐ"}
    )
    assert r.status_code == 200

    async def recalled():
        links = (await tr.get(path, headers=LINKSET)).json()["linkset"][-1]
        return V + "recallStatus" in links

    await eventually(recalled, timeout=10)
    redirect = await tr.get(path, params={"linkType": "gs1:recallStatus"})
    assert redirect.status_code == 307 and redirect.headers["location"].endswith("#chung-nhan")
