"""A clone alert (cảnh báo tem nghi bị sao chép): a stamp the clone rule flagged, for its producer and
officials to look into (see ``clones``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, field_validator

from ocop_shared.mongo import as_datetime


class CloneAlert(BaseModel):
    id: str  # the stamp's serial
    reason: str
    at: datetime
    product_id: str
    producer_id: str
    run_id: str
    seq: int

    _utc = field_validator("at", mode="before")(as_datetime)  # the embedded server's $set dates are strings
