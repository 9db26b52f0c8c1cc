"""JSON Schema export of the v1 event payloads and the backward-compatibility check.

``python -m ocop_shared.events.schemas`` writes ``shared/schemas/v1/<type>.json``; it refuses to
overwrite a committed schema with an incompatible one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ocop_shared.events.envelope import CloudEvent
from ocop_shared.events.models import EVENT_TYPES

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas" / "v1"


def current_schemas() -> dict[str, dict[str, Any]]:
    out = {type_: model.model_json_schema() for type_, (_t, model) in EVENT_TYPES.items()}
    out["cloudevent"] = CloudEvent.model_json_schema()
    return out


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = root.get("$defs", {})[name]
    return schema


def _type_signature(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A comparable summary of a field's type: JSON type(s), format, enum, nested object/array shape."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return ("anyOf", tuple(sorted(repr(_type_signature(s, root)) for s in schema["anyOf"])))
    sig: tuple = (schema.get("type"), schema.get("format"), tuple(schema.get("enum", ())) or None, schema.get("const"))
    if schema.get("type") == "array" and "items" in schema:
        sig += ("items", repr(_type_signature(schema["items"], root)))
    return sig


def incompatibilities(
    old: dict[str, Any], new: dict[str, Any], path: str = "", old_root: dict | None = None, new_root: dict | None = None
) -> list[str]:
    """Breaking differences of ``new`` against ``old`` (a v1 schema already published).

    Breaking: a field removed or renamed, a field's type changed, a new required field.
    """
    old_root = old_root or old
    new_root = new_root or new
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, old_field in old_props.items():
        where = f"{path}.{name}" if path else name
        if name not in new_props:
            problems.append(f"{where}: removed or renamed")
            continue
        new_field = new_props[name]
        if _type_signature(old_field, old_root) != _type_signature(new_field, new_root):
            problems.append(f"{where}: type changed")
            continue
        o, n = _resolve(old_field, old_root), _resolve(new_field, new_root)
        if "properties" in o or "properties" in n:
            problems += incompatibilities(o, n, where, old_root, new_root)
    for name in set(new.get("required", ())) - set(old.get("required", ())):
        problems.append(f"{path + '.' if path else ''}{name}: new required field")
    return problems


def load_committed(directory: Path = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}


def export(directory: Path = SCHEMA_DIR) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    committed = load_committed(directory)
    errors: list[str] = []
    for name, schema in current_schemas().items():
        if name in committed:
            errors += [f"{name}: {p}" for p in incompatibilities(committed[name], schema)]
    if errors:
        return errors
    for name, schema in current_schemas().items():
        (directory / f"{name}.json").write_text(
            json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
        )
    return []


if __name__ == "__main__":
    problems = export()
    for p in problems:
        print("incompatible:", p, file=sys.stderr)
    sys.exit(1 if problems else 0)
