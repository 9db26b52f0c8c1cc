"""Evidence over HTTP, for the API and the console alike: reading an upload under its own body limit, and
answering a stored file so that no browser ever renders it as a page (and the decision's appendix PDF).

The upload routes set their body limit per route (``OCOP_EVIDENCE_MAX_BYTES``, 20 MB, plus ``FORM_SLACK`` for
the form fields around the file): a declared ``Content-Length`` above it is refused before anything is read,
and the body is counted as it streams in, so a client that lies about its length or sends none is stopped at
the limit too (413). Only ``multipart/form-data`` is read (415 otherwise), with one file and a few fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.types import Message

from ocop_registry.adapters.appendix_pdf import render
from ocop_registry.adapters.evidence_files import content_disposition, too_large
from ocop_registry.app.decisions import Appendix
from ocop_registry.domain.dossier import Evidence, InvalidEvidence
from ocop_shared.errors import AppError

FORM_SLACK = 64 * 1024  # the multipart framing and the title and criteria fields around the file
MAX_FIELDS = 20


class NotMultipart(AppError, status=415, code="unsupported_media_type"): ...


@dataclass(frozen=True)
class Upload:
    form: FormData
    fields: dict[str, str]
    criteria: tuple[str, ...]
    filename: str
    data: bytes
    request: Request  # the request whose form was read (its form is cached on it: e.g. for the CSRF check)


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The form with its one file (field ``file``), read at most ``max_bytes`` + ``FORM_SLACK`` bytes."""
    limit = max_bytes + FORM_SLACK
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise NotMultipart(message="Gửi tệp dạng multipart/form-data (trường 'file')")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(max_bytes)
    seen = 0
    upstream = request.receive

    async def counted() -> Message:
        nonlocal seen
        message = await upstream()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(max_bytes)
        return message

    limited = Request(request.scope, counted)
    try:
        form = await limited.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=FORM_SLACK)
    except MultiPartException as exc:
        raise AppError("invalid_multipart", f"Biểu mẫu tải tệp không hợp lệ: {exc.message}") from None
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile):
            raise InvalidEvidence("Chưa chọn tệp (trường 'file')")
        data = await file.read(max_bytes + 1)
    finally:
        await form.close()  # the spooled temporary file: its bytes are in ``data`` now
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "criteria"}
    criteria = [v for k, v in form.multi_items() if k == "criteria" and isinstance(v, str)]
    codes = tuple(c.strip() for value in criteria for c in value.split(",") if c.strip())
    return Upload(form, fields, codes, file.filename or "", data, limited)


def evidence_response(evidence: Evidence, length: int, chunks: AsyncIterator[bytes]) -> StreamingResponse:
    """The stored file as a download: the type found when it was checked, never rendered inline."""
    return StreamingResponse(
        chunks,
        media_type=evidence.content_type,
        headers={
            "Content-Disposition": content_disposition(evidence.filename),
            "Content-Length": str(length),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "private, no-store",
        },
    )


def appendix_response(council_id: str, appendix: Appendix) -> Response:
    """The decision's appendix as a PDF download (API and console alike)."""
    return Response(
        render(appendix),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="phu-luc-{council_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )
