"""Events an aggregate records as it changes; the unit of work writes them to the outbox at commit.

An aggregate keeps ``events: list[Recorded]`` (a pydantic ``Field(default_factory=list, exclude=True)``
or a dataclass field left out of its stored form). Pure data: domain code may import it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Recorded:
    payload: BaseModel  # one of the payload models of ocop_shared.events.models
    key: str  # Kafka key: the aggregate id (one aggregate's events stay in order)
    subject: str | None = None
