"""The worker's decisions for one due record: plan what the portal should hold, talk to the portal outside
any transaction, then record the outcome with its event.

Nothing is published twice: the product is created with an idempotency key (our product id: a create
repeated after a crash answers the first one's idSanPham), the idSanPham is kept as soon as the portal gives
it, and each stage is sent with its EPCIS eventID (the portal keeps one event per id). A crash anywhere only
repeats calls the portal recognises.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import Counter

from ocop_national_sync.app.ports import DeadLetters, Portal, UnitOfWork
from ocop_national_sync.domain.portal import OrganisationNotActive, PortalError
from ocop_national_sync.domain.record import ERROR_KEPT, NotReady, Outcome, PortalRecord, Publish, Withdraw, plan
from ocop_shared.events.envelope import utcnow
from ocop_shared.events.models import PortalProductFailed, PortalProductPublished, PortalProductWithdrawn
from ocop_shared.logging import get_logger

PORTAL_OPERATIONS = Counter(
    "ocop_portal_operations_total", "Calls to the national traceability portal by outcome", ["operation", "result"]
)
RETRY_BASE = timedelta(seconds=1)  # after the adapter's own retries gave up: 1 s doubling up to 5 min
RETRY_MAX = timedelta(minutes=5)
WAITING_FOR_ACTIVATION = "Cổng chưa kích hoạt tổ chức (chủ thể); sản phẩm sẽ được gửi khi tổ chức được kích hoạt"

log = get_logger(__name__)


def backoff(attempts: int, base: timedelta = RETRY_BASE) -> timedelta:
    return min(base * (2 ** min(attempts, 16)), RETRY_MAX)


async def push_record(
    record: PortalRecord, portal: Portal | None, uow: UnitOfWork, dead_letters: DeadLetters, *, base=RETRY_BASE
) -> str:
    """Published, withdrawn, not ready (with what is missing), failed (a 4xx: with the portal's reason, and
    to the DLQ) or tried again later; returns the status reached (``retry`` when tried again later)."""
    organisation = await uow.organisations.get(record.producer_id) if record.producer_id else None
    decided = plan(record, organisation)
    now = utcnow()
    if isinstance(decided, NotReady):
        codes = [m.code for m in decided.missing]
        await record_outcome(Outcome(record.id, record.revision, "not_ready", now, missing=codes), record, uow)
        return "not_ready"
    if portal is None:  # the portal is disabled (OCOP_NATIONAL_PORTAL_URL empty): ready, waiting
        await record_outcome(Outcome(record.id, record.revision, "pending", now), record, uow)
        return "pending"
    operation = "publish" if isinstance(decided, Publish) else "withdraw"
    try:
        if isinstance(decided, Publish):
            await _publish(decided, portal, uow)
            outcome = Outcome(record.id, record.revision, "published", utcnow(), on_portal=True, reached_portal=True)
        else:
            assert isinstance(decided, Withdraw)
            if record.portal_id:
                await portal.withdraw(record.portal_id, decided.reason)
            outcome = Outcome(record.id, record.revision, "withdrawn", utcnow(), on_portal=False, reached_portal=True)
        PORTAL_OPERATIONS.labels(operation, "ok").inc()
        await record_outcome(outcome, await uow.records.get(record.id) or record, uow)
        log.info("portal.synced", product_id=record.id, operation=operation, revision=record.revision)
        return outcome.status
    except OrganisationNotActive:
        PORTAL_OPERATIONS.labels(operation, "waiting").inc()
        await _later(record, WAITING_FOR_ACTIVATION, uow, base)
        return "retry"
    except PortalError as exc:
        PORTAL_OPERATIONS.labels(operation, "retry" if exc.retryable else "failed").inc()
        log.warning("portal.error", product_id=record.id, operation=operation, reason=exc.reason[:300])
        if exc.retryable:
            await _later(record, exc.reason, uow, base)
            return "retry"
        outcome = Outcome(
            record.id, record.revision, "failed", utcnow(), error=exc.reason[:ERROR_KEPT], reached_portal=True
        )
        await record_outcome(outcome, record, uow)
        await dead_letters.portal_rejected(record, exc.reason)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - network trouble beyond the adapter's retries: later
        PORTAL_OPERATIONS.labels(operation, "retry").inc()
        log.warning("portal.unreachable", product_id=record.id, error=repr(exc))
        await _later(record, repr(exc), uow, base)
        return "retry"


async def _publish(decided: Publish, portal: Portal, uow: UnitOfWork) -> None:
    record, organisation = decided.record, decided.organisation
    if organisation.portal_id is None or not organisation.activated:
        if organisation.portal_id is None:
            portal_id, active = await portal.register_organisation(organisation)
        else:
            portal_id, active = organisation.portal_id, await portal.organisation_active(organisation.portal_id)
        await uow.organisations.keep_portal_id(organisation.id, portal_id, active)
        organisation = organisation.model_copy(update={"portal_id": portal_id, "activated": active})
        if not active:
            raise OrganisationNotActive(portal_id)
    portal_id = await portal.upsert_product(record, organisation)
    if portal_id != record.portal_id:
        await uow.records.keep_portal_id(record.id, portal_id)
    for stage in record.stages_to_push():
        await portal.add_event(portal_id, stage)
        await uow.records.pushed(record.id, stage.epcis_event_id)


async def _later(record: PortalRecord, error: str, uow: UnitOfWork, base: timedelta) -> None:
    await uow.records.retry_later(
        record.id, record.revision, error[:ERROR_KEPT], utcnow() + backoff(record.attempts, base)
    )


def _event(
    outcome: Outcome, record: PortalRecord
) -> PortalProductPublished | PortalProductWithdrawn | PortalProductFailed | None:
    producer_id = record.producer_id or ""
    if outcome.status == "published" and record.portal_id:
        return PortalProductPublished(
            product_id=record.id,
            producer_id=producer_id,
            revision=outcome.revision,
            portal_id=record.portal_id,
            events=len(record.pushed),
        )
    if outcome.status == "withdrawn":
        return PortalProductWithdrawn(
            product_id=record.id,
            producer_id=producer_id,
            revision=outcome.revision,
            portal_id=record.portal_id,
            reason=f"certificate {(record.certificate or {}).get('status', 'missing')}",
        )
    if outcome.status == "failed":
        return PortalProductFailed(
            product_id=record.id, producer_id=producer_id, revision=outcome.revision, reason=outcome.error or ""
        )
    return None


async def record_outcome(outcome: Outcome, record: PortalRecord, uow: UnitOfWork) -> bool:
    """The outcome and its event together, if the revision is still the one worked from."""
    event = _event(outcome, record) if outcome.reached_portal else None
    async with uow:
        if await uow.records.record(outcome):
            if event is not None:
                uow.emit(event, key=record.id)
            await uow.commit()
            return True
    return False


def due_now(records: list[PortalRecord], now: datetime) -> list[PortalRecord]:
    return [r for r in records if r.is_due(now)]
