"""The public OCOP portal on the registry, over the real broker and database with the marketplace stand-ins:
catalogue filters and diacritic-insensitive search, the product page with its certificate, producer, growing
area and where-to-buy links (the platforms' URLs carried by ``listing.published``), English, the sitemap, a
revocation leaving the catalogue within 1 s, hostile query strings, and no personal data on any page."""

from __future__ import annotations

import json
import re
import time
import uuid

import httpx
import pytest

from conftest import auth, eventually
from ocop_registry.domain.portal import fold
from tests.support.registry import OFFICIAL, evaluate, issue, make_producer, make_product
from tests.support.traceability import add_area, copied, make_run, polygon, scan

pytestmark = pytest.mark.integration

TAX_CODE_RE = re.compile(r"\b\d{10}(?:\d{3}|-\d{3})?\b")


@pytest.fixture(scope="module")
async def certified(apps):
    """A household's tea (4★) and a cooperative's bamboo basket (3★), each with its private data filled in;
    the tea has a growing area and is listed on both stand-ins."""
    tag = uuid.uuid4().hex[:5]
    household = await make_producer(
        apps,
        name=f"Hà Thị Thoa {tag}",
        public_name=f"HKD Hà Thị Thoa {tag}",
        kind="household",
        commune="Xã Chợ Đồn",
        address=f"Thôn Bản Tàn {tag}",
        contact={"phone": "0987 654 321", "email": f"thoa{tag}@example.vn", "representative": "Hà Thị Thoa"},
    )
    tea = await make_product(
        apps,
        household["id"],
        name=f"Chè Shan tuyết Bản Tàn {tag}",
        description="Chè búp cổ thụ trên núi cao",
        gtin=None,
    )
    tea_cert = (await issue(apps, (await evaluate(apps, tea["id"], 33, 19, 25))["id"])).json()
    coop = await make_producer(apps, name=f"HTX Mây tre {tag}", address=f"Thôn Nà Lạ {tag}")
    basket = await make_product(
        apps,
        coop["id"],
        name=f"Giỏ mây tre đan {tag}",
        group="handicraft",
        sub_group=None,
        gtin=None,
        description="Đan tay từ mây rừng",
    )
    basket_cert = (await issue(apps, (await evaluate(apps, basket["id"], 25, 15, 20))["id"])).json()
    await copied(apps, household["id"], tea["id"], tea_cert["id"])
    code = f"VN-19-064-{uuid.uuid4().int % 10**6:06d}"
    owner = auth("producer", producer_id=household["id"])
    await add_area(apps["traceability"], owner, household["id"], code, commune="Xã Chợ Đồn", geometry=polygon(0.2))
    reg = apps["registry"]

    async def listed():
        page = (await reg.get(f"/san-pham/{tea['id']}")).text
        return page if page.count('data-platform="') == 2 and code in page else None

    await eventually(listed, timeout=30)
    return {
        "tag": tag,
        "household": household,
        "tea": tea,
        "tea_cert": tea_cert,
        "coop": coop,
        "basket": basket,
        "basket_cert": basket_cert,
        "area": code,
    }


