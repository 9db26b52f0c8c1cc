"""Print files of a stamp run: A4 sheets and thermal-printer rolls (PDF), and the CSV for industrial printers.

A4 sheets: labels (default 30 × 30 mm) in a grid with cut marks at the label corners. Rolls: one label per
page at the printer's label size (40 × 30 mm, 50 × 30 mm …), no cut marks (the labels are die-cut). Each
label has the QR, the product name, the OCOP stars while the product is certified and the human-readable
code.

The PDF is streamed (``pdfwriter``): page after page is handed to the caller as bytes and only object
offsets stay in memory, so a run of a million stamps renders in flat memory. What every label shares (cut
marks, product name, star line) is one form XObject drawn once; the code is set in Courier-Bold (one of the
14 standard fonts, nothing to embed); the product name and star line, Vietnamese, in an embedded Roboto
subset. Each QR is a 1-bit inline image mask in the page's content stream, one sample per module, not
interpolated: sharp at any resolution, the bytes straight from ``bulkqr.RunCodes``, compressed with the page.
``bench/stamp_formats.py`` compares it with vector rectangles (what the sheet drew before) and with one image
XObject per QR: half the file of the rectangles, a third of their rasterising time, every code read at 300 and
150 dpi (README, "Stamps").
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ocop_shared.exports import csv_text
from ocop_traceability.adapters.bulkqr import SIDE, RunCodes, unpack
from ocop_traceability.adapters.pdfwriter import EmbeddedFont, PdfWriter, num
from ocop_traceability.adapters.qr import pdf_runs
from ocop_traceability.domain.codes import CROCKFORD, SERIAL_LENGTH, display_serial

_FONT = "Roboto"
QrMode = Literal["inline", "image", "vector"]  # how a QR is drawn: inline image (printed), image XObject, rectangles
CODE_SIZE, TEXT_SIZE = 5.6, 5.2  # points: the code (Courier-Bold), the name and star line (Roboto)


_FONT_LOCK = threading.Lock()


def _register_font() -> None:
    """Once per process, under a lock: sheets are drawn in worker threads, and a second run starting while the
    first had registered the regular face but not yet the bold one failed with "no afm found for Roboto-Bold"
    (two stamp runs at once in bench/marketplace.py)."""
    with _FONT_LOCK:
        if _FONT + "-Bold" not in pdfmetrics.getRegisteredFontNames():
            import font_roboto  # Roboto has the Vietnamese glyphs; the PDF embeds a subset

            base = Path(font_roboto.__file__).parent / "files"
            pdfmetrics.registerFont(TTFont(_FONT, str(base / "Roboto-Regular.ttf")))
            pdfmetrics.registerFont(TTFont(_FONT + "-Bold", str(base / "Roboto-Bold.ttf")))


@dataclass(frozen=True)
class Layout:
    label_w_mm: float = 30.0
    label_h_mm: float = 30.0
    margin_mm: float = 8.0
    gap_mm: float = 2.0
    qr_mm: float = 17.0

    def grid(self) -> tuple[int, int]:
        page_w, page_h = A4
        cols = int((page_w - 2 * self.margin_mm * mm + self.gap_mm * mm) // ((self.label_w_mm + self.gap_mm) * mm))
        rows = int((page_h - 2 * self.margin_mm * mm + self.gap_mm * mm) // ((self.label_h_mm + self.gap_mm) * mm))
        return max(cols, 1), max(rows, 1)

    @property
    def per_page(self) -> int:
        cols, rows = self.grid()
        return cols * rows

    @property
    def qr_size(self) -> float:
        """The QR's side in points: at most ``qr_mm``, and room left for the quiet zone and the text."""
        return min(self.qr_mm * mm, (self.label_w_mm - 5) * mm, (self.label_h_mm - 11) * mm)


ROLL_SIZES = {"40x30": (40.0, 30.0), "50x30": (50.0, 30.0), "50x40": (50.0, 40.0), "60x40": (60.0, 40.0)}


def roll_layout(size: str) -> Layout:
    """One label per page at a thermal printer's label size (``ROLL_SIZES``, width × height in mm)."""
    w, h = ROLL_SIZES[size]
    return Layout(label_w_mm=w, label_h_mm=h, margin_mm=0.0, gap_mm=0.0)


class Label(NamedTuple):
    url: str
    serial: str


