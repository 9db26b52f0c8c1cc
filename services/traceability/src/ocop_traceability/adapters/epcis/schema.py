"""GS1's JSON Schemas (the service's own copies in ``gs1/``, byte-identical to the vendored originals: a
test checks it), checked with jsonschema-rs, formats included (``uri``, ``date-time``: without them an
unknown key such as ``bizstep`` would pass)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema_rs


def _load(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath("gs1", name).read_text(encoding="utf-8"))


class EpcisSchemas:
    def __init__(self) -> None:
        self.document = jsonschema_rs.Draft7Validator(_load("EPCIS-JSON-Schema.json"), validate_formats=True)
        self.query = jsonschema_rs.Draft7Validator(_load("query-schema.json"), validate_formats=True)

    @staticmethod
    def _messages(validator: Any, doc: Any, limit: int) -> list[str]:
        messages = []
        for error in validator.iter_errors(doc):
            path = "/" + "/".join(str(p) for p in error.instance_path)
            messages.append(f"{path}: {error.message[:300]}")
            if len(messages) >= limit:
                break
        return messages

    def document_errors(self, doc: Any, limit: int = 20) -> list[str]:
        """What is wrong with an EPCIS document or event (empty: valid)."""
        return self._messages(self.document, doc, limit)

    def query_errors(self, query: Any, limit: int = 20) -> list[str]:
        return self._messages(self.query, query, limit)
