"""Print-ready A4 stamp sheets (PDF, vector QR) and the CSV for industrial printers.

Labels are laid out in a grid (default 30 × 30 mm) with cut marks at the label corners. Each label has
the QR (drawn as filled rectangles, not a bitmap), the product name, the OCOP stars when the product is
certified and the human-readable code. Pages are produced one at a time; the PDF is written to a file.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ocop_shared.exports import csv_text
from ocop_traceability.adapters.bulkqr import BulkEncoder
from ocop_traceability.adapters.qr import pdf_runs
from ocop_traceability.domain.codes import display_serial

_FONT = "Roboto"


rl_config.useA85 = 0  # binary compressed streams: ASCII85 would cost time and 25 % more bytes


def _register_font() -> None:
    if _FONT not in pdfmetrics.getRegisteredFontNames():
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


@dataclass(frozen=True)
class Label:
    url: str
    serial: str


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def render_sheet(
    path: Path,
    labels: Iterable[Label],
    *,
    product_name: str,
    stars: int | None,
    layout: Layout = Layout(),
    progress: Callable[[int], None] = lambda _n: None,
) -> int:
    """Write the PDF to ``path``; returns the number of pages."""
    _register_font()
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Tem truy xuất nguồn gốc — {product_name}")
    canvas.setCreator("OCOP trace & sync")
    cols, rows = layout.grid()
    _page_w, page_h = A4
    lw, lh, gap, margin = layout.label_w_mm * mm, layout.label_h_mm * mm, layout.gap_mm * mm, layout.margin_mm * mm
    qr_size = min(layout.qr_mm * mm, lw - 5 * mm, lh - 11 * mm)
    name = product_name
    star_text = f"Sản phẩm OCOP {stars} sao" if stars else ""  # Roboto has no ★ glyph
    pages, n = 0, 0
    slot = 0
    encoder = None
    form_ready = False
    for label in labels:
        if encoder is None:
            encoder = BulkEncoder(label.url)
        if not form_ready:  # the parts every label shares, drawn once and placed per label
            canvas.beginForm("label", lowerx=0, lowery=0, upperx=lw, uppery=lh)
            _cut_marks(canvas, 0, 0, lw, lh)
            canvas.setFont(_FONT + "-Bold", 5.2)
            canvas.drawCentredString(
                lw / 2, lh - 2.3 * mm - qr_size - 2.4 * mm, _fit(name, _FONT + "-Bold", 5.2, lw - 2 * mm)
            )
            if star_text:
                canvas.setFont(_FONT, 5.2)
                canvas.drawCentredString(lw / 2, lh - 2.3 * mm - qr_size - 4.6 * mm, star_text)
            canvas.endForm()
            form_ready = True
        if slot == 0:
            pages += 1
            canvas.setFont("Courier-Bold", 5.6)
        col, row = slot % cols, slot // cols
        x0 = margin + col * (lw + gap)
        top = page_h - margin - row * (lh + gap)
        matrix = encoder.matrix(label.url)
        module = qr_size / len(matrix)
        qx = x0 + (lw - qr_size) / 2
        qy_top = top - 2.3 * mm  # ≥ 4 modules of quiet zone above the code
        if slot == 0:  # registers the shared label form and the code font on this page
            canvas.saveState()
            canvas.translate(x0, top - lh)
            canvas.doForm("label")
            canvas.restoreState()
            form_ref = canvas._doc.getXObjectName("label")
            font_ref = canvas._doc.getInternalFontName("Courier-Bold")
            canvas.addLiteral(f"q {module:.4f} 0 0 {-module:.4f} {qx:.3f} {qy_top:.3f} cm {pdf_runs(matrix)} f Q")
        else:
            canvas.addLiteral(
                f"q 1 0 0 1 {x0:.3f} {top - lh:.3f} cm /{form_ref} Do Q "
                f"q {module:.4f} 0 0 {-module:.4f} {qx:.3f} {qy_top:.3f} cm {pdf_runs(matrix)} f Q"
            )
        code = display_serial(label.serial)  # Courier: every glyph is 0.6 em wide
        canvas.addLiteral(
            f"BT {font_ref} 5.6 Tf {x0 + lw / 2 - len(code) * 0.6 * 5.6 / 2:.3f} "
            f"{top - lh + 1.3 * mm:.3f} Td ({code}) Tj ET"
        )
        n += 1
        slot += 1
        if slot == cols * rows:
            canvas.showPage()
            slot = 0
            progress(n)
    if slot:
        canvas.showPage()
        progress(n)
    canvas.save()
    return pages


def _cut_marks(canvas: Canvas, x: float, y: float, w: float, h: float, length: float = 1.6 * mm) -> None:
    canvas.setLineWidth(0.2)
    canvas.setStrokeGray(0.55)
    for cx, cy, dx, dy in ((x, y, 1, 1), (x + w, y, -1, 1), (x, y + h, 1, -1), (x + w, y + h, -1, -1)):
        canvas.line(cx, cy, cx + dx * length, cy)
        canvas.line(cx, cy, cx, cy + dy * length)
    canvas.setStrokeGray(0)


def codes_csv(urls: Iterable[str]) -> Iterable[bytes]:
    """One URL per line (what industrial printers take), streamed; cells through the shared CSV writer (a
    cell never starts a formula)."""
    for url in urls:
        yield csv_text([[url]], lineterminator="\n").encode()


async def codes_csv_stream(urls: AsyncIterable[str]) -> AsyncIterator[bytes]:
    async for url in urls:
        for chunk in codes_csv([url]):
            yield chunk
