"""Stamp URIs are GS1 Digital Links that GS1's own tools accept, in small mixed-mode QR codes.

Oracles (independent of our code): ``biip`` (PyPI) and GS1's ``digital-link.js`` (npm, run by node) parse
the URIs; zxing-cpp reads the QR symbols back. Old upper-case stamps (``HTTPS://``) are the witness: GS1's
parser refuses them, which is why stamps now begin with a lower-case ``https://``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from qrcode import util

sys.path.append(str(Path(__file__).resolve().parents[3] / "tests" / "oracles"))
import gs1_oracles

from ocop_traceability.adapters.bulkqr import BulkEncoder
from ocop_traceability.adapters.qr import qr_version
from ocop_traceability.adapters.qrsegments import segments
from ocop_traceability.domain.codes import CROCKFORD, display_serial, new_serial
from ocop_traceability.domain.stamps import stamp_url

HOSTS = {  # host lengths the README reports: 21, 25 and 30 characters
    21: "truyxuat.hanoi.gov.vn",
    25: "truyxuat.thanhhoa.ocop.vn",
    30: "truyxuat.ocop.quangninh.gov.vn",
}
GTIN = "8934567890120"


def _lots(rng: random.Random, n: int) -> list[str]:
    """Lots as batches get them (``YYMMDD-n``) and as producers type them (letters, digits, '-', ≤ 20)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
    typed = [
        rng.choice("ABCXYZ123") + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 20))) for _ in range(n)
    ]
    dated = [
        f"{rng.randrange(24, 30)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}-{rng.randrange(1, 99)}"
        for _ in range(n)
    ]
    return typed + dated


