"""Independent checks of EPCIS output, from GS1's files vendored here (not the service's copies):

- ``epcis_errors(doc)``: GS1's EPCIS JSON Schema with ``jsonschema`` (not the service's jsonschema-rs), with
  format checking — which ``jsonschema`` does only when ``rfc3986-validator`` and ``rfc3339-validator`` are
  installed, so this module refuses to load without them;
- ``component_errors(name, body)``: a component schema of GS1's openapi.yaml (CaptureJob, the collections,
  the problem body), its remote ``JSON-Schema-Stub.json`` references pointed at the local schema;
- ``reference_hash(event, context)``: ``epcis-event-hash-generator``'s event hash (the test oracle).
"""

from __future__ import annotations

import copy
import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

HERE = Path(__file__).resolve().parent
EPCIS_DIR = HERE / "epcis"
EXAMPLES = EPCIS_DIR / "examples"
HASH_FIXTURES = HERE / "epcis_hash"
STUB = "https://gs1.github.io/EPCIS/REST%20Bindings/JSON-Schema-Stub.json#/definitions/"
FORMATS = Draft7Validator.FORMAT_CHECKER
assert {"uri", "date-time"} <= set(FORMATS.checkers), "install rfc3986-validator and rfc3339-validator"


@cache
def _epcis_schema() -> dict[str, Any]:
    return json.loads((EPCIS_DIR / "EPCIS-JSON-Schema.json").read_text())


@cache
def _validator() -> Draft7Validator:
    schema = _epcis_schema()
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=FORMATS)


def epcis_errors(doc: Any) -> list[str]:
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors]


def assert_epcis_valid(doc: Any) -> None:
    errors = epcis_errors(doc)
    assert not errors, f"{len(errors)} schema errors:\n" + "\n".join(errors[:10])


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(STUB):
            out["$ref"] = "#/definitions/" + ref[len(STUB) :]
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


@cache
def _openapi() -> dict[str, Any]:
    spec = yaml.safe_load((EPCIS_DIR / "openapi.yaml").read_text())
    components = _rewrite(spec["components"])
    # The bindings' CaptureJob says oneOf {errors} / {errorFile} without making either required, so every
    # object matches both and no job could ever validate: read it as the anyOf it is meant to be.
    job = components["schemas"]["CaptureJob"]["allOf"][1]
    job["anyOf"] = job.pop("oneOf")
    return {"components": components, "definitions": copy.deepcopy(_epcis_schema()["definitions"])}


def component_errors(name: str, body: Any) -> list[str]:
    schema = _openapi() | {"$ref": f"#/components/schemas/{name}"}
    validator = Draft7Validator(schema, format_checker=FORMATS)
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(body)]


@cache
def problem_types() -> set[str]:
    text = (EPCIS_DIR / "openapi.yaml").read_text()
    import re

    return set(re.findall(r"epcisException:[A-Za-z]+", text))


def assert_problem(body: Any, status: int) -> None:
    """An RFC 7807 body of the bindings: its schema, a type they name, the status it came with."""
    errors = component_errors("RFC7807ProblemResponseBody", body)
    assert not errors, errors
    assert body["type"] in problem_types(), body
    assert body.get("status") == status, body


def reference_hash(event: dict[str, Any], context: list[Any]) -> str:
    """The reference implementation's hash of ``event`` alone in a document (it hashes documents)."""
    from epcis_event_hash_generator import hash_generator, json_to_py

    logging.getLogger().setLevel(logging.ERROR)
    json_to_py._namespaces.clear()  # module-global prefixes: never carried from one call to the next
    doc = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00.000Z",
        "epcisBody": {"eventList": [copy.deepcopy(event)]},
    }
    events = json_to_py.event_list_from_epcis_document_json(doc)
    prehashes = hash_generator.derive_prehashes_from_events(events)
    hashes = hash_generator.calculate_hashes_from_pre_hashes(prehashes)
    assert len(hashes) == 1, "the reference dropped the event (it does so silently on input it cannot hash)"
    return hashes[0]
