"""Excel output of reports: the shared writer (``ocop_shared.exports``: text never becomes a formula)."""

from __future__ import annotations

from typing import Any

from ocop_shared.exports import XLSX, table_xlsx


def report_xlsx(report: dict[str, Any]) -> bytes:
    return table_xlsx(report["title"], report["columns"], report["rows"], sheet="Báo cáo")


__all__ = ["XLSX", "report_xlsx"]