def fit_text(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with "…" to ``width`` points in ``font`` (Roboto or Roboto-Bold) at ``size``."""
    _register_font()
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def star_line(stars: int | None) -> str:
    return f"Sản phẩm OCOP {stars} sao" if stars else ""  # Roboto has no ★ glyph


class LabelPdf:
    """A PDF of labels, streamed: ``start()``, then ``add(labels)`` as often as needed, then ``finish()``;
    each returns the bytes to write next. ``roll``: one label per page at the label's size, no cut marks;
    else A4 pages of ``layout.grid()`` labels with cut marks."""

    def __init__(
        self,
        *,
        product_name: str,
        stars: int | None,
        layout: Layout = Layout(),
        roll: bool = False,
        qr: QrMode = "inline",
    ) -> None:
        _register_font()
        self.layout, self.roll, self.qr = layout, roll, qr
        self.product_name, self.stars = product_name, stars
        self.pdf = PdfWriter()
        self.lw, self.lh = layout.label_w_mm * mm, layout.label_h_mm * mm
        if roll:
            self.page_w, self.page_h = self.lw, self.lh
            self.slots = [(0.0, 0.0)]
        else:
            self.page_w, self.page_h = A4
            cols, rows = layout.grid()
            gap, margin = layout.gap_mm * mm, layout.margin_mm * mm
            self.slots = [
                (margin + c * (self.lw + gap), self.page_h - margin - r * (self.lh + gap) - self.lh)
                for r in range(rows)
                for c in range(cols)
            ]
        self.qr_size = qs = layout.qr_size
        self._placed = [  # per slot: the shared label drawn there, the QR's transformation, the label's corner
            (
                f"q 1 0 0 1 {num(x0)} {num(y0)} cm /L Do Q".encode(),
                f"q {num(qs)} 0 0 {num(qs)} {num(x0 + (self.lw - qs) / 2)} {num(qr_y)} cm".encode(),
                x0,
                y0,
            )
            for x0, y0 in self.slots
            for qr_y in [y0 + self.lh - 2.3 * mm - qs]  # ≥ 4 modules of quiet zone below the label's top edge
        ]
        self.codes: RunCodes | None = None
        self.pending: list[Label] = []
        self.pages = self.count = 0

    # -- the document ------------------------------------------------------------------------------
    def start(self) -> bytes:
        pdf = self.pdf
        out = pdf.header()
        self.courier, part = pdf.new(b"<</Type/Font/Subtype/Type1/BaseFont/Courier-Bold/Encoding/WinAnsiEncoding>>")
        out += part
        self.form, part = self._label_form()
        return out + part

    def add(self, labels: Iterable[tuple[str, str]]) -> bytes:
        """Queue labels; returns the pages completed by them."""
        out = []
        per_page = len(self.slots)
        pending = self.pending
        for label in labels:
            pending.append(Label(*label))
            if len(pending) == per_page:
                out.append(self._page(pending))
                pending.clear()
        return b"".join(out)

    def finish_parts(self) -> Iterator[bytes]:
        """The last page, then the end of the document, in parts."""
        if self.pending:
            yield self._page(self.pending)
        self.pending = []
        title = f"Tem truy xuất nguồn gốc — {self.product_name}" if self.product_name else "Tem truy xuất nguồn gốc"
        yield from self.pdf.finish(title=title, creator="OCOP trace & sync")

    def finish(self) -> bytes:
        return b"".join(self.finish_parts())

    # -- the shared label --------------------------------------------------------------------------
    def _label_form(self) -> tuple[int, bytes]:
        """Cut marks (A4 only), product name and star line: one form XObject drawn on every label."""
        pdf, lw, lh = self.pdf, self.lw, self.lh
        out = b""
        ops: list[str] = []
        if not self.roll:
            ops.append(_cut_marks(lw, lh))
        fonts = []
        text_top = lh - 2.3 * mm - self.qr_size
        for i, (text, font_name, dy) in enumerate(
            (
                (fit_text(self.product_name, _FONT + "-Bold", TEXT_SIZE, lw - 2 * mm), _FONT + "-Bold", 2.4 * mm),
                (star_line(self.stars), _FONT, 4.6 * mm),
            )
        ):
            if not text:
                continue
            font = EmbeddedFont(pdfmetrics.getFont(font_name), text, f"OCOP{'AB'[i]}A")
            ref, part = font.write(pdf)
            out += part
            fonts.append(f"/R{i} {ref} 0 R")
            x = lw / 2 - font.width(text, TEXT_SIZE) / 2
            at = f"{num(x)} {num(text_top - dy)}"
            ops.append(f"BT /R{i} {num(TEXT_SIZE)} Tf {at} Td {font.encode(text).decode()} Tj ET")
        resources = f"/Resources<</Font<<{' '.join(fonts)}>>>>" if fonts else ""
        entries = f"/Type/XObject/Subtype/Form/BBox[0 0 {num(lw)} {num(lh)}]{resources}".encode()
        number, part = pdf.new_stream(entries, "\n".join(ops).encode(), compress=6)
        return number, out + part

    # -- pages ---------------------------------------------------------------------------------------
    def _page(self, labels: list[Label]) -> bytes:
        pdf = self.pdf
        if self.codes is None:
            url, serial = labels[0]
            prefix = url[: -len(serial)] if url.endswith(serial) else url
            self.codes = RunCodes(prefix, SERIAL_LENGTH, CROCKFORD)
        codes = self.codes
        out = []
        ops: list[bytes] = []
        images = []
        qs = self.qr_size
        for i, ((url, serial), (placed, qr_at, x0, y0)) in enumerate(zip(labels, self._placed, strict=False)):
            data = codes.packed(url)
            side = SIDE[len(data)]
            ops.append(placed)
            if self.qr == "image":
                number, part = pdf.new_stream(
                    b"/Type/XObject/Subtype/Image/Width %d/Height %d/ImageMask true/Decode[1 0]/Interpolate false"
                    % (side, side),
                    data,
                )
                out.append(part)
                images.append(b"/Q%d %d 0 R" % (i, number))
                ops.append(b"%s /Q%d Do Q" % (qr_at, i))
            elif self.qr == "inline":
                ops.append(b"%s BI /W %d /H %d /BPC 1 /IM true /D [1 0] ID %s EI Q" % (qr_at, side, side, data))
            else:
                module = qs / side
                qx, qy = x0 + (self.lw - qs) / 2, y0 + self.lh - 2.3 * mm
                runs = pdf_runs(unpack(data, side))
                ops.append(f"q {module:.4f} 0 0 {-module:.4f} {qx:.3f} {qy:.3f} cm {runs} f Q".encode())
            code = display_serial(serial)  # Courier: every glyph is 0.6 em wide
            x = x0 + self.lw / 2 - len(code) * 0.6 * CODE_SIZE / 2
            ops.append(f"BT /C {num(CODE_SIZE)} Tf {num(x)} {num(y0 + 1.3 * mm)} Td ({code}) Tj ET".encode())
        content = b"\n".join(ops)
        resources = b"/XObject<</L %d 0 R %s>>/Font<</C %d 0 R>>" % (self.form, b" ".join(images), self.courier)
        out.append(pdf.page(self.page_w, self.page_h, resources, content))
        self.pages += 1
        self.count += len(labels)
        return b"".join(out)


def _cut_marks(w: float, h: float, length: float = 1.6 * mm) -> str:
    ops = ["0.2 w 0.55 G"]
    for cx, cy, dx, dy in ((0, 0, 1, 1), (w, 0, -1, 1), (0, h, 1, -1), (w, h, -1, -1)):
        ops.append(f"{num(cx)} {num(cy)} m {num(cx + dx * length)} {num(cy)} l")
        ops.append(f"{num(cx)} {num(cy)} m {num(cx)} {num(cy + dy * length)} l")
    return " ".join(ops) + " S 0 G"


def render_sheet(
    path: Path,
    labels: Iterable[tuple[str, str]],
    *,
    product_name: str,
    stars: int | None,
    layout: Layout = Layout(),
    roll: bool = False,
    qr: QrMode = "inline",
    progress: Callable[[int], None] = lambda _n: None,
) -> int:
    """Write the PDF to ``path`` as it is rendered; returns the number of pages."""
    doc = LabelPdf(product_name=product_name, stars=stars, layout=layout, roll=roll, qr=qr)
    per_page = len(doc.slots)
    with open(path, "wb", buffering=1 << 20) as f:
        f.write(doc.start())
        page: list[tuple[str, str]] = []
        for label in labels:
            page.append(label)
            if len(page) == per_page:
                f.write(doc.add(page))
                page.clear()
                progress(doc.count)
        f.write(doc.add(page))
        for part in doc.finish_parts():
            f.write(part)
    progress(doc.count)
    return doc.pages


def codes_csv(urls: Iterable[str]) -> Iterable[bytes]:
    """One URL per line (what industrial printers take), streamed; cells through the shared CSV writer (a
    cell never starts a formula)."""
    for url in urls:
        yield csv_text([[url]], lineterminator="\n").encode()


async def codes_csv_stream(urls: AsyncIterable[str]) -> AsyncIterator[bytes]:
    async for url in urls:
        for chunk in codes_csv([url]):
            yield chunk
