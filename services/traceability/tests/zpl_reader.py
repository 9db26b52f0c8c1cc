"""A reader of the ZPL the stamp runs print, for tests: each ``^XA … ^XZ`` format's label size and its ``^GFA``
graphic fields turned back into a bitmap, following the ZPL II manual's ASCII-hex rules (hex digits, ``:``
repeats the previous line, ``,`` fills the rest of the line with 0 and ``!`` with 1). Independent of the
writer's code: it only knows the published format."""

from __future__ import annotations

import re

from PIL import Image

_FIELD = re.compile(r"\^FO(\d+),(\d+)\^GFA,(\d+),(\d+),(\d+),([0-9A-Fa-f:,!]+)\^FS")


def formats(zpl: str) -> list[str]:
    found = re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)
    assert "".join(found).replace("\n", "") == zpl.replace("\n", ""), "text outside ^XA … ^XZ"
    return found


def graphic_rows(data: str, bytes_per_row: int) -> list[bytes]:
    rows: list[bytes] = []
    i = 0
    while i < len(data):
        if data[i] == ":":
            rows.append(rows[-1])
            i += 1
            continue
        row = ""
        while len(row) < 2 * bytes_per_row:
            c = data[i]
            i += 1
            if c == ",":
                row = row.ljust(2 * bytes_per_row, "0")
            elif c == "!":
                row = row.ljust(2 * bytes_per_row, "F")
            else:
                row += c
        rows.append(bytes.fromhex(row))
    return rows


def label_image(fmt: str) -> Image.Image:
    """The label's graphic fields on white, at printer dots (``^PW`` × ``^LL``)."""
    width = int(re.search(r"\^PW(\d+)", fmt).group(1))  # type: ignore[union-attr]
    height = int(re.search(r"\^LL(\d+)", fmt).group(1))  # type: ignore[union-attr]
    image = Image.new("L", (width, height), 255)
    for x, y, total, field_count, per_row, data in _FIELD.findall(fmt):
        rows = graphic_rows(data, int(per_row))
        assert int(total) == int(field_count) == len(rows) * int(per_row)
        bitmap = Image.frombytes("1", (int(per_row) * 8, len(rows)), b"".join(rows))
        image.paste(0, (int(x), int(y)), bitmap)  # dark where the field has a 1
    return image
