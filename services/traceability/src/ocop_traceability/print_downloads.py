"""The printer files as HTTP downloads, for the API and the console alike (neither reaches into the other):
the query parameters' values and the streamed answer."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Literal

from fastapi.responses import StreamingResponse

from ocop_traceability.app.stamp_runs import PrintFile

SheetFormat = Literal["a4", "roll"]
RollSize = Literal["40x30", "50x30", "50x40", "60x40"]  # sheet.ROLL_SIZES: label width × height, mm
Dpi = Literal["203", "300"]
ZPL = "application/zpl"  # no IANA registration; the type label services and carriers use for ZPL


async def print_response(made: Awaitable[PrintFile]) -> StreamingResponse:
    """A print file made from the stored stamps as it is sent."""
    file = await made
    media_type = "application/pdf" if file.filename.endswith(".pdf") else ZPL
    return StreamingResponse(
        file.parts, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{file.filename}"'}
    )
