"""Comparing Vietnamese unit names as people write them: with or without diacritics, with the type word
("xã", "huyện", "tỉnh") spelled out or abbreviated ("X.", "H.", "TP", "TT"), tone marks placed either way
("Hoà"/"Hòa"), numbered wards ("P.01", "F1", "Phường 1"). Pure functions, standard library only."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # grave, acute, tilde, hook above, dot below
# Type words at the start of a name, longest first; each with its short form (a tie-breaker, see ``variants``).
_TYPES = (
    ("thành phố", "tp"),
    ("thanh pho", "tp"),
    ("thị trấn", "tt"),
    ("thi tran", "tt"),
    ("thị xã", "tx"),
    ("thi xa", "tx"),
    ("đặc khu", "dk"),
    ("dac khu", "dk"),
    ("phường", "p"),
    ("phuong", "p"),
    ("huyện", "h"),
    ("huyen", "h"),
    ("quận", "q"),
    ("quan", "q"),
    ("tỉnh", "t"),
    ("tinh", "t"),
    ("xã", "x"),
    ("xa", "x"),
    ("tp", "tp"),
    ("tt", "tt"),
    ("tx", "tx"),
    ("p", "p"),
    ("q", "q"),
    ("h", "h"),
    ("x", "x"),
    ("t", "t"),
)
_TYPE_RE = re.compile(
    r"^\s*(" + "|".join(re.escape(t) for t, _ in _TYPES) + r")(?:\.\s*|\s+)", re.IGNORECASE | re.UNICODE
)
_SHORT = dict(_TYPES)
_NUMBERED = re.compile(r"^\s*(phường|phuong|p|f|quận|quan|q)\.?\s*0*(\d+)\s*$", re.IGNORECASE)


def nfc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d, punctuation as spaces, single spaces: 'Xã Bằng Phúc' → 'xa bang phuc'."""
    text = unicodedata.normalize("NFD", text.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@lru_cache(maxsize=1 << 16)
def squash(text: str) -> str:
    """``fold`` without spaces: the form vietnamadminunits keys its data by ('xabangphuc')."""
    return fold(text).replace(" ", "")


@lru_cache(maxsize=1 << 16)
def tone_key(text: str) -> str:
    """Keeps every letter and diacritic but not where a tone mark sits: 'Hoà' == 'Hòa', 'Thuỷ' == 'Thủy'."""
    text = text.replace("–", "-").replace("’", "'").replace("\u00a0", " ")
    words = []
    for word in unicodedata.normalize("NFD", text.casefold()).split():
        words.append("".join(c for c in word if c not in _TONES) + "".join(c for c in word if c in _TONES))
    return unicodedata.normalize("NFC", " ".join(words))


@lru_cache(maxsize=1 << 16)
def variants(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The forms of a written name to look up, in order, and its type word's short form if it has one:
    'Thị trấn Chợ Rã' → ('tt', ['Thị trấn Chợ Rã', 'Chợ Rã']); 'Xa Dung' → ('x', ['Xa Dung', 'Dung']) (a real
    full name is tried first); 'P.01' or 'F1' → ('p', ['Phường 1'])."""
    raw = nfc(text)
    if m := _NUMBERED.match(raw):
        kind = "Quận" if m.group(1).lower().startswith("q") else "Phường"
        return kind[0].lower(), (f"{kind} {int(m.group(2))}",)
    m = _TYPE_RE.match(raw)
    if not m:
        return None, (raw,)
    rest = re.sub(r"^0+(\d)", r"\1", raw[m.end() :].strip())
    return _SHORT.get(m.group(1).lower()), (raw, rest) if rest else (raw,)


def bare(text: str) -> str:
    """The name without its type word: 'Huyện Chợ Đồn' → 'Chợ Đồn'."""
    return variants(text)[1][-1]


def type_hint(official_type: str | None) -> str | None:
    """The short form of an official type word ('Thị trấn' → 'tt')."""
    return _SHORT.get((official_type or "").lower())


def closest(query: str, names: Iterable[str], *, n: int = 3, cutoff: float = 0.6, spread: float = 0.15) -> list[str]:
    """The names closest to ``query`` ignoring diacritics and type words, best first: at most ``n``, each at
    least ``cutoff`` alike and no more than ``spread`` below the best ('Bang Phuk' → ['Bằng Phúc'])."""
    by_fold: dict[str, str] = {}
    for name in names:
        by_fold.setdefault(_folded_bare(name), name)
    matcher = difflib.SequenceMatcher(None, b=_folded_bare(query))  # the query's index is built once
    scored = []
    for key in by_fold:
        matcher.set_seq1(key)
        # the quick ratios bound the ratio from above: a name they put under the cutoff is never shown
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            scored.append((matcher.ratio(), key))
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[0][0] if scored else 0.0
    return [by_fold[key] for score, key in scored[:n] if score >= cutoff and score >= best - spread]


@lru_cache(maxsize=1 << 16)
def _folded_bare(name: str) -> str:
    return fold(bare(name))
