"""The identifiers our EPCIS events carry, and how any identifier is compared.

GS1 keys are written as **canonical GS1 Digital Link URIs on ``https://id.gs1.org``** — lower case,
GTIN padded to 14 digits, an instance as ``/01/<GTIN>/21/<serial>`` (the lot is not part of an SGTIN), a lot
as ``/01/<GTIN>/10/<lot>``, a location with a GLN as ``/414/<GLN>`` (the Digital Link form of an SGLN: we
cannot write the ``urn:epc:id:sgln`` URN without the company-prefix length, which we do not store). That
host is GS1's own resolver: it never moves with our deployment, it is the form the event hash normalises
every key to (so ``eventID`` does not depend on how a QR code was printed: upper-case ``HTTPS://HOST/…``,
or the lower-case stamps of later releases), and it is what other EPCIS repositories match on.

What has no GS1 key gets a stable URI of ours under ``Minting.base`` (``OCOP_EPCIS_BASE_URL``): stamps of
products without a GTIN (``<base>/S/<serial>``), lots of such products, growing areas and packing houses
without a GLN, OCOP certificates, batches, stamp runs, and the ``ocop:`` extension namespace. Each such URI
is part of the hash of every event that carries it: set the base once and keep it.

``Minting.key`` is the one comparison of identifiers (queries, ownership, joining a batch's trail): a
URI with its scheme and host lower-cased, then the GS1 normaliser (EPC URNs and Digital Links on any host
become the same canonical URI), and our ``/S/<serial>`` stamps on any host become ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import quote, unquote

from ocop_traceability.domain.codes import normalize_serial
from ocop_traceability.domain.epcis._dl_normaliser import normaliser

GS1 = "https://id.gs1.org"
_SCHEME_HOST = re.compile(r"^(https?)://([^/?#]*)(.*)$", re.IGNORECASE)
_SHORT_STAMP = re.compile(r"^https?://[^/?#]+/s/([0-9A-Za-z-]{17,21})/?$", re.IGNORECASE)
_DL = re.compile(r"^https://id\.gs1\.org/(01|414|00)/(\d+)(?:/(10|21|254)/([^/?#]+))?$")

PlaceKind = Literal["growing-area", "packing-house"]


@lru_cache(maxsize=65_536)
def normalised(uri: str) -> str | None:
    """The reference normaliser's canonical Digital Link of a GS1 key (None: not one), remembered: events
    repeat their lots, places and classes, and the hash asks for every value."""
    try:
        return normaliser(uri)
    except Exception:  # noqa: BLE001 - a value the normaliser cannot take is simply not a GS1 key
        return None


def lower_scheme_host(uri: str) -> str:
    """``HTTPS://TEM.EXAMPLE.VN/01/…`` → ``https://tem.example.vn/01/…`` (RFC 3986: both are
    case-insensitive); anything that is not an http(s) URI is kept as it is."""
    m = _SCHEME_HOST.match(uri)
    return f"{m[1].lower()}://{m[2].lower()}{m[3]}" if m else uri


def gtin14(gtin: str) -> str:
    return gtin.strip().zfill(14)


def check_digit_ok(digits: str) -> bool:
    """The GS1 mod-10 check digit of a GTIN, GLN or SSCC."""
    if not digits.isdigit() or len(digits) < 8:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


@dataclass(frozen=True)
class Ref:
    """What an identifier designates in our records (or nothing we know: ``kind == "foreign"``)."""

    kind: Literal["stamp", "lot", "gtin", "class", "place", "gln", "batch", "foreign"]
    serial: str | None = None
    gtin: str | None = None
    lot: str | None = None
    product_id: str | None = None
    place: PlaceKind | None = None
    code: str | None = None
    gln: str | None = None
    batch_id: str | None = None


@dataclass(frozen=True)
class Minting:
    """The URIs we mint, under ``base`` (scheme and host lower case, no trailing slash)."""

    base: str

    @classmethod
    def of(cls, base_url: str) -> Minting:
        return cls(lower_scheme_host(base_url.strip().rstrip("/")))

    @property
    def namespace(self) -> str:
        """The ``ocop:`` prefix of our extension fields (ends in ``/``, as JSON-LD prefixes should)."""
        return f"{self.base}/epcis/ns/"

    @property
    def processing_step(self) -> str:
        """Our business step for sơ chế / chế biến (CBV 2.0 has none): an extension URI."""
        return f"{self.namespace}bizstep/processing"

    def stamp(self, serial: str, gtin: str | None) -> str:
        return f"{GS1}/01/{gtin14(gtin)}/21/{serial}" if gtin else f"{self.base}/S/{serial}"

    def lot_class(self, product_id: str, lot: str, gtin: str | None) -> str:
        if gtin:
            return f"{GS1}/01/{gtin14(gtin)}/10/{quote(lot, safe='')}"
        return f"{self.base}/epcis/class/{quote(product_id, safe='')}/{quote(lot, safe='')}"

    def place(self, kind: PlaceKind, code: str, gln: str | None = None) -> str:
        return f"{GS1}/414/{gln}" if gln else f"{self.base}/epcis/loc/{kind}/{quote(code, safe='')}"

    def certificate(self, certificate_id: str) -> str:
        return f"{self.base}/epcis/cert/ocop/{quote(certificate_id, safe='')}"

    def area_certificate(self, scheme: str, number: str) -> str:
        return f"{self.base}/epcis/cert/{quote(scheme.lower(), safe='')}/{quote(number, safe='')}"

    def batch(self, batch_id: str) -> str:
        return f"{self.base}/epcis/batch/{quote(batch_id, safe='')}"

    def stamp_run(self, run_id: str) -> str:
        return f"{self.base}/epcis/stamp-run/{quote(run_id, safe='')}"

    # -- comparing and resolving ------------------------------------------------------------------
    def key(self, uri: str) -> str:
        """The form two identifiers are compared in (see the module docstring)."""
        uri = uri.strip()
        short = _SHORT_STAMP.match(uri)
        if short:
            serial = normalize_serial(short[1])
            if serial:
                return f"{self.base}/S/{serial}"
        lowered = lower_scheme_host(uri)
        return normalised(lowered) or lowered

    def resolve(self, key: str) -> Ref:
        """What a key (``self.key(uri)``) designates in our records, as far as its form tells."""
        m = _DL.match(key)
        if m:
            primary, value, qualifier, extra = m[1], m[2], m[3], unquote(m[4]) if m[4] else None
            if primary == "01" and qualifier == "21" and extra:
                serial = normalize_serial(extra)
                return Ref("stamp", serial=serial, gtin=value) if serial == extra else Ref("gtin", gtin=value)
            if primary == "01" and qualifier == "10" and extra:
                return Ref("lot", gtin=value, lot=extra.upper())
            if primary == "01":
                return Ref("gtin", gtin=value)
            if primary == "414" and qualifier is None:
                return Ref("gln", gln=value)
            return Ref("foreign")
        if not key.startswith(self.base + "/"):
            return Ref("foreign")
        parts = [unquote(p) for p in key[len(self.base) + 1 :].split("/")]
        if len(parts) == 2 and parts[0] == "S" and normalize_serial(parts[1]) == parts[1]:
            return Ref("stamp", serial=parts[1])
        if len(parts) == 4 and parts[:2] == ["epcis", "class"]:
            return Ref("class", product_id=parts[2], lot=parts[3].upper())
        if len(parts) == 4 and parts[:2] == ["epcis", "loc"] and parts[2] in ("growing-area", "packing-house"):
            kind: PlaceKind = "growing-area" if parts[2] == "growing-area" else "packing-house"
            return Ref("place", place=kind, code=parts[3].upper())
        if len(parts) == 3 and parts[:2] == ["epcis", "batch"]:
            return Ref("batch", batch_id=parts[2])
        return Ref("foreign")


@dataclass(frozen=True)
class EpcisConfig:
    """What the use cases need to mint events: the URIs, and above how many stamps one change is recorded
    as a quantity of the lot rather than a list of stamps (``OCOP_EPCIS_MAX_STAMPS_LISTED``)."""

    minting: Minting
    stamps_listed: int = 10_000

    @classmethod
    def default(cls) -> EpcisConfig:
        return cls(Minting.of("http://127.0.0.1:8002"))
