"""GS1 compressed Digital Link URIs (GS1 Digital Link: Compression, 2019): decoding, pure.

A compressed URI puts the element strings of ``/01/…/10/…/21/…`` into one base64url path segment
(``https://host/ARBAe32ZkCDRtxrrrz9qQuPZW6C_pmw_CbPhvSK4``). We decode the subset our identifiers use:
AI 01 (fixed 14 digits) and the key qualifiers 22, 10 and 21 (X..20), each as its own AI code or in the
optimised pairs ``0A`` (01+22), ``0B`` (01+10) and ``0C`` (01+21), with the five value encodings of the
standard (numeric, lower/upper hexadecimal, base64url, 7-bit ASCII). Anything else (other AIs, non-GS1
key=value data, stray bits) is :class:`NotCompressed` — the resolver answers 404. The result is checked like
an uncompressed path (``digital_link.digital_link``). We never print compressed stamps: in a QR they need
byte mode and a larger version than the uncompressed mixed-mode URI.
"""

from __future__ import annotations

import math
import re

from ocop_traceability.domain.digital_link import DigitalLink, InvalidDigitalLink, digital_link

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64_VALUE = {c: i for i, c in enumerate(_B64)}
_HEX = "0123456789ABCDEF"
_FIXED_DIGITS = {"01": 14}
_VARIABLE = {"10": 20, "21": 20, "22": 20}  # AI → maximum length (X..20)
_PAIRS = {"0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21")}
SEGMENT = re.compile(r"[0-9A-Za-z_-]{10,200}")  # what may be a compressed URI's path segment


class NotCompressed(ValueError):
    """Not a compressed Digital Link we can decode."""


def _digit_bits(n: int) -> int:
    return math.ceil(n * math.log2(10) + 0.01)


def _length_bits(maximum: int) -> int:
    return math.ceil(math.log2(maximum) + 0.01)


class _Bits:
    def __init__(self, segment: str) -> None:
        self.bits = "".join(format(_B64_VALUE[c], "06b") for c in segment)
        self.pos = 0

    def take(self, n: int) -> int:
        if self.pos + n > len(self.bits):
            raise NotCompressed("truncated")
        value = int(self.bits[self.pos : self.pos + n] or "0", 2)
        self.pos += n
        return value

    @property
    def left(self) -> int:
        return len(self.bits) - self.pos


def _value(bits: _Bits, ai: str) -> str:
    if ai in _FIXED_DIGITS:
        n = _FIXED_DIGITS[ai]
        return str(bits.take(_digit_bits(n))).zfill(n)
    maximum = _VARIABLE[ai]
    encoding, n = bits.take(3), bits.take(_length_bits(maximum))
    if n > maximum:
        raise NotCompressed(f"value of AI {ai} too long")
    if encoding == 0:  # all digits (leading zeros kept: the length says how many)
        return str(bits.take(_digit_bits(n))).zfill(n) if n else ""
    if encoding in (1, 2):
        text = "".join(_HEX[bits.take(4)] for _ in range(n))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(_B64[bits.take(6)] for _ in range(n))
    if encoding == 4:
        return "".join(chr(bits.take(7)) for _ in range(n))
    raise NotCompressed(f"value encoding {encoding}")


def decompress(segment: str) -> DigitalLink:
    """The Digital Link a compressed path segment holds (:class:`NotCompressed` if it holds none we know)."""
    if not SEGMENT.fullmatch(segment):
        raise NotCompressed("not a base64url segment")
    bits = _Bits(segment)
    pairs: list[tuple[str, str]] = []
    while bits.left > 8:
        code = _HEX[bits.take(4)] + _HEX[bits.take(4)]
        ais = (code,) if code.isdigit() else _PAIRS.get(code)
        if not ais or any(ai not in _FIXED_DIGITS and ai not in _VARIABLE for ai in ais):
            raise NotCompressed(f"code {code} is not one we decode")
        pairs += [(ai, _value(bits, ai)) for ai in ais]
    if bits.left and bits.take(bits.left):
        raise NotCompressed("non-zero padding")
    if not pairs or pairs[0][0] != "01" or [ai for ai, _v in pairs].count("01") != 1:
        raise NotCompressed("no GTIN first")
    try:
        return digital_link(pairs[0][1], pairs[1:])
    except InvalidDigitalLink as exc:
        raise NotCompressed(str(exc)) from exc
