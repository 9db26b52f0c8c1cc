"""Evidence files are what their content says, checked by real decoders (PDFium, Pillow), never by name."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from ocop_registry.adapters.evidence_files import FileTooLarge, clean_filename, content_disposition, inspect
from ocop_registry.domain.dossier import InvalidEvidence

MB = 1024 * 1024


def pdf(pages: int = 2, **canvas_args) -> bytes:
    out = io.BytesIO()
    c = Canvas(out, invariant=1, **canvas_args)
    for _ in range(pages):
        c.drawString(72, 720, "Phieu kiem nghiem")
        c.showPage()
    c.save()
    return out.getvalue()


def image(fmt: str, size=(320, 200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, format=fmt)
    return out.getvalue()


def test_real_files_are_accepted_with_the_type_found():
    found = inspect(pdf(3), "Phiếu kiểm nghiệm.PDF", max_bytes=MB)
    assert (found.content_type, found.pages, found.filename) == ("application/pdf", 3, "Phiếu kiểm nghiệm.pdf")
    assert len(found.sha256) == 64 and found.size == len(pdf(3))
    jpeg = inspect(image("JPEG"), "anh.jpeg", max_bytes=MB)
    assert (jpeg.content_type, jpeg.width, jpeg.height, jpeg.filename) == ("image/jpeg", 320, 200, "anh.jpeg")
    png = inspect(image("PNG"), "bao-bi", max_bytes=MB)
    assert (png.content_type, png.filename) == ("image/png", "bao-bi.png")


def test_a_type_is_never_taken_from_the_name():
    assert inspect(pdf(), "anh.png", max_bytes=MB).content_type == "application/pdf"
    assert inspect(pdf(), "anh.png", max_bytes=MB).filename == "anh.png.pdf"
    assert inspect(image("PNG"), "tai-lieu.pdf", max_bytes=MB).content_type == "image/png"


HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HTML, id="html"),
        pytest.param(b"%PDF-1.7\n" + HTML, id="pdf signature then html"),
        pytest.param(pdf()[: len(pdf()) // 3], id="truncated pdf"),
        pytest.param(pdf(encrypt="mat-khau"), id="password pdf"),
        pytest.param(b"\xff\xd8\xff\xe0" + HTML, id="jpeg signature then html"),
        pytest.param(image("JPEG", (600, 400))[:700], id="truncated jpeg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + HTML, id="png signature then html"),
        pytest.param(image("GIF"), id="gif"),
        pytest.param(image("BMP"), id="bmp"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 100, id="zip"),
        pytest.param(b"", id="empty"),
    ],
)
def test_disguised_or_broken_files_are_refused(data):
    with pytest.raises(InvalidEvidence):
        inspect(data, "giay-chung-nhan.pdf", max_bytes=MB)


def test_a_decompression_bomb_is_refused():
    bomb = image("PNG", (10_000, 7_000), mode="1")  # 70 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(InvalidEvidence, match="quá lớn"):
        inspect(bomb, "bom.png", max_bytes=MB)


def test_the_size_limit():
    with pytest.raises(FileTooLarge) as refused:
        inspect(pdf(), "a.pdf", max_bytes=100)
    assert refused.value.status == 413


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\thoa\\Hợp đồng.pdf", "Hợp đồng.pdf"),
        ("a\x00b\nc.pdf", "a b c.pdf"),
        ("", "tai-lieu.pdf"),
        ("...", "tai-lieu.pdf"),
    ],
)
def test_file_names_are_cleaned(name, expected):
    assert clean_filename(name, "application/pdf") == expected


def test_content_disposition_is_an_attachment_with_both_names():
    header = content_disposition("Hợp đồng liên kết.pdf")
    assert header.startswith('attachment; filename="Hop dong lien ket.pdf"; ')
    assert "filename*=UTF-8''H%E1%BB%A3p%20%C4%91%E1%BB%93ng" in header
