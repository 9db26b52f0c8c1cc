"""CloudEvents 1.0 envelope (structured JSON mode) used on every OCOP topic."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event. ``data`` holds the typed payload serialised to JSON.

    Extensions used: ``traceparent`` (W3C trace context / CloudEvents distributed tracing) and
    ``partitionkey`` (CloudEvents partitioning; we use the product id, or the producer id for producer
    events, so one aggregate's events stay on one partition in order).
    """

    model_config = ConfigDict(extra="allow")

    specversion: str = Field(default="1.0", pattern=r"^1\.0$")
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(min_length=1, max_length=200)
    time: datetime
    subject: str | None = Field(default=None, max_length=200)
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    traceparent: str | None = None
    partitionkey: str | None = None
    data: dict[str, Any]


def new_event_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)
