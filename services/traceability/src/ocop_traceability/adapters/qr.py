"""QR matrices (the ``qrcode`` package's matrix API, fixed mask) and their vector drawing.

Stamp URLs are a lower-case scheme (byte mode) followed by an upper-case host and path (alphanumeric
mode, see ``qrsegments``): a short URL (``https://HOST/S/<serial>``) fits version 3 and a GS1 Digital Link
URL version 4 for hosts up to ~27 characters, at error correction M. A bulk run uses one fixed mask
instead of trying all eight (the slow part of ``qrcode.make``) — every code still decodes, a fixed mask
only trades a little print robustness.
"""

from __future__ import annotations

import re

from ocop_traceability.adapters.qrsegments import qr_code

FIXED_MASK = 0
_RUN = re.compile(rb"\x01+")


def qr_version(data: str) -> int:
    """The version a stamp's QR takes for ``data``, in the same segments the bulk encoder writes."""
    return qr_code(data, mask=FIXED_MASK).version


def pdf_runs(matrix: list[list[bool]]) -> str:
    """PDF path operators drawing the dark modules as rectangles, one per horizontal run, in module
    units with the origin at the top-left corner and y growing downwards (the caller sets the ``cm``)."""
    ops = []
    cache = _RUN_OPS
    for y, row in enumerate(matrix):
        for m in _RUN.finditer(bytes(row)):
            span = (m.start(), y, m.end())
            op = cache.get(span)
            if op is None:
                op = cache[span] = f"{span[0]} {y} {span[2] - span[0]} 1 re"
            ops.append(op)
    return " ".join(ops)


_RUN_OPS: dict[tuple[int, int, int], str] = {}  # bounded: at most size³ entries per QR version
