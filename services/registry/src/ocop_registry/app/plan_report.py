"""A plan's progress as a report table (columns, rows): what the Excel writer and the printed report take."""

from __future__ import annotations

from typing import Any


def progress_report(result: dict[str, Any]) -> dict[str, Any]:
    plan = result["plan"]
    columns: list[tuple[str, str]] = [("unit", "Đơn vị")]
    for ind in result["indicators"]:
        k, label = ind["key"], ind["label"]
        columns += [
            (f"{k}.target", f"{label}: kế hoạch"),
            (f"{k}.actual", f"{label}: thực hiện"),
            (f"{k}.percent", "Tỷ lệ (%)"),
        ]
    rows = []
    for r in result["rows"]:
        row: dict[str, Any] = {"unit": r["written"] or r["name"]}
        for k, c in r["cells"].items():
            row[f"{k}.target"], row[f"{k}.actual"], row[f"{k}.percent"] = c["target"], c["actual"], c["percent"]
        rows.append(row)
    return {
        "title": f"Tiến độ thực hiện Kế hoạch số {plan['number']} ({plan['issuer']}) — kỳ {result['period']}",
        "columns": columns,
        "rows": rows,
    }
