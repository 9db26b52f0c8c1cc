"""Vietnamese labels and formats every page of every service uses: the one place for each.

Labels used by one service only stay in that service (its console or page module). The labels themselves
live in the message catalogue (``ocop_shared.i18n``, ``locales/vi.po``): the dicts below are its Vietnamese
entries, which the consoles show; public pages take other languages from the same catalogue
(``CATALOGUE.translator(lang).labels("group")``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ocop_shared.i18n import CATALOGUE

ROLE_NAMES = CATALOGUE.labels("role")

# The six groups of QĐ 148/QĐ-TTg (24/02/2023), by the codes the API and events use.
GROUP_NAMES = CATALOGUE.labels("group")

CERT_STATUS = CATALOGUE.labels("cert_status")

# The section each service's console pages form (the navigation links to the other services' start pages).
SERVICE_NAMES = CATALOGUE.labels("service")


def vndate(value: Any) -> str:
    """``2026-11-01`` → ``01/11/2026`` (the way dates are written in Vietnam)."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = value.date()
    try:
        return (value if isinstance(value, date) else date.fromisoformat(str(value)[:10])).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def vndatetime(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return dt.strftime("%H:%M %d/%m/%Y")


def vnnumber(value: Any, decimals: int = 0) -> str:
    """``1234567.5`` → ``1.234.567,5`` (dot groups thousands, comma marks decimals)."""
    if value in (None, ""):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def stars(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * max(0, 5 - n)


def days_until(value: Any, today: date | None = None) -> int | None:
    if value in (None, ""):
        return None
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return (d - (today or date.today())).days


__all__ = [
    "CERT_STATUS",
    "GROUP_NAMES",
    "ROLE_NAMES",
    "SERVICE_NAMES",
    "days_until",
    "stars",
    "vndate",
    "vndatetime",
    "vnnumber",
]
