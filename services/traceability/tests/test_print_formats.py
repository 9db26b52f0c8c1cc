"""The print formats producers use: A4 sheets, thermal rolls (one label per page at the label size) and ZPL,
each read back by independent tools — pypdfium2 rasterises the PDFs at 300 dpi and zxing-cpp reads every QR;
the ZPL's graphic fields are turned back into bitmaps by ``zpl_reader`` (the published format) and read by
zxing-cpp at the printer's own resolution."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from ocop_traceability.adapters.sheet import LabelPdf, Layout, render_sheet, roll_layout
from ocop_traceability.adapters.zpl import ZplLabels
from ocop_traceability.domain.codes import display_serial, new_serials
from ocop_traceability.domain.stamps import stamp_url

sys.path.append(str(Path(__file__).parent))
import zpl_reader

NAME = "Chè Shan tuyết Chợ Đồn"


def _labels(n: int, gtin: str | None = "8934567890120") -> list[tuple[str, str]]:
    return [(stamp_url("https://trace.ocop.vn", s, gtin=gtin, lot="261101-1"), s) for s in new_serials(n)]


def _read(image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


@pytest.mark.parametrize("size", ["40x30", "50x30"])
def test_a_roll_has_one_label_per_page_at_the_label_size(size) -> None:
    labels = _labels(7)
    doc = LabelPdf(product_name=NAME, stars=4, layout=roll_layout(size), roll=True)
    pdf = pdfium.PdfDocument(doc.start() + doc.add(labels) + doc.finish())
    assert len(pdf) == 7
    w, h = (float(v) for v in size.split("x"))
    for page, (url, serial) in zip(pdf, labels, strict=True):
        assert page.get_size() == pytest.approx((w / 25.4 * 72, h / 25.4 * 72), abs=0.01)
        assert _read(page.render(scale=300 / 72).to_pil()) == [url]
        text = page.get_textpage().get_text_range()
        assert NAME in text and "Sản phẩm OCOP 4 sao" in text and display_serial(serial) in text


def test_the_a4_sheet_keeps_its_grid_and_text(tmp_path) -> None:
    labels = _labels(50, gtin=None)
    path = tmp_path / "sheet.pdf"
    assert render_sheet(path, labels, product_name=NAME, stars=None) == 2  # 6 × 8 labels a page
    pdf = pdfium.PdfDocument(io.BytesIO(path.read_bytes()))
    found = []
    for page in pdf:
        found += _read(page.render(scale=300 / 72).to_pil())
        assert "OCOP" not in page.get_textpage().get_text_range()  # no stars while not certified
    assert sorted(found) == sorted(url for url, _ in labels)
    assert Layout().per_page == 48


@pytest.mark.parametrize("size", ["40x30", "50x30"])
@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_has_one_format_per_label_whose_graphic_decodes(size, dpi) -> None:
    labels = _labels(6)
    zpl = ZplLabels(product_name=NAME, stars=4, layout=roll_layout(size), dpi=dpi).add(labels).decode("ascii")
    formats = zpl_reader.formats(zpl)
    assert len(formats) == 6
    w, h = (float(v) for v in size.split("x"))
    for fmt, (url, serial) in zip(formats, labels, strict=True):
        assert f"^PW{round(w * dpi / 25.4)}^LL{round(h * dpi / 25.4)}" in fmt
        assert f"^FD{display_serial(serial)}^FS" in fmt  # the code as resident-font text
        assert _read(zpl_reader.label_image(fmt)) == [url]
        first = re.search(r"\^GFA,(\d+),\d+,(\d+),", fmt)
        assert first is not None  # the QR: whole dots per module (rows repeated with ':')
        per_row, total = int(first.group(2)), int(first.group(1))
        assert total // per_row % 33 == 0


def test_zpl_without_a_name_or_stars_has_only_the_qr_graphic() -> None:
    labels = _labels(2)
    fmt = zpl_reader.formats(ZplLabels(product_name="", stars=None, layout=roll_layout("40x30")).add(labels).decode())
    assert all(f.count("^GFA") == 1 for f in fmt)
    assert _read(zpl_reader.label_image(fmt[0])) == [labels[0][0]]


def test_the_cross_reference_table_points_at_every_object(tmp_path) -> None:
    """pdfium repairs a broken table silently, so the offsets are checked here against the file itself."""
    path = tmp_path / "sheet.pdf"
    render_sheet(path, _labels(60), product_name=NAME, stars=4)
    data = path.read_bytes()
    start = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[start:].startswith(b"xref\n0 ")
    count = int(data[start:].split(b"\n")[1].split()[1])
    rows = data[start:].split(b"\n")[3 : 3 + count - 1]  # after the free entry 0
    assert count > 10 and len(rows) == count - 1
    for number, row in enumerate(rows, start=1):
        offset = int(row.split()[0])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
    assert data.rstrip().endswith(b"%%EOF")


def test_the_label_font_is_registered_once_whatever_threads_ask_at_once():
    """Sheets are drawn in worker threads: one asking for the fonts while another is registering them must
    wait for both faces (it failed with "no afm found for Roboto-Bold"). A fresh process: the fonts are global."""
    import subprocess
    import sys

    script = """
import threading, time
from reportlab.pdfbase import pdfmetrics
from ocop_traceability.adapters.sheet import _register_font
errors = []
def ask(delay):
    time.sleep(delay)
    try:
        _register_font()
        pdfmetrics.stringWidth("Chè Shan tuyết", "Roboto-Bold", 5)
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=ask, args=(i * 0.004,)) for i in range(40)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(errors))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"
