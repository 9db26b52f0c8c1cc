"""The refusals of address checking (422): a unit not found, with the closest names, and a unit that stands
for several (an old commune split between new ones, or one name in several districts), with the choices.

``details`` is a list of ``{level, given, suggestions | candidates, ...}`` so a client can offer the choice."""

from __future__ import annotations

from typing import Any

from ocop_shared.errors import DomainError

LEVELS = {"province": "tỉnh/thành phố", "district": "huyện/quận/thị xã", "commune": "xã/phường/thị trấn"}


class UnknownUnit(DomainError, code="unknown_admin_unit"):
    """A unit not in the list it was looked up in (today's, or the one before 07/2025)."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message=message, details=details)


class AmbiguousUnit(DomainError, code="ambiguous_admin_unit"):
    """A unit that stands for several: the caller chooses (``current_commune``, or the district)."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message=message, details=details)


def not_found(level: str, given: str, where: str, suggestions: list[dict[str, Any]]) -> UnknownUnit:
    """'Không tìm thấy xã/phường/thị trấn 'Bang Phuk' thuộc Tỉnh Bắc Kạn. Có phải: Xã Bằng Phúc (Huyện Chợ Đồn)?'"""
    hint = ""
    if suggestions:
        hint = " Có phải: " + ", ".join(_label(s) for s in suggestions) + "?"
    return UnknownUnit(
        f"Không tìm thấy {LEVELS[level]} '{given}'{f' thuộc {where}' if where else ''}.{hint}",
        [{"level": level, "given": given, "suggestions": suggestions}],
    )


def _label(s: dict[str, Any]) -> str:
    inside = ", ".join(x for x in (s.get("district"), s.get("province")) if x)
    when = " — trước 07/2025" if s.get("scheme") == "legacy" else ""
    return f"{s['name']}{f' ({inside}{when})' if inside else (f' ({when[3:]})' if when else '')}"
