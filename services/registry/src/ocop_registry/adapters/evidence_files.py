"""What an uploaded evidence document is, found from its content — never from its name or the client's type.

Accepted: PDF, JPEG and PNG, at most ``max_bytes`` (20 MB by default). A file is accepted only when its first
bytes are the format's signature *and* a real decoder opens it: PDFium (pypdfium2) loads the PDF and counts
its pages (a password-protected or broken PDF is refused), Pillow decodes the whole image (a truncated or
disguised one is refused, as is one of more than ``MAX_PIXELS`` pixels: a decompression bomb). The stored
content type is the one found here. The file name is kept for the download only, cleaned, with the
extension of the type found.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import unicodedata
import warnings
from dataclasses import dataclass
from urllib.parse import quote

import pypdfium2 as pdfium
from PIL import Image

from ocop_registry.domain.dossier import InvalidEvidence
from ocop_shared.errors import AppError

MAX_PIXELS = 60_000_000  # a 60-megapixel photo is far more than any evidence needs
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
_ALSO = {".jpeg": "image/jpeg"}
_PDFIUM = threading.Lock()  # PDFium is not thread-safe: one document at a time in this process


class FileTooLarge(AppError, status=413, code="file_too_large"): ...


@dataclass(frozen=True)
class Inspected:
    content_type: str
    size: int
    sha256: str
    filename: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None


def too_large(max_bytes: int) -> FileTooLarge:
    return FileTooLarge(message=f"Tệp vượt quá {max_bytes / 1024 / 1024:g} MB (giới hạn mỗi tài liệu minh chứng)")


def inspect(data: bytes, filename: str, *, max_bytes: int) -> Inspected:
    """The checked facts of ``data`` (blocking: run it in a worker thread), or ``InvalidEvidence``."""
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise InvalidEvidence("Tệp rỗng")
    content_type = next((t for magic, t in SIGNATURES if data.startswith(magic)), None)
    if content_type is None:
        raise InvalidEvidence("Chỉ nhận tệp PDF, JPEG hoặc PNG (nội dung tệp không phải các định dạng này)")
    facts: dict[str, int | None] = {}
    if content_type == "application/pdf":
        facts["pages"] = _pdf_pages(data)
    else:
        facts["width"], facts["height"] = _image_size(data, "JPEG" if content_type == "image/jpeg" else "PNG")
    return Inspected(
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        filename=clean_filename(filename, content_type),
        **facts,
    )


def _pdf_pages(data: bytes) -> int:
    with _PDFIUM:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise InvalidEvidence(f"Không mở được tệp PDF (hỏng hoặc có mật khẩu): {exc}") from None
        try:
            pages = len(doc)
        finally:
            doc.close()
    if pages < 1:
        raise InvalidEvidence("Tệp PDF không có trang nào")
    return pages


def _image_size(data: bytes, expected: str) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != expected:
                    raise InvalidEvidence(f"Nội dung ảnh không đúng định dạng {expected}")
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise InvalidEvidence(f"Ảnh quá lớn ({width}×{height} điểm ảnh; tối đa {MAX_PIXELS:,} điểm ảnh)")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decode every pixel: a truncated or corrupt image fails here
    except InvalidEvidence:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidEvidence(f"Ảnh hỏng hoặc không đọc được: {exc}") from None
    return width, height


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]+")


def clean_filename(name: str, content_type: str) -> str:
    """The last path segment, without control or reserved characters, at most 120 characters, ending with the
    extension of the type found (``giay-phep.exe`` holding a PDF is kept as ``giay-phep.exe.pdf``)."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = " ".join(_UNSAFE.sub(" ", base).split()).strip(" .") or "tai-lieu"
    stem, dot, ext = base.rpartition(".")
    ext = f".{ext.lower()}" if dot else ""
    if ext == EXTENSIONS[content_type] or _ALSO.get(ext) == content_type:
        kept, suffix = stem, ext
    else:
        kept, suffix = base, EXTENSIONS[content_type]
    return kept[: 120 - len(suffix)] + suffix


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name (RFC 6266 / RFC 5987)."""
    latin = filename.replace("đ", "d").replace("Đ", "D")  # the one Vietnamese letter NFKD does not decompose
    fallback = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode() or "tai-lieu"
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
