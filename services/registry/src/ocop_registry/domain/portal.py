"""The public portal's catalogue (danh mục sản phẩm OCOP): pure selection over the certified products.

A province holds hundreds to a few thousand OCOP products, so the portal keeps the whole catalogue in memory
(rebuilt from the database when an event changes it) and filters, searches and counts here, without I/O.
Search ignores case and Vietnamese diacritics: "che shan tuyet" finds "Chè Shan tuyết".
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism")  # QĐ 148/QĐ-TTg, in its order
STARS = (5, 4, 3)
PAGE_SIZE = 24


def fold(text: str | None) -> str:
    """Lower case without diacritics (đ → d) and with single spaces: the form search compares."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class Unit:
    """An administrative unit as the producer's record holds it (GSO code when known, and its name)."""

    code: str | None
    name: str

    @property
    def key(self) -> str:
        """What the portal's filters carry: the code, or the name for a unit recorded without one."""
        return self.code or self.name


@dataclass(frozen=True)
class Entry:
    """One certified product as the public sees it: no tax code, phone, address or representative."""

    product_id: str
    name: str
    group: str
    description: str
    unit: str | None
    price_vnd: int | None
    images: tuple[str, ...]
    gtin: str | None
    stars: int
    certificate_id: str
    decision_no: str
    issued_on: str  # ISO dates
    valid_until: str
    producer_id: str
    producer_name: str
    province: Unit
    commune: Unit | None
    sub_group: str | None = None
    quality: tuple[str, ...] = ()  # VietGAP, HACCP… (schemes only)
    search: str = field(default="", compare=False)

    @classmethod
    def of(cls, **fields: Any) -> Entry:
        entry = cls(**fields)
        words = (entry.name, entry.producer_name, entry.description, entry.province.name, (entry.commune or _NO).name)
        object.__setattr__(entry, "search", fold(" ".join(words)))
        return entry


_NO = Unit(None, "")


@dataclass(frozen=True)
class Filters:
    """The catalogue's filters as the query string gives them (``nhom``, ``sao``, ``tinh``, ``xa``, ``q``)."""

    group: str | None = None
    stars: int | None = None
    province: str | None = None
    commune: str | None = None
    text: str = ""
    page: int = 1

    def matches(self, e: Entry, words: list[str]) -> bool:
        return (
            (self.group is None or e.group == self.group)
            and (self.stars is None or e.stars == self.stars)
            and (self.province is None or e.province.key == self.province)
            and (self.commune is None or (e.commune is not None and e.commune.key == self.commune))
            and all(w in e.search for w in words)
        )


@dataclass(frozen=True)
class Selection:
    entries: list[Entry]  # this page's
    total: int
    page: int
    pages: int


def newest_first(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.issued_on, e.product_id), reverse=True)


def select(entries: list[Entry], filters: Filters, page_size: int = PAGE_SIZE) -> Selection:
    """The products matching every filter, highest stars first then by name, one page of them."""
    words = fold(filters.text).split()
    found = [e for e in entries if filters.matches(e, words)]
    found.sort(key=lambda e: (-e.stars, fold(e.name), e.product_id))
    pages = max(1, -(-len(found) // page_size))
    page = min(max(1, filters.page), pages)
    return Selection(found[(page - 1) * page_size : page * page_size], len(found), page, pages)


def counts(entries: list[Entry]) -> tuple[dict[str, int], dict[int, int]]:
    """Products by group (every group, in QĐ 148's order) and by stars (5, 4, 3)."""
    by_group, by_stars = Counter(e.group for e in entries), Counter(e.stars for e in entries)
    return {g: by_group.get(g, 0) for g in GROUPS}, {s: by_stars.get(s, 0) for s in STARS}


def units(entries: list[Entry], province: str | None = None) -> tuple[list[Unit], list[Unit]]:
    """The provinces of the catalogue, and the communes of ``province`` (the filters offer only what exists)."""
    provinces = {e.province.key: e.province for e in entries}
    communes = {e.commune.key: e.commune for e in entries if e.commune and e.province.key == province}
    by_name = lambda u: fold(u.name)  # noqa: E731
    return sorted(provinces.values(), key=by_name), sorted(communes.values(), key=by_name)
