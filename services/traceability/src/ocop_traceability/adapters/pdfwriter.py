"""A streaming PDF writer: objects go out as they are made, only their offsets stay in memory.

A stamp sheet of a million labels is about 20,000 pages; a writer that holds the document until it is saved
(reportlab's ``Canvas``) needs memory in proportion. This one hands back the bytes of each object as it is
written (to a file or an HTTP response) and keeps one 8-byte offset per object; the page tree, the cross-
reference table and the trailer are written at the end. Object numbers may be reserved before the object is
written (the page tree is referred to by every page and written last).

Text that is not plain ASCII (the product name, "Sản phẩm OCOP 4 sao") uses :class:`EmbeddedFont`: a
TrueType subset of the glyphs it needs (made by reportlab's ``TTFontFile.makeSubset``) as a simple font with
a ``ToUnicode`` map, so the text can be searched and copied.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, makeToUnicodeCMap


def pdf_string(text: str) -> bytes:
    """A PDF text string (UTF-16BE with its byte-order mark, in hex): any Unicode text."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def num(value: float) -> str:
    """A number as PDF writes it (3 decimals, no trailing zeros)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@dataclass
class PdfWriter:
    """Bytes of a PDF, object by object. Each method returns what to write next, in order."""

    offsets: array = field(default_factory=lambda: array("Q", [0]))  # offset of object n at index n
    position: int = 0
    pages: array = field(default_factory=lambda: array("Q"))  # object numbers of the pages, in order

    def __post_init__(self) -> None:
        self.pages_ref = self.reserve()  # the page tree, written by finish()

    def reserve(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def header(self) -> bytes:
        return self._emit(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def obj(self, number: int, body: bytes) -> bytes:
        self.offsets[number] = self.position
        return self._emit(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def new(self, body: bytes) -> tuple[int, bytes]:
        number = self.reserve()
        return number, self.obj(number, body)

    def stream(self, number: int, entries: bytes, data: bytes, *, compress: int = 0) -> bytes:
        """A stream object; ``compress`` is a zlib level (0: stored as it is)."""
        if compress:
            data = zlib.compress(data, compress)
            entries += b"/Filter/FlateDecode"
        return self.obj(number, b"<<%s/Length %d>>stream\n%s\nendstream" % (entries, len(data), data))

    def new_stream(self, entries: bytes, data: bytes, *, compress: int = 0) -> tuple[int, bytes]:
        number = self.reserve()
        return number, self.stream(number, entries, data, compress=compress)

    def page(self, width: float, height: float, resources: bytes, contents: bytes, *, compress: int = 6) -> bytes:
        """A page with its content stream (``resources``: the body of its resource dictionary)."""
        content_ref = self.reserve()
        out = self.stream(content_ref, b"", contents, compress=compress)
        number = self.reserve()
        self.pages.append(number)
        box = f"[0 0 {num(width)} {num(height)}]".encode()
        body = b"<</Type/Page/Parent %d 0 R/MediaBox%s/Resources<<%s>>/Contents %d 0 R>>" % (
            self.pages_ref,
            box,
            resources,
            content_ref,
        )
        return out + self.obj(number, body)

    def finish(self, *, title: str, creator: str) -> Iterator[bytes]:
        """The page tree, the document catalog, the information dictionary, the cross-reference table and the
        trailer, in parts (the table of a million objects is written 10,000 rows at a time). A flat page tree:
        viewers load a 20,000-page ``Kids`` array without trouble."""
        kids = b" ".join(b"%d 0 R" % n for n in self.pages)
        yield self.obj(self.pages_ref, b"<</Type/Pages/Count %d/Kids[%s]>>" % (len(self.pages), kids))
        catalog, part = self.new(b"<</Type/Catalog/Pages %d 0 R>>" % self.pages_ref)
        yield part
        info, part = self.new(
            b"<</Title%s/Creator%s/Producer(OCOP trace & sync)>>" % (pdf_string(title), pdf_string(creator))
        )
        yield part
        if 0 in self.offsets[1:]:
            raise AssertionError("an object was reserved and never written")
        start = self.position
        yield self._emit(b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets))
        for i in range(1, len(self.offsets), 10_000):
            yield self._emit(b"".join(b"%010d 00000 n \n" % offset for offset in self.offsets[i : i + 10_000]))
        yield self._emit(
            b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R>>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), catalog, info, start)
        )

    def _emit(self, data: bytes) -> bytes:
        self.position += len(data)
        return data


class EmbeddedFont:
    """One text in a TrueType font (the Roboto files reportlab reads), embedded as a subset of its glyphs: at
    most 255 different characters (a label's product name and star line use a few dozen)."""

    def __init__(self, font: TTFont, text: str, tag: str) -> None:
        self.font, self.text = font, text
        self.codes = sorted(set(map(ord, text)))[:255]
        self.index = {chr(c): i for i, c in enumerate(self.codes)}
        name = font.face.name
        self.base_name = f"{tag}+{name.decode('latin-1') if isinstance(name, bytes) else name}"

    def encode(self, text: str) -> bytes:
        """The text as a PDF hex string in this subset's codes (characters outside it are dropped)."""
        return b"<" + bytes(self.index[c] for c in text if c in self.index).hex().upper().encode() + b">"

    def width(self, text: str, size: float) -> float:
        return pdfmetrics.stringWidth(text, self.font.fontName, size)

    def write(self, pdf: PdfWriter) -> tuple[int, bytes]:
        """The font's objects; returns the font dictionary's object number and the bytes."""
        face = self.font.face
        subset = face.makeSubset(self.codes)
        file_ref, out = pdf.new_stream(b"/Length1 %d" % len(subset), subset, compress=6)
        cmap = makeToUnicodeCMap(self.base_name, self.codes).encode()
        cmap_ref, part = pdf.new_stream(b"", cmap, compress=6)
        out += part
        flags = (face.flags & ~32) | 4  # symbolic: the codes are subset indices, not a standard encoding
        descriptor = (
            f"<</Type/FontDescriptor/FontName/{self.base_name}/Flags {flags}"
            f"/FontBBox[{' '.join(str(int(v)) for v in face.bbox)}]/ItalicAngle {num(face.italicAngle)}"
            f"/Ascent {int(face.ascent)}/Descent {int(face.descent)}/CapHeight {int(face.capHeight)}"
            f"/StemV {int(face.stemV)}/MissingWidth {int(face.defaultWidth)}/FontFile2 {file_ref} 0 R>>"
        ).encode()
        descriptor_ref, part = pdf.new(descriptor)
        out += part
        widths = " ".join(str(round(face.getCharWidth(c))) for c in self.codes)
        font = (
            f"<</Type/Font/Subtype/TrueType/BaseFont/{self.base_name}/FirstChar 0/LastChar {len(self.codes) - 1}"
            f"/Widths[{widths}]/FontDescriptor {descriptor_ref} 0 R/ToUnicode {cmap_ref} 0 R>>"
        ).encode()
        font_ref, part = pdf.new(font)
        return font_ref, out + part
