"""QR segments for stamp URLs: byte mode for the lower-case scheme, alphanumeric mode for the rest.

A GS1 Digital Link URI must begin with a lower-case ``https://`` (GS1's parsers refuse ``HTTPS://``), but
QR alphanumeric mode holds only ``0-9 A-Z $%*+-./:`` and space. A QR symbol may change mode between
segments, so a stamp URL is encoded as a byte segment ``https`` followed by an alphanumeric segment
``://HOST/01/…/21/SERIAL`` (host and path upper case). That costs 7 bits less than a byte ``https://`` and
keeps the GS1 stamp at version 4 for hosts up to ~27 characters (see README, "Stamps").

Texts whose rest is not alphanumeric (lower-case hosts or paths) are not split: ``segments`` answers
``None`` and the caller encodes the whole text in byte mode, as ``qrcode`` does with ``optimize=0``.
Stamps printed before the change (``HTTPS://…``, all alphanumeric) give one alphanumeric segment.
"""

from __future__ import annotations

import re

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

_ALNUM = re.compile(r"[0-9A-Z $%*+\-./:]*")
_HEAD = re.compile(r"[^0-9A-Z $%*+\-./:]*")  # the leading run alphanumeric mode cannot hold ('https' stops at ':')


def split(text: str) -> tuple[str, str] | None:
    """``(head, rest)``: head for byte mode (may be empty), rest for alphanumeric mode; ``None`` when the
    rest is empty or not alphanumeric (then the whole text goes in one byte segment)."""
    head = _HEAD.match(text).group()  # type: ignore[union-attr]  # matches the empty string at worst
    rest = text[len(head) :]
    if not rest or not _ALNUM.fullmatch(rest) or not head.isascii():
        return None
    return head, rest


def segments(text: str) -> list[util.QRData] | None:
    """The text as ``qrcode`` segments (byte head, alphanumeric rest), or ``None`` (see :func:`split`)."""
    parts = split(text)
    if parts is None:
        return None
    head, rest = parts
    out = [util.QRData(head.encode("ascii"), mode=util.MODE_8BIT_BYTE)] if head else []
    return [*out, util.QRData(rest.encode("ascii"), mode=util.MODE_ALPHA_NUM)]


def qr_code(text: str, *, version: int | None = None, mask: int | None = None) -> qrcode.QRCode:
    """A ``qrcode.QRCode`` holding ``text`` in the segments above (byte mode when it cannot be split), made
    at ``version`` or the smallest that fits, error correction M."""
    qr = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask)
    segs = segments(text)
    if segs is None:
        qr.add_data(text, optimize=0)
    else:
        for seg in segs:
            qr.add_data(seg)  # a QRData is appended as it is (no re-optimising)
    qr.make(fit=version is None)
    return qr