async def test_catalogue_filters_and_search_without_diacritics(apps, certified):
    reg, tag = apps["registry"], certified["tag"]
    tea, basket = certified["tea"]["id"], certified["basket"]["id"]

    async def ids(**params) -> set[str]:
        r = await reg.get("/san-pham", params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        return set(re.findall(r'href="/san-pham/([^"?#]+)', r.text))

    assert {tea, basket} <= await ids(q=tag)
    assert tea in await ids(q=f"che shan tuyet ban tan {tag}") and basket not in await ids(q=f"che shan {tag}")
    assert tea in await ids(q=f"CHÈ SHAN TUYẾT {tag}")  # case and diacritics either way
    assert tea in await ids(q=f"thoa {tag}")  # the producer's public name
    assert await ids(q=f"{tag}", nhom="beverage") >= {tea} and basket not in await ids(q=tag, nhom="beverage")
    assert basket in await ids(q=tag, nhom="handicraft")
    assert await ids(q=tag, sao="4") & {tea, basket} == {tea}
    assert await ids(q=tag, sao="3") & {tea, basket} == {basket}
    assert tea in await ids(q=tag, tinh="19") and not await ids(q=tag, tinh="01") & {tea, basket}
    commune_page = (await reg.get("/san-pham", params={"tinh": "19"})).text
    assert "Xã Chợ Đồn" in commune_page  # communes of the chosen province are offered
    chosen = re.search(r'<option value="([^"]+)">Xã Chợ Đồn</option>', commune_page)
    assert chosen is not None
    assert await ids(q=tag, tinh="19", xa=chosen.group(1)) & {tea, basket} == {tea}
    assert fold("Chè Shan tuyết Đồng Hỷ") == "che shan tuyet dong hy"


async def test_product_page_shows_certificate_producer_area_and_where_to_buy(apps, certified, standins):
    reg, tea = apps["registry"], certified["tea"]
    r = await reg.get(f"/san-pham/{tea['id']}")
    assert r.status_code == 200 and r.headers["content-language"] == "vi"
    page = r.text
    # no inline script or style to allow: the cached page is the same for every response (no per-response nonce)
    script_src = r.headers["content-security-policy"].split("script-src", 1)[1].split(";")[0]
    assert "unsafe-inline" not in script_src and "<style" not in page and "<script>" not in page
    assert tea["name"] in page and 'id="chung-nhan"' in page and "1611/QĐ-UBND" in page
    assert "01/11/2026" in page and "4 sao" in page
    assert certified["household"]["public_name"] in page and "Xã Chợ Đồn" in page
    assert certified["area"] in page and "<svg" in page and "<polygon" in page  # the outline, without JS
    links = dict(re.findall(r'href="([^"]+)" rel="noopener external" data-platform="([^"]+)"', page))
    assert sorted(links.values()) == ["postmart", "voso"]
    for url, platform in links.items():
        assert url.startswith(standins.voso_url if platform == "voso" else standins.postmart_url)
        async with httpx.AsyncClient() as shopper:  # the link opens the product on the (stand-in) platform
            shop = await shopper.get(url)
        assert shop.status_code == 200 and tea["name"] in shop.text and "STAND-IN" in shop.text
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert ld["@type"] == "Product" and ld["name"] == tea["name"]
    assert ld["review"]["reviewRating"]["ratingValue"] == 4 and len(ld["offers"]) == 2
    assert f'<link rel="canonical" href="http://127.0.0.1:8001/san-pham/{tea["id"]}">' in page
    assert 'property="og:title"' in page and 'hreflang="en"' in page
    # the producer's page lists its certified products
    producer = await reg.get(f"/chu-the/{certified['household']['id']}")
    assert producer.status_code == 200 and tea["name"] in producer.text and "Hộ sản xuất kinh doanh" in producer.text
    # the map: the area is drawn and listed; filtering by another group leaves it out
    assert certified["area"] in (await reg.get("/ban-do")).text
    assert certified["area"] not in (await reg.get("/ban-do", params={"nhom": "handicraft"})).text
    assert certified["area"] in (await reg.get("/ban-do", params={"nhom": "beverage"})).text
    # an ETag answers 304 to a browser revalidating
    again = await reg.get(f"/san-pham/{tea['id']}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


async def test_english_sitemap_robots_and_criteria(apps, certified):
    reg, tea = apps["registry"], certified["tea"]
    en = await reg.get(f"/san-pham/{tea['id']}", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert en.headers["content-language"] == "en" and '<html lang="en">' in en.text
    assert "OCOP certificate" in en.text and "Where to buy the genuine product" in en.text and "4 stars" in en.text
    assert "1 Nov 2026" in en.text and "Beverages" in en.text
    assert "The OCOP programme" in (await reg.get("/?lang=en")).text  # the language switch's link
    criteria = (await reg.get("/tieu-chi")).text
    assert "148/QĐ-TTg" in criteria and all(f'<th scope="row">{p}</th>' in criteria for p in "ABC")
    assert "90–100 điểm" in criteria and "50–69 điểm" in criteria and "Sinh vật cảnh" in criteria
    sitemap = await reg.get("/sitemap.xml")
    assert sitemap.headers["content-type"].startswith("application/xml")
    assert f"<loc>http://127.0.0.1:8001/san-pham/{tea['id']}</loc>" in sitemap.text
    robots = (await reg.get("/robots.txt")).text
    assert "Sitemap: http://127.0.0.1:8001/sitemap.xml" in robots and "Disallow: /console" in robots
    home = (await reg.get("/")).text
    assert "Chương trình OCOP" in home and "Theo nhóm sản phẩm" in home


async def test_no_personal_data_on_any_portal_page(apps, certified):
    reg = apps["registry"]
    household, coop = certified["household"], certified["coop"]
    pages = ["/", "/san-pham", f"/san-pham?q={certified['tag']}", "/ban-do", "/tieu-chi", "/sitemap.xml", "/robots.txt"]
    pages += [f"/san-pham/{certified[p]['id']}" for p in ("tea", "basket")]
    pages += [f"/chu-the/{certified[p]['id']}" for p in ("household", "coop")]
    secrets = [
        household["tax_code"],
        coop["tax_code"],
        "0987 654 321",
        "0987654321",
        f"thoa{certified['tag']}@example.vn",
        household["address"],
        coop["address"],
        ">" + household["name"] + "<",  # the household's legal name alone (a person): only the public name shows
    ]
    for path in pages:
        for headers in ({}, {"Accept-Language": "en"}):
            r = await reg.get(path, headers=headers)
            assert r.status_code == 200, (path, r.status_code)
            for secret in secrets:
                assert secret not in r.text, (path, secret)
            assert household["tax_code"] not in TAX_CODE_RE.findall(r.text), path


async def test_a_revocation_leaves_the_catalogue_within_a_second(apps, certified):
    reg, basket, tag = apps["registry"], certified["basket"], certified["tag"]
    assert basket["id"] in (await reg.get("/san-pham", params={"q": tag})).text  # cached now
    assert (await reg.get(f"/san-pham/{basket['id']}")).status_code == 200
    r = await reg.post(
        f"/api/v1/certificates/{certified['basket_cert']['id']}/revoke",
        headers=OFFICIAL,
        json={"reason": "Vi phạm chất lượng", "decision_no": "99/QĐ-UBND"},
    )
    assert r.status_code == 200, r.text
    revoked_at = time.monotonic()

    async def gone():
        listed = basket["id"] in (await reg.get("/san-pham", params={"q": tag})).text
        page = await reg.get(f"/san-pham/{basket['id']}")
        return not listed and page.status_code == 404

    await eventually(gone, timeout=1.0, interval=0.02)
    assert time.monotonic() - revoked_at < 1.0
    missing = await reg.get(f"/san-pham/{basket['id']}")
    assert "không còn hiệu lực" in missing.text.lower() or "Không có sản phẩm OCOP" in missing.text
    assert f"/san-pham/{basket['id']}<" not in (await reg.get("/sitemap.xml")).text


@pytest.mark.parametrize(
    "query",
    [
        {"sao": "abc"},
        {"sao": "9"},
        {"trang": "-1"},
        {"trang": "99999999999999"},
        {"nhom": "<script>"},
        {"q": "<script>alert(1)</script>"},
        {"q": "x" * 5000},
        {"tinh": "\u0000"},
        {"xa": "1", "tinh": "'; drop"},
        {"lang": "zz"},
    ],
)
async def test_hostile_query_strings_answer_a_page(apps, query):
    r = await apps["registry"].get("/san-pham", params=query)
    assert r.status_code == 200
    assert "<script>alert" not in r.text
    assert (await apps["registry"].get("/san-pham/%3Cscript%3E")).status_code == 404
    assert (await apps["registry"].get("/chu-the/nope", params=query)).status_code == 404


async def test_catalogue_weight(apps, certified):
    body = (await apps["registry"].get("/san-pham")).content
    assert len(body) <= 50_000, len(body)


async def test_the_scan_page_shows_the_same_where_to_buy_links(apps):
    _producer, product, _cert, _run, urls = await make_run(apps, count=2, gtin=None)
    tr, reg = apps["traceability"], apps["registry"]

    async def listed():
        view = (await scan(tr, urls[0])).json()
        return view["where_to_buy"] if len(view.get("where_to_buy") or []) == 2 else None

    where = await eventually(listed, timeout=30)
    portal = (await reg.get(f"/san-pham/{product['id']}")).text
    portal_links = dict(re.findall(r'href="([^"]+)" rel="noopener external" data-platform="([^"]+)"', portal))
    assert {x["url"]: x["platform"] for x in where} == portal_links  # the same links on both pages
    page = (await scan(tr, urls[0], json_=False)).text
    assert all(f'href="{x["url"]}"' in page for x in where)
    assert f"/san-pham/{product['id']}#noi-ban" in page  # and the portal's product page
