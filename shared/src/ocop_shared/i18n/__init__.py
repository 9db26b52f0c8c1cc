"""The message catalogue: every user-facing text that exists in more than one language, one file per language.

``locales/<lang>.po`` are gettext PO files keyed by message id (``scan.verdict.genuine.title``, ``group.food``):
``vi.po`` is the source language and the default, ``en.po`` the English translation. They are read with
Babel's PO reader once, when this module is imported (service start-up); nothing is compiled, at build or at
run time. A further language is one more file (copy ``en.po``, translate the ``msgstr`` lines, restart): it is
offered as soon as it is there. A message missing from a language falls back to Vietnamese. Placeholders are
``str.format`` fields (``{count}``); a test checks that every language has every message with the same fields.

Used by the traceability scan page, its verify JSON and GS1 linkset, and by ``ocop_shared.vocabulary`` (the
Vietnamese labels of the consoles), so the registry's public portal reads the same catalogue the same way:
``t = CATALOGUE.choose(request.headers.get("accept-language"), request.query_params.get("lang"))``, then
``t("group.food")``, ``t.date(value)``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "vi"
_RANGE = re.compile(r"\s*([A-Za-z]{1,8}|\*)(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*")
# Dates as each language writes them (Babel/CLDR patterns); Vietnamese keeps the console's dd/mm/yyyy.
_DATE = {"vi": "dd/MM/y", "en": "d MMM y"}
_DATETIME = {"vi": "HH:mm dd/MM/y", "en": "d MMM y, HH:mm"}


class Translator:
    """The catalogue in one language: ``t("key", **fields)``, plus its dates."""

    def __init__(self, catalogue: Catalogue, lang: str) -> None:
        self.catalogue, self.lang = catalogue, lang
        self.messages = catalogue.messages[lang]
        self.fallback = catalogue.messages[DEFAULT_LANGUAGE]

    def __call__(self, key: str, **fields: Any) -> str:
        text = self.messages.get(key) or self.fallback.get(key) or key
        return text.format(**fields) if fields else text

    def labels(self, prefix: str) -> dict[str, str]:
        """``{name: text}`` of the messages ``<prefix>.<name>``, in the catalogue's order."""
        return self.catalogue.labels(prefix, self.lang)

    def date(self, value: Any) -> str:
        """``2026-11-01`` → ``01/11/2026`` (vi), ``1 Nov 2026`` (en); unreadable values as they are."""
        if value in (None, ""):
            return ""
        try:
            d = value.date() if isinstance(value, datetime) else value
            d = d if isinstance(d, date) else date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return format_date(d, _DATE.get(self.lang, "medium"), locale=self.lang)

    def datetime(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        return format_datetime(dt, _DATETIME.get(self.lang, "medium"), locale=self.lang)


class Catalogue:
    def __init__(self, directory: Path = LOCALES) -> None:
        self.messages: dict[str, dict[str, str]] = {}
        self.order: list[str] = []  # message ids in the source file's order
        for path in sorted(directory.glob("*.po")):
            with path.open("rb") as f:
                po = read_po(f, locale=path.stem)
            self.messages[path.stem] = {
                m.id: m.string
                for m in po
                if isinstance(m.id, str) and isinstance(m.string, str) and m.id and m.string and not m.fuzzy
            }  # plural entries (tuples) are not used yet
        if DEFAULT_LANGUAGE not in self.messages:
            raise RuntimeError(f"no {DEFAULT_LANGUAGE}.po in {directory}")
        self.order = list(self.messages[DEFAULT_LANGUAGE])
        self.languages = (DEFAULT_LANGUAGE, *sorted(set(self.messages) - {DEFAULT_LANGUAGE}))
        self._translators = {lang: Translator(self, lang) for lang in self.languages}
        self._negotiated: OrderedDict[str, str] = OrderedDict()

    def translator(self, lang: str | None = None) -> Translator:
        return self._translators.get(lang or DEFAULT_LANGUAGE) or self._translators[DEFAULT_LANGUAGE]

    def labels(self, prefix: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
        t = self.translator(lang)
        start = prefix + "."
        return {key[len(start) :]: t(key) for key in self.order if key.startswith(start)}

    def negotiate(self, accept_language: str | None) -> str:
        """The language to answer in for an ``Accept-Language`` header (RFC 9110: ranges with q-values,
        primary subtags compared; ``*`` and anything unknown → Vietnamese). Results are cached per header
        value (phones send a handful of distinct ones)."""
        header = (accept_language or "")[:200]
        hit = self._negotiated.get(header)
        if hit is not None:
            return hit
        ranked: list[tuple[float, int, str]] = []
        for i, part in enumerate(header.split(",")[:20]):
            m = _RANGE.fullmatch(part)
            if not m:
                continue
            try:
                q = float(m.group(2)) if m.group(2) is not None else 1.0
            except ValueError:
                continue
            if q > 0:
                ranked.append((-q, i, m.group(1).lower()))
        lang = next((tag for _q, _i, tag in sorted(ranked) if tag in self.messages), DEFAULT_LANGUAGE)
        self._negotiated[header] = lang
        while len(self._negotiated) > 1000:
            self._negotiated.popitem(last=False)
        return lang

    def choose(self, accept_language: str | None, requested: str | None = None) -> Translator:
        """The translator for a request: an explicit choice (a page's language switch, ``?lang=en``) if the
        catalogue has it, else the ``Accept-Language`` header."""
        if requested and requested in self.messages:
            return self._translators[requested]
        return self._translators[self.negotiate(accept_language)]


CATALOGUE = Catalogue()

__all__ = ["CATALOGUE", "DEFAULT_LANGUAGE", "LOCALES", "Catalogue", "Translator"]
