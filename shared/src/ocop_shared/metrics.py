"""Prometheus metrics shared by the plumbing (each service adds its own next to its code)."""

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG = Gauge("ocop_outbox_backlog", "Pending outbox rows seen by the relay's last pass", ["relay"])
EVENTS_PUBLISHED = Counter("ocop_events_published_total", "Events published by the outbox relay", ["relay"])
OUTBOX_EPOCHS = Counter("ocop_outbox_epochs_total", "Broker losses detected (outbox re-published)", ["relay"])
EVENTS_CONSUMED = Counter("ocop_events_consumed_total", "Events handled by consumers", ["topic", "type", "result"])
DLQ_EVENTS = Counter("ocop_dlq_events_total", "Messages sent to a dead-letter topic", ["topic", "reason"])
CONSUMER_LAG_SECONDS = Gauge(
    "ocop_consumer_lag_seconds",
    "Age of the newest message in the last batch handled (now - Kafka record timestamp)",
    ["topic", "group"],
)
CONSUMER_LAG_RECORDS = Gauge(
    "ocop_consumer_lag_records",
    "Records behind the partition's high watermark after the last batch, as the broker reports it",
    ["topic", "partition", "group"],
)
