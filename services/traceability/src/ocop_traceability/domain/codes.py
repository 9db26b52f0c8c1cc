"""Codes: growing-area codes (mã số vùng trồng) and stamp serials.

Serials: 80 random bits written as 16 Crockford base-32 characters plus one Luhn mod-32 check
character. The check character makes every single-character change (and every swap of two adjacent
different characters) an invalid serial, so a mistyped code is "unknown", never another real stamp.
Only ``0-9A-Z`` (no I, L, O, U) are used, so stamp URLs fit the QR alphanumeric mode and stay small.
"""

from __future__ import annotations

import re
import secrets

from ocop_shared.errors import DomainError

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(CROCKFORD)}
SERIAL_BODY = 16  # 16 × 5 bits = 80 bits of randomness
SERIAL_LENGTH = SERIAL_BODY + 1

# Default growing-area code schemes (configurable): the domestic form VN- plus 2–5 alphanumeric
# segments (country, province, district, commune, sequence) and the export form, e.g. VN-BGOR-0104.
DEFAULT_AREA_SCHEMES = {
    "domestic": r"^VN(-[A-Z0-9]{1,12}){2,5}$",
    "export": r"^VN-[A-Z]{2,4}OR-\d{3,5}$",
}
PACKING_HOUSE_SCHEMES = {"packing_house": r"^VN(-[A-Z0-9]{1,12}){2,5}$"}


class InvalidCode(DomainError, code="invalid_code"): ...


def normalize_area_code(code: str, schemes: dict[str, str]) -> tuple[str, str]:
    """Upper-cased code and the name of the scheme it matches. Codes are never checked against today's
    administrative units: a unit renamed or merged after the code was issued does not invalidate it."""
    normalized = code.strip().upper()
    for name, pattern in schemes.items():
        if re.fullmatch(pattern, normalized):
            return normalized, name
    raise InvalidCode(message=f"Mã '{code}' không đúng định dạng ({'; '.join(schemes.values())})")


def luhn32_check(body: str) -> str:
    """Luhn mod N check character (N = 32) over Crockford base-32 characters."""
    factor, total = 2, 0
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return CROCKFORD[(32 - total % 32) % 32]


def new_serial() -> str:
    body = "".join(CROCKFORD[b] for b in _random_symbols(SERIAL_BODY))
    return body + luhn32_check(body)


_PAIRS = [CROCKFORD[i >> 5] + CROCKFORD[i & 31] for i in range(1024)]  # two characters from 10 random bits
# Luhn sums of such a pair in a 16-character body: the left character (even index) counts once, the right one
# doubled (its digits in base 32 added), as luhn32_check does from the right.
_PAIR_SUM = [(i >> 5) + (2 * (i & 31)) // 32 + (2 * (i & 31)) % 32 for i in range(1024)]


def new_serials(n: int) -> list[str]:
    """``n`` fresh serials, as :func:`new_serial` makes them (80 bits from ``secrets``, check character), in
    bulk: two characters and their Luhn sum per table lookup."""
    raw = secrets.token_bytes(10 * n)
    out = []
    pairs, sums, check = _PAIRS, _PAIR_SUM, CROCKFORD
    for i in range(0, 10 * n, 10):
        v = int.from_bytes(raw[i : i + 10], "big")
        p = [v >> s & 1023 for s in (70, 60, 50, 40, 30, 20, 10, 0)]
        total = sums[p[0]] + sums[p[1]] + sums[p[2]] + sums[p[3]] + sums[p[4]] + sums[p[5]] + sums[p[6]] + sums[p[7]]
        out.append("".join([pairs[x] for x in p]) + check[-total % 32])
    return out


def _random_symbols(n: int) -> list[int]:
    value = secrets.randbits(5 * n)
    return [(value >> (5 * i)) & 31 for i in range(n)]


_SEPARATORS = re.compile(r"[\s\-.]")
_LOOK_ALIKES = str.maketrans("OIL", "011")
_SYMBOLS = frozenset(CROCKFORD)


def normalize_serial(text: str) -> str | None:
    """A typed or scanned serial, canonical (upper case, O→0, I/L→1, separators dropped), or None if it
    cannot be a valid serial (wrong length, alphabet or check character)."""
    cleaned = _SEPARATORS.sub("", text or "").upper().translate(_LOOK_ALIKES)
    if len(cleaned) != SERIAL_LENGTH or not _SYMBOLS.issuperset(cleaned):
        return None
    return cleaned if luhn32_check(cleaned[:-1]) == cleaned[-1] else None


def display_serial(serial: str) -> str:
    """Grouped for people to read and type: XXXX-XXXX-XXXX-XXXX-X."""
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))


LOT_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,19}$"


def normalize_lot(lot: str) -> str:
    normalized = lot.strip().upper()
    if not re.fullmatch(LOT_PATTERN, normalized):
        raise InvalidCode("invalid_lot", f"Mã lô '{lot}' chỉ gồm chữ, số và dấu '-', tối đa 20 ký tự")
    return normalized
