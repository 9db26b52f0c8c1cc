"""Import of producers and products from .xlsx/.csv (a file upload, or JSON rows in chunks from the CLI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from ocop_registry.api.deps import runtime
from ocop_registry.app.importing import CHUNK, import_producers, import_products, read_rows
from ocop_shared.auth import Principal, require
from ocop_shared.errors import AppError

router = APIRouter(tags=["import"])
Official = Annotated[Principal, Depends(require("official", "operator"))]
Kind = Literal["producers", "products"]
MAX_UPLOAD = 20 * 2**20


class RowsIn(BaseModel):
    rows: list[dict[str, Any]] = Field(max_length=CHUNK * 4)
    first_row: int = Field(default=2, ge=1, description="spreadsheet row number of rows[0] (for the report)")


async def _run(kind: str, rows: list[dict], request: Request, principal: Principal, first_row: int) -> dict:
    importer = import_producers if kind == "producers" else import_products
    return await importer(rows, runtime(request).uow, first_row=first_row, allowed_provinces=principal.provinces)


@router.post("/imports/{kind}", summary="Import an .xlsx/.csv file (multipart field 'file') or JSON rows")
async def import_file(kind: Kind, request: Request, principal: Official) -> dict:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = RowsIn.model_validate_json(await request.body())
        return await _run(kind, body.rows, request, principal, body.first_row)
    if not content_type.startswith("multipart/form-data"):
        raise AppError("unsupported_media_type", "Gửi tệp (multipart/form-data, trường 'file') hoặc JSON {rows: [...]}")
    try:
        form = await request.form(max_files=1)
    except Exception as exc:  # noqa: BLE001 - a malformed multipart body is the client's error
        raise AppError("bad_multipart", f"Không đọc được dữ liệu multipart: {exc}") from exc
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise AppError("missing_file", "Thiếu trường 'file'")
    content = await upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise AppError("file_too_large", "Tệp quá lớn (tối đa 20 MB)")
    rows = read_rows(upload.filename or "", content)
    return await _run(kind, rows, request, principal, 2)
