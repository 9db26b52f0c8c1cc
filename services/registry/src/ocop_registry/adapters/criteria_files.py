"""The criteria sheets shipped with the service: ``ocop_registry/criteria/<version>/<group>.yaml`` (or another
folder, ``OCOP_CRITERIA_DIR``), read once at start-up and checked (a broken file stops the service)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ocop_registry.domain.criteria import CriteriaBook, CriteriaSheet

SHIPPED = Path(__file__).resolve().parent.parent / "criteria"


def load_sheets(directory: Path | None = None) -> CriteriaBook:
    base = Path(directory) if directory else SHIPPED
    sheets: dict[tuple[str, str], CriteriaSheet] = {}
    for path in sorted(base.glob("*/*.yaml")):
        sheet = CriteriaSheet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        if (sheet.version, sheet.group) != (path.parent.name, path.stem):
            raise ValueError(f"{path}: holds {sheet.key}, not {path.parent.name}/{path.stem}")
        sheets[(sheet.version, sheet.group)] = sheet
    if not sheets:
        raise ValueError(f"no criteria sheets under {base}")
    return CriteriaBook(sheets)
