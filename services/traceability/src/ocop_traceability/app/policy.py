"""Who may do what in traceability, on the one scope rule (``Principal.reaches``): a producer reaches its
own records, an official scoped to provinces those of producers there (by our copy of the producer),
operators and unscoped officials everything. A record out of reach answers 404 (its id is not even
confirmed); registering for a producer one may see but not act for answers 403.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from ocop_shared.auth import Principal, Scope
from ocop_shared.errors import AppError
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.copies import ProducerCopy
from ocop_traceability.domain.errors import NotYourProducer, OutOfScope


async def _province(principal: Principal, producer_id: str, uow: TraceabilityUow) -> str | None:
    if not principal.scope.provinces:  # the province does not matter to this caller: no lookup
        return None
    producer = await uow.producers.get(producer_id)
    return producer.province_code if producer else None


async def reaches(principal: Principal, producer_id: str, uow: TraceabilityUow) -> bool:
    return principal.reaches(producer_id, await _province(principal, producer_id, uow))


class Owned(Protocol):
    @property
    def producer_id(self) -> str: ...


R = TypeVar("R", bound=Owned)


async def reachable(record: R | None, principal: Principal, uow: TraceabilityUow, hidden: AppError) -> R:
    """Reading or changing an existing record: the record, or ``hidden`` (a 404) when it is missing or out of
    reach alike."""
    if record is None or not await reaches(principal, record.producer_id, uow):
        raise hidden
    return record


async def require_province(principal: Principal, producer_id: str, uow: TraceabilityUow) -> None:
    """Creating records for a producer: an official scoped to provinces acts only for producers there."""
    if not principal.covers(await _province(principal, producer_id, uow)):
        raise OutOfScope()


def require_registrant(principal: Principal, producer_id: str, producer: ProducerCopy | None) -> None:
    """Registering a place: a producer only for itself, a scoped official only within its provinces."""
    if not principal.owns(producer_id):
        raise NotYourProducer()
    if not principal.covers(producer.province_code if producer else None):
        raise OutOfScope()


def list_scope(principal: Principal) -> Scope:
    """What the caller's lists are limited to."""
    return principal.scope
