"""Event contracts: CloudEvents envelope, typed payloads, topics."""

from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import EVENT_TYPES, MARKETPLACE, REGISTRY, TOPICS, TRACEABILITY, TYPE_OF, dlq

__all__ = [
    "EVENT_TYPES",
    "MARKETPLACE",
    "REGISTRY",
    "TOPICS",
    "TRACEABILITY",
    "TYPE_OF",
    "CloudEvent",
    "dlq",
    "new_event_id",
    "utcnow",
]
