"""GS1 Digital Link parsing, compressed URIs and linksets (pure domain), checked against GS1's own tools:
the path rules against ``biip`` and ``digital-link.js``, the decompressor against URIs that
``gs1-compression`` and ``digital-link.js`` compressed."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[3] / "tests" / "oracles"))
import gs1_oracles

from ocop_traceability.domain.codes import new_serial
from ocop_traceability.domain.digital_link import (
    LINKSET,
    DigitalLink,
    InvalidDigitalLink,
    gs1_check_digit,
    gtin_forms,
    is_valid_gtin,
    link_type,
    parse_path,
)
from ocop_traceability.domain.dl_compression import NotCompressed, decompress
from ocop_traceability.domain.linkset import Item, Link, choose, link_header, linkset, resolver_description

HOST = "https://truyxuat.example.vn"
SERIAL = "7K3QX9M2H4TZ8N6RX"
PATHS = [  # (path, valid?)
    ("/01/08934567890120", True),
    ("/01/8934567890120", True),  # GTIN-13: padded to 14
    ("/01/08934567890120/10/241115-1", True),
    (f"/01/08934567890120/10/241115-1/21/{SERIAL}", True),
    (f"/01/08934567890120/21/{SERIAL}", True),
    (f"/01/08934567890120/22/V1/10/241115-1/21/{SERIAL}", True),
    ("/01/96385074", True),  # GTIN-8
    ("/01/036000291452", True),  # GTIN-12
    ("/01/08934567890121", False),  # check digit
    ("/01/0893456789012", False),  # 13 digits with a wrong check digit
    ("/01/893456789012", False),  # 12 digits, wrong check digit
    ("/01/089345678901201", False),  # 15 digits
    (f"/01/08934567890120/21/{SERIAL}/10/241115-1", False),  # order
    ("/01/08934567890120/10/A/10/B", False),  # repeated
    ("/01/08934567890120/99/X", False),  # unknown AI
    ("/01/08934567890120/17/261231", False),  # a data attribute is no key qualifier (it goes in the query)
    ("/01/08934567890120/10/" + "A" * 21, False),  # X..20
    ("/01/08934567890120/10", False),  # odd
    ("/01/08934567890120/foo", False),  # the conformance suite's syntax error
    ("/414/8934567890128", False),  # another primary key
]


@pytest.mark.parametrize(("path", "valid"), PATHS)
def test_paths_are_judged_like_biip(path, valid):
    try:
        parse_path(path)
        ours = True
    except InvalidDigitalLink:
        ours = False
    theirs = gs1_oracles.biip(HOST + path)
    theirs_ok = "error" not in theirs and "gtin_error" not in theirs and path.startswith("/01/")
    assert ours == valid == theirs_ok, (path, theirs)


def test_paths_are_judged_like_digital_link_js():
    # digital-link.js lets a repeated qualifier overwrite the first (a known leniency): left out here
    cases = [(p, v) for p, v in PATHS if p != "/01/08934567890120/10/A/10/B" and p.startswith("/01/")]
    results = gs1_oracles.digital_link([HOST + p for p, _v in cases])
    for (path, valid), got in zip(cases, results, strict=True):
        assert bool(got.get("valid")) == valid, (path, got)
        if valid:
            dl = parse_path(path)
            assert got["identifier"] == {"01": dl.gtin}
            assert got["keyQualifiers"] == dict(dl.qualifiers) and got["order"] == [ai for ai, _v in dl.qualifiers]


def test_levels_and_canonical_path():
    dl = parse_path(f"/01/8934567890120/10/241115-1/21/{SERIAL}/")  # trailing slash tolerated
    assert dl == DigitalLink("08934567890120", (("10", "241115-1"), ("21", SERIAL)))
    assert dl.lot == "241115-1" and dl.serial == SERIAL and dl.variant is None
    assert [level.path for level in dl.levels()] == [
        f"/01/08934567890120/10/241115-1/21/{SERIAL}",
        "/01/08934567890120/10/241115-1",
        "/01/08934567890120",
    ]
    assert (
        parse_path("/01/08934567890120/10/A%2FB").lot == "A/B"
        and "A%2FB" in parse_path("/01/08934567890120/10/A%2FB").path
    )


def test_check_digits_and_gtin_forms():
    assert gs1_check_digit("0893456789012") == "0" and is_valid_gtin("08934567890120") and not is_valid_gtin("123")
    assert gtin_forms("08934567890120") == ["08934567890120", "8934567890120"]
    assert gtin_forms("00000096385074") == ["00000096385074", "0000096385074", "000096385074", "96385074"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("gs1:pip", "https://gs1.org/voc/pip"),
        ("https://gs1.org/voc/pip", "https://gs1.org/voc/pip"),
        ("https://ref.gs1.org/voc/pip", "https://gs1.org/voc/pip"),
        ("http://www.gs1.org/voc/certificationInfo", "https://gs1.org/voc/certificationInfo"),
        ("linkset", LINKSET),
        ("all", LINKSET),
        ("gs1:nosuchlt", "https://gs1.org/voc/nosuchlt"),  # well-formed: answered 404 (no such link)
        ("https://schema.org/Product", "https://schema.org/Product"),
        ("", None),
        ("gs1:", None),
        ("<script>", None),
    ],
)
def test_link_types(given, expected):
    assert link_type(given) == expected


def _stamp_uris(n: int) -> list[str]:
    rng = random.Random(5)
    uris = []
    for i in range(n):
        lot = "".join(rng.choice("ABCDEFGHJK0123456789-") for _ in range(rng.randrange(1, 21)))
        lot = lot if not lot.isdigit() else "L" + lot[1:]  # the libraries drop leading zeros of all-digit values
        uri = f"{HOST}/01/08934567890120/10/{lot}/21/{new_serial()}" if i % 3 else f"{HOST}/01/08934567890120"
        uris.append(uri)
    return uris


def test_decompress_what_gs1_compression_compressed():
    for uri in _stamp_uris(40):
        compressed = gs1_oracles.compress(uri)
        assert compressed.startswith(HOST + "/")
        dl = decompress(compressed.rsplit("/", 1)[1])
        assert HOST + dl.path == uri, compressed


def test_decompress_what_digital_link_js_compressed_with_its_optimisations():
    uris = _stamp_uris(40)
    for uri, got in zip(uris, gs1_oracles.digital_link(uris), strict=True):
        compressed = got["compressedForm"]
        assert isinstance(compressed, str) and compressed.startswith(HOST + "/"), got
        assert HOST + decompress(compressed.rsplit("/", 1)[1]).path == uri
        assert gs1_oracles.decompress(compressed) == uri  # and the other library agrees it is this URI


@pytest.mark.parametrize(
    "segment",
    [
        SERIAL,  # the short form's serial: base64url, but no GS1 element strings (hh=EC)
        "healthzhealthz",
        "A" * 12,
        "ARBAe32ZkCDRtxrrrz9qQuPZW6C_pmw_CbPhvSK",  # one character cut
        "not base64!",
    ],
)
def test_what_is_not_a_compressed_digital_link(segment):
    with pytest.raises(NotCompressed):
        decompress(segment)


def _items() -> list[Item]:
    v = "https://gs1.org/voc/"
    stamp = Item(
        f"{HOST}/01/08934567890120/10/L1/21/{SERIAL}",
        "Tem",
        Link(v + "defaultLink", f"{HOST}/01/08934567890120/10/L1/21/{SERIAL}", "Kết quả xác thực tem"),
        (
            Link(
                v + "verificationService", f"{HOST}/api/v1/public/stamps/{SERIAL}", "JSON", "application/json", ("vi",)
            ),
        ),
    )
    product = Item(
        f"{HOST}/01/08934567890120",
        "Chè",
        Link(v + "defaultLink", "https://portal/san-pham/p1", "Sản phẩm"),
        (
            Link(v + "pip", "https://portal/san-pham/p1", "Sản phẩm", "text/html", ("vi", "en")),
            Link(v + "certificationInfo", "https://portal/a", "vi", "text/html", ("vi",)),
            Link(v + "certificationInfo", "https://portal/b", "en", "text/html", ("en",)),
        ),
    )
    return [stamp, product]


def test_linkset_shape_and_choice():
    body = linkset(_items())
    first = body["linkset"][0]
    assert set(first) == {
        "anchor",
        "itemDescription",
        "https://gs1.org/voc/defaultLink",
        "https://gs1.org/voc/verificationService",
    }
    assert first["https://gs1.org/voc/defaultLink"] == [{"href": first["anchor"], "title": "Kết quả xác thực tem"}]
    assert first["https://gs1.org/voc/verificationService"][0]["hreflang"] == ["vi"]
    v = "https://gs1.org/voc/"
    chosen = choose(_items(), v + "pip", "vi")
    assert isinstance(chosen, Link) and chosen.href == "https://portal/san-pham/p1"  # walked up to the product
    by_lang = choose(_items(), v + "certificationInfo", "en")
    assert isinstance(by_lang, Link) and by_lang.href == "https://portal/b"
    assert choose(_items(), v + "nosuchlt", "vi") is None
    default = choose(_items(), v + "defaultLink", "vi")
    assert isinstance(default, Link) and default.href.endswith(SERIAL)  # the most specific level's
    header = link_header("https://h/01/1?linkType=linkset", json_ld=True, same_as="https://h/01/1")
    assert header.count("rel=") == 3 and 'rel="linkset"' in header and 'rel="owl:sameAs"' in header
    doc = resolver_description("https://h", "OCOP")
    assert doc["resolverRoot"] == "https://h" and doc["supportedPrimaryKeys"] == ["01"]
    assert doc["supportedLinkType"] == [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}]
