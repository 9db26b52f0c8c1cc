"""Text a person types (names, free text): one rule for every service, declared once as a value type.

``Name = Annotated[str, Text(min_length=2, max_length=300)]`` is a pydantic type: API bodies, console forms, imports and
entities use it, and the OpenAPI documents carry its exact schema (``maxLength``, ``minLength`` and one
``pattern``), so a generator that follows the schema is never refused and what the schema refuses the API
refuses. What it does, in this order:

1. **Refused** (422, the position and code point named): control characters (C0 and C1; free text keeps tab,
   line feed and carriage return), and the bidirectional embeddings, overrides and isolates U+202A–U+202E and
   U+2066–U+2069, which reorder what is shown (a name could be made to display as another on the scan page
   and in officials' lists). In a name also U+2028/U+2029 (line and paragraph separators). Longer than
   ``max_length`` characters as sent: refused.
2. **Stripped**: zero-width and other invisible format characters (U+200B–U+200F, U+2060–U+2064, U+FEFF, U+00AD,
   U+061C, U+180E and the tag characters U+E0000–U+E007F). They are invisible, so a person cannot see or
   remove them, and they arrive by accident when text is pasted from Word, web pages or chat apps: refusing
   would show an error about something nobody can see. Stripping keeps what the person sees and removes their
   only risk, two names that look the same but differ. (ZWJ/ZWNJ shape some scripts and emoji sequences;
   Vietnamese and the Latin orthographies of Vietnam's minority languages do not use them.)
3. **Unicode NFC**, so "ế" typed as e + ◌̂ + ◌́ (some keyboards and macOS do this) is the same name as "ế".
4. **At most 4 combining marks after each character** (categories Mn, Me): Vietnamese needs at most 2 even
   decomposed, other scripts stack up to 3–4; "Zalgo" text stacks hundreds, which spill over neighbouring
   lines. The marks past the fourth are dropped (nobody types them by accident, and the text stays readable),
   like NFC a normalisation, so the schema need not mention it.
5. Surrounding white space trimmed; in a name (one line) every run of white space becomes one space; free
   text keeps its lines, with ``\\r\\n`` and ``\\r`` as ``\\n``.
6. Shorter than ``min_length`` characters (what remains after 2–5): refused.

Reads of stored data skip all this (:data:`ocop_shared.validation.TRUSTED`); ``repair`` is what a migration
applies to a stored value that breaks the rule (refused characters removed instead of refused).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from ocop_shared.validation import trusted

MAX_COMBINING_MARKS = 4

_C0_C1 = [(0x00, 0x1F), (0x7F, 0x9F)]
_BIDI = [(0x202A, 0x202E), (0x2066, 0x2069)]
_LINE_SEPARATORS = [(0x2028, 0x2029)]
_KEPT_IN_FREE_TEXT = {0x09, 0x0A, 0x0D}
INVISIBLE = [
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2060, 0x2064),
    (0xFEFF, 0xFEFF),
    (0xE0000, 0xE007F),
]


def _set(ranges: list[tuple[int, int]]) -> frozenset[str]:
    return frozenset(chr(c) for a, b in ranges for c in range(a, b + 1))


def _forbidden(multiline: bool) -> frozenset[str]:
    chars = _set(_C0_C1 + _BIDI)
    if multiline:
        return chars - {chr(c) for c in _KEPT_IN_FREE_TEXT}
    return chars | _set(_LINE_SEPARATORS)


_FORBIDDEN = {False: _forbidden(False), True: _forbidden(True)}
_INVISIBLE = _set(INVISIBLE)
_INVISIBLE_RE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in INVISIBLE) + "]")
# str.strip() / str.split() white space, minus what a mode refuses anyway
_WHITESPACE = {m: frozenset(c for c in map(chr, range(0x3001)) if c.isspace()) - _FORBIDDEN[m] for m in (False, True)}


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me")


def _trim_marks(text: str) -> str:
    """At most MAX_COMBINING_MARKS combining marks after each character (and at the start)."""
    out, run = [], 0
    for ch in text:
        if _is_mark(ch):
            run += 1
            if run > MAX_COMBINING_MARKS:
                continue
        else:
            run = 0
        out.append(ch)
    return "".join(out)


def _class(chars: frozenset[str], *, negate: bool = False) -> str:
    """A regex character class naming ``chars`` by ranges: escapes below U+00A0, literal characters above
    (the form Python's ``re``, ECMA 262 and Rust's regex read alike)."""
    codes = sorted(ord(c) for c in chars)
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = codes[i], codes[j]
        parts.append(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}")
        i = j + 1
    return ("[^" if negate else "[") + "".join(parts) + "]"


def _char(code: int) -> str:
    return (
        f"\\x{code:02x}" if code < 0xA0 or chr(code) in "\\]^-[" else f"\\u{code:04x}" if code <= 0xFFFF else chr(code)
    )


@dataclass(frozen=True)
class Text:
    """The rule of one kind of text: bounds in characters, one line (a name) or several (free text)."""

    min_length: int = 1
    max_length: int = 300
    multiline: bool = False

    def __post_init__(self) -> None:
        # the schema's pattern counts the visible characters exactly for minimums up to 3 (see ``pattern``)
        assert 0 <= self.min_length <= 3 and self.min_length <= self.max_length

    # -- the rule ----------------------------------------------------------------------------------------

    def clean(self, value: str) -> str:
        """``value`` made canonical, or PydanticCustomError naming what is refused."""
        if len(value) > self.max_length:
            raise _refused("text_too_long", f"Tối đa {self.max_length} ký tự (nhận {len(value)})")
        forbidden = _FORBIDDEN[self.multiline]
        for position, ch in enumerate(value, start=1):
            if ch in forbidden:
                kind = "ký tự đổi chiều hiển thị" if 0x2020 < ord(ch) < 0x2070 else "ký tự điều khiển"
                raise _refused(
                    "text_forbidden_character",
                    f"Không nhận {kind} U+{ord(ch):04X} (vị trí {position})",
                    {"position": position, "character": f"U+{ord(ch):04X}"},
                )
        text = self._normalize(value)
        if len(text) < self.min_length:
            raise _refused("text_too_short", f"Cần ít nhất {self.min_length} ký tự")
        if len(text) > self.max_length:  # NFC lengthens a few compatibility characters (U+FB2C: 3)
            raise _refused("text_too_long", f"Tối đa {self.max_length} ký tự sau khi chuẩn hoá Unicode")
        return text

    def _normalize(self, value: str) -> str:
        text = _INVISIBLE_RE.sub("", value) if any(ch in _INVISIBLE for ch in value) else value
        text = unicodedata.normalize("NFC", _trim_marks(unicodedata.normalize("NFC", text)))
        if self.multiline:
            return text.replace("\r\n", "\n").replace("\r", "\n").strip()
        return " ".join(text.split())

    def repair(self, value: str) -> str:
        """What a migration stores instead of a value that breaks the rule: refused characters dropped, the
        rest normalised, cut to ``max_length``. (May still be too short: the caller decides what then.)"""
        forbidden = _FORBIDDEN[self.multiline]
        return self._normalize("".join(ch for ch in value if ch not in forbidden))[: self.max_length]

    def accepts(self, value: str) -> bool:
        try:
            self.clean(value)
        except PydanticCustomError:
            return False
        return True

    # -- the schema --------------------------------------------------------------------------------------

    @property
    def pattern(self) -> str:
        """The accepted strings as one regex (with ``maxLength``): no refused character, and at least
        ``min_length`` characters once invisible characters are removed and the ends trimmed."""
        f = _FORBIDDEN[self.multiline]
        allowed = _class(f, negate=True)
        visible = _class(f | _WHITESPACE[self.multiline] | _INVISIBLE, negate=True)
        invisible = _class(_INVISIBLE)
        not_invisible = _class(f | _INVISIBLE, negate=True)
        if self.min_length == 0:
            core = ""
        elif self.min_length == 1:
            core = visible
        else:
            middle = f"(?:{invisible}*{not_invisible})" * (self.min_length - 2)
            core = f"{visible}{middle}{allowed}*{visible}"
        return f"^{allowed}*{core}{allowed}*$"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(
            self._validate, core_schema.str_schema(strip_whitespace=False)
        )

    def _validate(self, value: str, info: ValidationInfo) -> str:
        return value if trusted(info) else self.clean(value)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(minLength=self.min_length, maxLength=self.max_length, pattern=self.pattern)
        json_schema["x-ocop-text"] = "free text" if self.multiline else "name"
        return json_schema


def _refused(kind: str, message: str, context: dict[str, Any] | None = None) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


def clean_search(value: str | None) -> str:
    """A search box's text: never refused (a search harms nothing), made comparable with stored names."""
    return Text(0, 10_000).repair(value or "")
