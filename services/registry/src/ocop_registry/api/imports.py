"""Import of producers and products from .xlsx/.csv (a file upload, or JSON rows in chunks from the CLI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, model_validator

from ocop_registry.api.deps import RuntimeDep, Staff
from ocop_registry.app.importing import CHUNK, ImportRows, import_rows, import_sheet, read_sheet
from ocop_shared.errors import AppError
from ocop_shared.limits import UPLOAD

router = APIRouter(tags=["import"])
Kind = Literal["producers", "products"]


class RowsIn(BaseModel):
    rows: list[dict[str, Any]] = Field(max_length=CHUNK * 4)
    first_row: int = Field(default=2, ge=1, description="spreadsheet row number of rows[0] (for the report)")
    row_numbers: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, max_length=CHUNK * 4, description="the spreadsheet row of each row, if not consecutive"
    )

    @model_validator(mode="after")
    def _one_number_a_row(self) -> RowsIn:
        if self.row_numbers and len(self.row_numbers) != len(self.rows):
            raise ValueError("row_numbers: one spreadsheet row number for each row")
        return self


# The body is read by hand (a file or JSON rows), so the document says what it takes.
BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": RowsIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "description": ".xlsx or .csv"}},
            }
        },
    },
}


@router.post(
    "/imports/{kind}",
    summary="Import an .xlsx/.csv file (multipart field 'file') or JSON rows",
    openapi_extra={**UPLOAD, "requestBody": BODY},
)
async def import_file(kind: Kind, request: Request, rt: RuntimeDep, principal: Staff) -> dict:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = RowsIn.model_validate_json(await request.body())
        cmd = ImportRows(kind, body.rows, body.first_row, tuple(body.row_numbers))
        return await import_rows(cmd, principal, rt.uow)
    if not content_type.startswith("multipart/form-data"):
        raise AppError("unsupported_media_type", "Gửi tệp (multipart/form-data, trường 'file') hoặc JSON {rows: [...]}")
    try:
        form = await request.form(max_files=1)
    except Exception as exc:  # a malformed multipart body is the client's error
        raise AppError("bad_multipart", f"Không đọc được dữ liệu multipart: {exc}") from exc
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise AppError("missing_file", "Thiếu trường 'file'")
    content = await upload.read()  # the whole body is within OCOP_MAX_UPLOAD_BYTES (413 before parsing)
    return await import_sheet(kind, read_sheet(upload.filename or "", content), principal, rt.uow)
