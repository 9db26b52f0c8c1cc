"""ZPL II for Zebra-compatible thermal printers: one ``^XA … ^XZ`` format per label.

The QR is a ``^GFA`` graphic field of our own matrix (``bulkqr.RunCodes``), each module a whole number of
printer dots, so the printer prints exactly the code the sheet shows (its own ``^BQ`` would choose the mask
and the segments itself). Rows are written in ZPL's ASCII-hex compression: a row of a module is written once,
the dot rows repeating it are ``:`` ("repeat the previous line"). The product name and star line are
Vietnamese, which the printers' resident fonts cannot be trusted to hold: they are drawn once with Roboto (the
font of the PDF) into a second graphic field that every label repeats. The code is resident font 0 text
(``^A0``, only ``0-9``, ``A-Z`` and ``-``), centred with ``^FB``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ocop_traceability.adapters.bulkqr import SIDE, RunCodes
from ocop_traceability.adapters.sheet import CODE_SIZE, TEXT_SIZE, Layout, fit_text, star_line
from ocop_traceability.domain.codes import CROCKFORD, SERIAL_LENGTH, display_serial

DPIS = (203, 300)  # 8 and 12 dots per mm: the two resolutions of Zebra's desktop and industrial printers


def dots(mm_: float, dpi: int) -> int:
    return round(mm_ * dpi / 25.4)


def graphic_field(rows: list[bytes], repeat: int = 1) -> str:
    """``^GFA`` of 1-bit rows (dark = 1), each ``repeat`` times, in ZPL's ASCII-hex compression: a row equal to
    the one before is ``:``, and trailing white is cut with ``,`` ("fill the rest of the line with 0")."""
    width = len(rows[0])
    parts, before = [], None
    for row in rows:
        if row == before:
            parts.append(":" * repeat)
            continue
        text = row.hex().upper()
        cut = text.rstrip("0")
        parts.append((cut + "," if len(cut) < len(text) else text) + ":" * (repeat - 1))
        before = row
    total = width * len(rows) * repeat
    return f"^GFA,{total},{total},{width},{''.join(parts)}"


class _Widen:
    """Each 1-bit module widened to ``n`` dots: a table from each byte of 8 modules to its 8·n dots."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.table = [sum(((b >> (7 - i)) & 1) * ((1 << n) - 1) << (n * (7 - i)) for i in range(8)) for b in range(256)]

    def rows(self, packed: bytes, side: int) -> list[bytes]:
        stride = (side + 7) // 8
        n, table = self.n, self.table
        bits = side * n
        out_bytes = (bits + 7) // 8
        shift = stride * 8 * n - out_bytes * 8  # drop the padding modules, keep whole bytes
        rows = []
        for r in range(0, len(packed), stride):
            value = 0
            for b in packed[r : r + stride]:
                value = value << (8 * n) | table[b]
            rows.append((value >> shift if shift >= 0 else value << -shift).to_bytes(out_bytes, "big"))
        return rows


def text_rows(lines: list[tuple[str, str, float]], width: int, dpi: int) -> list[bytes]:
    """Lines of (text, font file, size in points), centred in ``width`` dots, as 1-bit rows (dark = 1)."""
    from PIL import Image, ImageDraw, ImageFont

    height = sum(round(size / 72 * dpi * 1.25) for _t, _f, size in lines) or 1
    image = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(image)
    y = 0
    for text, font_file, size in lines:
        font = ImageFont.truetype(font_file, round(size / 72 * dpi))
        draw.text((width / 2, y), text, fill=1, font=font, anchor="mt")
        y += round(size / 72 * dpi * 1.25)
    stride = (width + 7) // 8
    raw = image.tobytes()  # mode "1": rows packed most significant bit first, padded to whole bytes
    return [raw[i : i + stride] for i in range(0, len(raw), stride)]


class ZplLabels:
    """One ZPL format per label at ``layout``'s label size; ``add(labels)`` returns their formats."""

    def __init__(self, *, product_name: str, stars: int | None, layout: Layout, dpi: int = 203) -> None:
        import font_roboto

        fonts = Path(font_roboto.__file__).parent / "files"
        self.dpi = dpi
        self.w, self.h = dots(layout.label_w_mm, dpi), dots(layout.label_h_mm, dpi)
        self.qr_dots = dots(layout.qr_size / 72 * 25.4, dpi)
        self.top = dots(2.3, dpi)
        width_pt = layout.label_w_mm * 72 / 25.4 - 2 * 72 / 25.4
        lines = [
            (fit_text(product_name, "Roboto-Bold", TEXT_SIZE, width_pt), "Roboto-Bold", TEXT_SIZE),
            (star_line(stars), "Roboto-Regular", TEXT_SIZE),
        ]
        self.lines = [(t, str(fonts / f"{f}.ttf"), s) for t, f, s in lines if t]
        self.codes: RunCodes | None = None
        self.widen: _Widen | None = None
        self.head = self.text = ""
        self.code_h = round(CODE_SIZE / 72 * dpi * 1.15)
        self.code_y = self.h - dots(1.3, dpi) - self.code_h

    def _start(self, url: str, serial: str) -> None:
        codes = self.codes = RunCodes(url[: -len(serial)] if url.endswith(serial) else url, SERIAL_LENGTH, CROCKFORD)
        widen = self.widen = _Widen(max(1, self.qr_dots // codes.size))  # whole dots per module, all alike
        qr_w = codes.size * widen.n
        self.head = f"^XA^PW{self.w}^LL{self.h}^LH0,0^FO{(self.w - qr_w) // 2},{self.top}"
        if self.lines:  # name and stars below the QR, as on the sheet
            margin = dots(1, self.dpi)
            rows = text_rows(self.lines, self.w - 2 * margin, self.dpi)
            self.text = f"^FO{margin},{self.top + qr_w + dots(0.6, self.dpi)}{graphic_field(rows)}^FS"

    def add(self, labels: Iterable[tuple[str, str]]) -> bytes:
        out = []
        for url, serial in labels:
            if self.codes is None:
                self._start(url, serial)
            assert self.codes is not None and self.widen is not None
            packed = self.codes.packed(url)
            side = SIDE[len(packed)]
            n = self.widen.n if side == self.codes.size else max(1, self.qr_dots // side)
            qr = graphic_field(self.widen.rows(packed, side) if n == self.widen.n else _Widen(n).rows(packed, side), n)
            code = f"^FO0,{self.code_y}^A0N,{self.code_h},{self.code_h}^FB{self.w},1,0,C^FD{display_serial(serial)}^FS"
            out.append(f"{self.head}{qr}^FS{self.text}{code}^XZ\n")
        return "".join(out).encode("ascii")
