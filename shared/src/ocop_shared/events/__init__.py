"""Event contracts: CloudEvents envelope, typed payloads, topics."""

from ocop_shared.events.envelope import CloudEvent, new_event_id, utcnow
from ocop_shared.events.models import EVENT_TYPES, MARKETPLACE, REGISTRY, TOPICS, TRACEABILITY, TYPE_OF, dlq

__all__ = ["CloudEvent", "new_event_id", "utcnow", "EVENT_TYPES", "TYPE_OF", "TOPICS", "REGISTRY",
           "TRACEABILITY", "MARKETPLACE", "dlq"]