def _run_urls(n: int = 120, seed: int = 17) -> list[tuple[str, str, str]]:
    """(url, lot, serial) of stamps over the three hosts, random lots and fresh serials."""
    rng = random.Random(seed)
    out = []
    for lot in _lots(rng, n // 2):
        host = rng.choice(list(HOSTS.values()))
        serial = new_serial()
        out.append((stamp_url(f"https://{host}", serial, gtin=GTIN, lot=lot), lot.upper(), serial))
    return out


def test_every_gs1_stamp_is_accepted_by_biip_with_our_gtin_lot_and_serial():
    for url, lot, serial in _run_urls():
        assert url.startswith("https://") and url[8:] == url[8:].upper(), url
        read = gs1_oracles.biip(url)
        assert read == {"01": "0" + GTIN, "10": lot, "21": serial}, (url, read)


def test_every_gs1_stamp_is_accepted_by_gs1_digital_link_js():
    stamps = _run_urls()
    results = gs1_oracles.digital_link([url for url, _lot, _serial in stamps])
    for (url, lot, serial), got in zip(stamps, results, strict=True):
        assert "error" not in got, got
        assert got["valid"] and got["checkDigit"], got
        assert got["identifier"] == {"01": "0" + GTIN}, got
        assert got["keyQualifiers"] == {"10": lot, "21": serial} and got["order"] == ["10", "21"], (url, got)
        assert got["isCompressed"] is False


def test_old_upper_case_stamps_and_the_short_form_are_not_gs1_for_gs1s_tools():
    serial = new_serial()
    old = f"HTTPS://TRUYXUAT.HANOI.GOV.VN/01/0{GTIN}/10/261101-1/21/{serial}"  # printed before this change
    short = stamp_url("https://truyxuat.hanoi.gov.vn", serial, gtin=None, lot="261101-1")
    assert short == f"https://TRUYXUAT.HANOI.GOV.VN/S/{serial}"
    got_old, got_short = gs1_oracles.digital_link([old, short])
    assert got_old["error"] == "String input must contain http(s) protocol"  # why the scheme is lower case now
    assert "identifier" in got_short["error"] and got_short["isCompressed"] is False  # the short form claims nothing
    assert "primary identifier" in gs1_oracles.biip(short)["error"]


def test_oracles_see_a_bad_check_digit_a_wrong_order_and_an_unknown_ai():
    serial = new_serial()
    bad_digit = f"https://X.VN/01/08934567890121/10/L1/21/{serial}"
    wrong_order = f"https://X.VN/01/0{GTIN}/21/{serial}/10/L1"
    unknown_ai = f"https://X.VN/01/0{GTIN}/99/L1"
    assert "check digit" in gs1_oracles.biip(bad_digit)["gtin_error"]
    assert "error" in gs1_oracles.biip(wrong_order) and "error" in gs1_oracles.biip(unknown_ai)
    results = gs1_oracles.digital_link([bad_digit, wrong_order, unknown_ai])
    assert [r.get("valid") for r in results] == [False, False, False]


@pytest.mark.parametrize(("length", "gs1_version", "short_version"), [(21, 4, 3), (25, 4, 3), (30, 5, 4)])
def test_qr_versions_per_host_length(length, gs1_version, short_version):
    """The figures the README reports (lot ``261101-1``; the module size at 17 mm is 17 / (17 + 4v))."""
    host = HOSTS[length]
    assert len(host) == length
    serial = new_serial()
    gs1 = stamp_url(f"https://{host}", serial, gtin=GTIN, lot="261101-1")
    short = stamp_url(f"https://{host}", serial, gtin=None, lot="261101-1")
    assert (qr_version(gs1), qr_version(short)) == (gs1_version, short_version)
    assert BulkEncoder(gs1).version == gs1_version and BulkEncoder(short).version == short_version
    # byte 'https' + alphanumeric rest: a version smaller than the whole URL in byte mode (lower case), never larger
    assert qr_version(gs1.lower()) > gs1_version and qr_version(short.lower()) >= short_version


def test_segments_are_byte_scheme_then_alphanumeric_rest():
    url = stamp_url("https://truyxuat.hanoi.gov.vn", new_serial(), gtin=GTIN, lot="261101-1")
    segs = segments(url)
    assert segs is not None
    assert [(s.mode, s.data) for s in segs] == [
        (util.MODE_8BIT_BYTE, b"https"),
        (util.MODE_ALPHA_NUM, url[5:].encode()),
    ]


def _image(matrix: list[list[bool]], scale: int = 6, quiet: int = 4) -> Image.Image:
    n = len(matrix) + 2 * quiet
    img = Image.new("L", (n, n), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                img.putpixel((x + quiet, y + quiet), 0)
    return img.resize((n * scale, n * scale), Image.Resampling.NEAREST)


def test_bulk_encoded_stamps_decode_with_zxing_to_the_exact_url():
    for length in HOSTS:
        for gtin in (GTIN, None):
            urls = [stamp_url(f"https://{HOSTS[length]}", new_serial(), gtin=gtin, lot="261101-1") for _ in range(5)]
            encoder = BulkEncoder(urls[0])
            for url in urls:
                found = zxingcpp.read_barcodes(_image(encoder.matrix(url)), formats=zxingcpp.BarcodeFormat.QRCode)
                assert [r.text for r in found] == [url]
                assert found[0].symbology_identifier == "]Q1"  # plain QR (Digital Link is not "GS1 QR" with FNC1)


def test_the_printed_code_is_the_serial_not_the_url():
    serial = "".join(random.Random(3).choice(CROCKFORD) for _ in range(16))
    assert "-" not in stamp_url("https://x.vn", serial, gtin=GTIN, lot="L")  # dashes would cost 22 bits
    assert display_serial(serial).count("-") == 3


@pytest.mark.parametrize("length", [21, 30])
def test_a_sheet_of_30mm_labels_decodes_completely_at_300_dpi(tmp_path, length):
    """The printed sheet (QR 17 mm on 30 × 30 mm labels) read back by zxing-cpp at 300 dpi, every label: also
    with a 30-character host, whose GS1 stamps need version 5 (0.46 mm modules)."""
    import io

    import pypdfium2 as pdfium

    from ocop_traceability.adapters.sheet import Label, render_sheet

    host = HOSTS[length]
    labels = []
    for _ in range(54):  # one A4 page of 6 × 9 labels
        serial = new_serial()
        labels.append(Label(stamp_url(f"https://{host}", serial, gtin=GTIN, lot="261101-1"), serial))
    assert BulkEncoder(labels[0].url).version == (5 if length == 30 else 4)
    path = tmp_path / "sheet.pdf"
    render_sheet(path, labels, product_name="Chè Shan tuyết Chợ Đồn", stars=4)
    doc = pdfium.PdfDocument(io.BytesIO(path.read_bytes()))
    decoded = []
    for i in range(len(doc)):
        image = doc[i].render(scale=300 / 72).to_pil()
        decoded += [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert sorted(decoded) == sorted(label.url for label in labels)
