"""How to draw a stamp's QR in the PDF: vector rectangles (one per horizontal run of dark modules, what the sheet
drew until issue 21) against a 1-bit image mask per QR (one sample per module, not interpolated) — as an image
XObject (the sheet's choice) and as an inline image in the page's content stream.

For each: time to write the PDF, file size (and per 100,000 stamps), pypdfium2 rasterising at 300 dpi, and
the zxing-cpp decode rate of every label at 300 dpi (and at 150 dpi, a coarse scan). Same labels, same
process, one run after the other.

Usage: ``python bench/stamp_formats.py [--labels 480]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp

from ocop_traceability.adapters.sheet import render_sheet
from ocop_traceability.domain.codes import new_serials
from ocop_traceability.domain.stamps import stamp_url

MODES = {"vector": "vector rectangles", "image": "image XObject per QR", "inline": "inline image per QR"}


def decode(path: Path, dpi: int) -> tuple[list[str], float]:
    """Every QR zxing-cpp reads on every page at ``dpi``, and the seconds pypdfium2 took to rasterise."""
    doc = pdfium.PdfDocument(path.read_bytes())
    found, raster = [], 0.0
    for page in doc:
        t = time.perf_counter()
        image = page.render(scale=dpi / 72).to_pil()
        raster += time.perf_counter() - t
        found += [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found, raster


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=480, help="labels drawn (48 per A4 page)")
    args = parser.parse_args()
    labels = [
        (stamp_url("https://trace.ocop.vn", s, gtin="8934567890120", lot="261101-1"), s)
        for s in new_serials(args.labels)
    ]
    urls = sorted(url for url, _ in labels)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in MODES:
            path = Path(tmp) / f"{mode}.pdf"
            t = time.perf_counter()
            pages = render_sheet(path, labels, product_name="Chè Shan tuyết Chợ Đồn", stars=4, qr=mode)  # type: ignore[arg-type]
            write = time.perf_counter() - t
            found, raster = decode(path, 300)
            coarse, _ = decode(path, 150)
            size = path.stat().st_size
            ok = sorted(found) == urls
            rows.append(
                (mode, write, size, raster / pages, len(set(found) & set(urls)), len(set(coarse) & set(urls)), ok)
            )
    n = args.labels
    print(f"{n:,} labels on {pages} A4 pages (GS1 stamp, QR version 4, 17 mm), one after the other in one process")
    print(
        f"{'QR drawn as':<24}{'write':>9}{'file':>10}{'per 100k':>10}"
        f"{'raster 300 dpi':>16}{'decoded 300 dpi':>17}{'150 dpi':>10}"
    )
    for mode, write, size, raster, read, read_coarse, _ok in rows:
        print(
            f"{MODES[mode]:<24}{n / write:>7,.0f}/s{size / 1024:>8.0f} KB{size / n * 100_000 / 2**20:>7.1f} MiB"
            f"{raster * 1000:>12.0f} ms/p{read / n:>16.1%}{read_coarse / n:>10.1%}"
        )
    base = rows[0]
    for mode, write, size, raster, *_ in rows[1:]:
        print(
            f"{MODES[mode]} / vector: write {base[1] / write:.1f}x faster, file {size / base[2]:.2f}x, "
            f"raster {raster / base[3]:.2f}x the time"
        )
    return 0 if all(r[-1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
