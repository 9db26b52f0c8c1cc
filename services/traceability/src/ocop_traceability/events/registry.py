"""Subscriber of ``ocop.registry.v1`` for traceability."""

from __future__ import annotations

from ocop_traceability.app.producer_copy import apply_producer
from ocop_shared.events.models import REGISTRY
from ocop_shared.projection import follow_producers
from ocop_shared.web import Runtime


def subscribe(runtime: Runtime) -> None:
    follow_producers(runtime.consumer(REGISTRY),
                     lambda producer, version, session: apply_producer(runtime.db, producer, version, session))
