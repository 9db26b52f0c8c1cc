"""Kafka wiring: topic topology, topic creation, producer settings."""

from __future__ import annotations

import contextlib

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from ocop_shared.events.models import MARKETPLACE, NATIONAL, REGISTRY, TRACEABILITY, dlq

#: Consumer group of each service (one group per service; scale by adding instances to the group).
GROUPS = {
    "registry": "ocop-registry",
    "traceability": "ocop-traceability",
    "marketplace_sync": "ocop-marketplace-sync",
    "national_sync": "ocop-national-sync",
}

#: Who consumes which topic. Relays use it to learn when every consumer has confirmed an event
#: (committed an offset past it); until then the outbox keeps it ready to re-publish.
CONSUMERS: dict[str, tuple[str, ...]] = {
    REGISTRY: (GROUPS["traceability"], GROUPS["marketplace_sync"], GROUPS["national_sync"]),
    TRACEABILITY: (GROUPS["registry"], GROUPS["national_sync"]),
    MARKETPLACE: (GROUPS["registry"], GROUPS["traceability"]),  # where to buy: the portal and the scan page
    NATIONAL: (GROUPS["registry"],),
}


def all_topics() -> list[str]:
    return [t for topic in CONSUMERS for t in (topic, dlq(topic))]


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 3) -> None:
    """Create the topics if missing (the embedded broker starts empty after every restart)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # acks=all for durability. No enable_idempotence: Tansu rejects idempotent producers, and the
    # inbox makes duplicates harmless anyway.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        linger_ms=2,
        request_timeout_ms=10_000,
        max_request_size=2_000_000,
    )
