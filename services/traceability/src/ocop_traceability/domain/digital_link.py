"""GS1 Digital Link URIs for the primary key 01 (GTIN): parsing and validation, pure.

``/01/<GTIN>[/22/<CPV>][/10/<lot>][/21/<serial>]`` (GS1 Digital Link standard 1.4, GS1 General
Specifications): a GTIN-8/12/13/14 with its mod-10 check digit (the anchor uses the 14-digit form), then the
key qualifiers 22 (consumer product variant), 10 (batch/lot) and 21 (serial), each optional, at most once, in
that order; values percent-decoded, 1–20 characters of GS1's AI character set 82. Anything else (another AI
in the path, a bad check digit, qualifiers out of order, a value too long) is not a Digital Link:
:class:`InvalidDigitalLink`.

An identified item has levels, from the most specific to the primary key (``01/G/10/L/21/S`` →
``01/G/10/L`` → ``01/G``): a resolver answers a request with the links of every level it knows.

Link types are GS1 Web Vocabulary terms, written ``gs1:pip`` or in full; we emit ``https://gs1.org/voc/pip``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

GS1_VOC = "https://gs1.org/voc/"
DEFAULT_LINK = GS1_VOC + "defaultLink"
QUALIFIERS_01 = ("22", "10", "21")  # consumer product variant, lot, serial: in this order
_GTIN = re.compile(r"\d{8}|\d{12,14}")
_X20 = re.compile(r'[!"%-?A-Z_a-z]{1,20}')  # GS1 AI encodable character set 82, 1–20 characters
# the GS1 Web Vocabulary as link types arrive: the CURIE and the URIs GS1 has published it under
_VOC_PREFIXES = (
    "gs1:",
    "https://gs1.org/voc/",
    "http://gs1.org/voc/",
    "https://www.gs1.org/voc/",
    "http://www.gs1.org/voc/",
    "https://ref.gs1.org/voc/",
    "http://ref.gs1.org/voc/",
)
LINKSET = "linkset"  # ?linkType=linkset (and the deprecated ?linkType=all): the whole linkset
_TERM = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


class InvalidDigitalLink(ValueError):
    """Not a GS1 Digital Link URI path (the reason, in English, for the 400 answer's details)."""


def gs1_check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of ``body`` (all digits but the last of a GTIN, GLN, SSCC...)."""
    return str(-sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body))) % 10)


def is_valid_gtin(code: str) -> bool:
    return bool(_GTIN.fullmatch(code)) and gs1_check_digit(code[:-1]) == code[-1]


def gtin_forms(gtin14: str) -> list[str]:
    """The ways the same GTIN may be written (14, 13, 12 or 8 digits: leading zeros dropped)."""
    return [gtin14[14 - n :] for n in (14, 13, 12, 8) if not gtin14[: 14 - n].strip("0")]


@dataclass(frozen=True)
class DigitalLink:
    """A GTIN (14 digits) and its key qualifiers, in order: ``(("10", lot), ("21", serial))``."""

    gtin: str
    qualifiers: tuple[tuple[str, str], ...] = ()

    def value(self, ai: str) -> str | None:
        return next((v for a, v in self.qualifiers if a == ai), None)

    @property
    def lot(self) -> str | None:
        return self.value("10")

    @property
    def serial(self) -> str | None:
        return self.value("21")

    @property
    def variant(self) -> str | None:
        return self.value("22")

    @property
    def path(self) -> str:
        """The canonical path: ``/01/<GTIN-14>/10/<lot>/21/<serial>`` (values percent-encoded)."""
        return "/01/" + self.gtin + "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in self.qualifiers)

    def up(self) -> DigitalLink | None:
        """The next level up (the last qualifier dropped), or None at the primary key."""
        return DigitalLink(self.gtin, self.qualifiers[:-1]) if self.qualifiers else None

    def levels(self) -> list[DigitalLink]:
        """This item and every level above it, the most specific first, the GTIN last."""
        return [DigitalLink(self.gtin, self.qualifiers[:n]) for n in range(len(self.qualifiers), -1, -1)]


def digital_link(gtin: str, pairs: list[tuple[str, str]]) -> DigitalLink:
    """A Digital Link from a GTIN and its qualifiers as (AI, decoded value) pairs, checked (order, AIs,
    values, check digit)."""
    if not _GTIN.fullmatch(gtin):
        raise InvalidDigitalLink("the GTIN (AI 01) must have 8, 12, 13 or 14 digits")
    if gs1_check_digit(gtin[:-1]) != gtin[-1]:
        raise InvalidDigitalLink("the GTIN's check digit is wrong")
    allowed = list(QUALIFIERS_01)
    qualifiers = []
    for ai, value in pairs:
        while allowed and allowed[0] != ai:
            allowed.pop(0)
        if not allowed:
            known = ai in QUALIFIERS_01
            raise InvalidDigitalLink(
                f"key qualifier {ai} repeated or out of order (22, 10, 21)"
                if known
                else f"AI {ai} is not a key qualifier of a GTIN (22, 10, 21)"
            )
        allowed.pop(0)
        if not _X20.fullmatch(value):
            raise InvalidDigitalLink(f"the value of AI {ai} must be 1–20 characters of GS1's character set 82")
        qualifiers.append((ai, value))
    return DigitalLink(gtin.zfill(14), tuple(qualifiers))


def parse_path(path: str) -> DigitalLink:
    """``/01/<GTIN>[/22/…][/10/…][/21/…]`` (a trailing slash tolerated) → :class:`DigitalLink`."""
    parts = path.strip("/").split("/")
    if len(parts) % 2 or parts[0] != "01":
        raise InvalidDigitalLink("the path must be /01/<GTIN> followed by AI/value pairs")
    pairs = [(ai, unquote(raw)) for ai, raw in zip(parts[2::2], parts[3::2], strict=True)]
    return digital_link(parts[1], pairs)


def link_type(value: str) -> str | None:
    """A requested ``linkType`` as the full URI we use (``gs1:pip`` → ``https://gs1.org/voc/pip``),
    ``"linkset"`` for ``linkset``/``all``, or None when it is no link type at all (empty, malformed)."""
    value = value.strip()
    if value in (LINKSET, "all", "gs1:linkset"):
        return LINKSET
    for prefix in _VOC_PREFIXES:
        if value.startswith(prefix):
            term = value[len(prefix) :]
            return GS1_VOC + term if _TERM.fullmatch(term) else None
    if re.fullmatch(r"https?://[A-Za-z0-9.-]+/[!-~]{0,200}", value):
        return value  # another vocabulary's type: no link of ours has it (404)
    return None


def curie(uri: str) -> str:
    """``https://gs1.org/voc/pip`` → ``gs1:pip`` (for messages)."""
    return "gs1:" + uri[len(GS1_VOC) :] if uri.startswith(GS1_VOC) else uri
