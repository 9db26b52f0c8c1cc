"""Use cases: EPCIS capture (``POST /epcis/capture``) and capture jobs.

A document is checked synchronously — strict JSON, ``@context``, event count, GS1's JSON Schema — then
stored with its job and answered 202; a background job (the lease holder's, resumed after a restart)
processes the events: eventID (the sender's, or the GS1 event hash), who may capture what
(``epcis.policy``), which of our batches each event is about (their trail shows it), duplicates (the same
event again is a no-op; the same eventID for a different event is refused, unless it declares an error
for the stored one: EPCIS 2.0 §7.4.1.4). ``rollback`` stores all or nothing, ``proceed`` what it can.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bson import ObjectId

from ocop_shared.auth import Principal
from ocop_shared.events.envelope import utcnow
from ocop_shared.logging import get_logger
from ocop_traceability.app.epcis.policy import (
    audit_scope,
    capture_refusal,
    capturer_sees,
    owns,
    principal_of,
    snapshot,
)
from ocop_traceability.app.ports import TraceabilityUow
from ocop_traceability.domain.batches import Batch, TrailEvent
from ocop_traceability.domain.epcis import capture as parsing
from ocop_traceability.domain.epcis.errors import (
    CaptureLimitExceededException,
    EpcisError,
    NoSuchResourceException,
    ResourceAlreadyExistsException,
    SecurityException,
    ValidationException,
)
from ocop_traceability.domain.epcis.ids import Minting, Ref
from ocop_traceability.domain.epcis.mapping import trail_kind
from ocop_traceability.domain.epcis.record import PUBLIC, DuplicateEvents, Recorded, producer_sees, record

log = get_logger(__name__)
WORKER = os.environ.get("OCOP_INSTANCE_ID") or socket.gethostname()
BEHAVIOURS = ("rollback", "proceed")


class Schemas(Protocol):  # adapters.epcis.schema.EpcisSchemas
    def document_errors(self, doc: Any, limit: int = 20) -> list[str]: ...
    def query_errors(self, query: Any, limit: int = 20) -> list[str]: ...


@dataclass(frozen=True)
class CaptureLimits:
    events: int  # GS1-EPCIS-Capture-Limit
    file_bytes: int  # GS1-EPCIS-Capture-File-Size-Limit

    def headers(self) -> dict[str, str]:
        return {"GS1-EPCIS-Capture-Limit": str(self.events), "GS1-EPCIS-Capture-File-Size-Limit": str(self.file_bytes)}


@dataclass(frozen=True)
class CaptureDocument:
    body: bytes
    behaviour: str = "rollback"


def check_document(cmd: CaptureDocument, limits: CaptureLimits, schemas: Schemas) -> tuple[list[dict], dict]:
    """The document's events and prefixes, or the refusal the caller gets at once (400, 413)."""
    if cmd.behaviour not in BEHAVIOURS:
        raise ValidationException("GS1-Capture-Error-Behaviour must be rollback or proceed")
    if len(cmd.body) > limits.file_bytes:
        raise CaptureLimitExceededException(f"more than {limits.file_bytes} bytes", headers=limits.headers())
    doc = parsing.parse_json(cmd.body)
    if not isinstance(doc, dict) or doc.get("type") not in ("EPCISDocument", "EPCISQueryDocument"):
        raise ValidationException("the body must be an EPCISDocument (or an EPCISQueryDocument)")
    namespaces = parsing.namespaces(doc.get("@context"))
    body = doc.get("epcisBody")
    raw = body.get("eventList") if isinstance(body, dict) else None
    if isinstance(raw, list) and len(raw) > limits.events:
        raise CaptureLimitExceededException(f"more than {limits.events} events", headers=limits.headers())
    problems = schemas.document_errors(doc)
    if problems:
        raise ValidationException("; ".join(problems))
    events = parsing.events_of(doc)
    if len(events) > limits.events:
        raise CaptureLimitExceededException(f"more than {limits.events} events", headers=limits.headers())
    return events, namespaces


async def submit(
    cmd: CaptureDocument, principal: Principal, uow: TraceabilityUow, limits: CaptureLimits, schemas: Schemas
) -> dict[str, Any]:
    """Check the document and store it with its job (processed by ``CaptureWorker``)."""
    events, namespaces = check_document(cmd, limits, schemas)
    job = {
        "_id": str(ObjectId()),
        "created_at": utcnow(),
        "running": "yes",
        "success": "yes",
        "behaviour": cmd.behaviour,
        "errors": [],
        "events": len(events),
        "stored": 0,
        "by": snapshot(principal),
    }
    scope = await audit_scope(principal, uow)
    async with uow.acting(principal, "epcis.capture", scope=scope, capture=str(job["_id"])):
        await uow.capture_jobs.create(job, events, namespaces)
        uow.note(events=len(events), behaviour=cmd.behaviour)
        await uow.commit()
    return job


async def get_job(job_id: str, principal: Principal, uow: TraceabilityUow) -> dict[str, Any]:
    job = await uow.capture_jobs.get(job_id)
    if job is None or not owns(job.get("by"), principal):
        raise NoSuchResourceException(f"no capture job {job_id[:80]}")
    return job


async def list_jobs(principal: Principal, uow: TraceabilityUow, limit: int = 100) -> list[dict[str, Any]]:
    return [j for j in await uow.capture_jobs.latest({}, 1000) if owns(j.get("by"), principal)][:limit]


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    """A ``CaptureJob`` of the REST bindings."""

    def when(value: datetime | None) -> str | None:
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None

    view: dict[str, Any] = {
        "captureID": job["_id"],
        "createdAt": when(job.get("created_at")),
        "running": job.get("running") == "yes",
        "success": job.get("success") == "yes",
        "captureErrorBehaviour": job.get("behaviour", "rollback"),
        "errors": job.get("errors") or [],
        "eventCount": job.get("events", 0),
        "storedCount": job.get("stored", 0),
    }
    if job.get("finished_at"):
        view["finishedAt"] = when(job["finished_at"])
    return view


# -- processing ---------------------------------------------------------------------------------------------
@dataclass
class Found:
    """What an event's identifiers designate in our records."""

    owners: set[str] = field(default_factory=set)
    batches: dict[str, Batch] = field(default_factory=dict)
    place_names: dict[str, str] = field(default_factory=dict)  # key → name of our place


class Resolver:
    """Identifiers → our records, cached for one job."""

    def __init__(self, uow: TraceabilityUow, m: Minting) -> None:
        self.uow, self.m = uow, m
        self._gtins: dict[str, list[tuple[str, str]]] | None = None
        self._cache: dict[str, tuple[set[str], list[Batch], str | None]] = {}

    async def _gtin(self, gtin: str) -> list[tuple[str, str]]:
        if self._gtins is None:
            self._gtins = await self.uow.epcis_lookups.gtin_owners()
        return self._gtins.get(gtin, [])

    async def _one(self, key: str) -> tuple[set[str], list[Batch], str | None]:
        if key in self._cache:
            return self._cache[key]
        ref = self.m.resolve(key)
        found = await self._resolve(ref)
        if len(self._cache) < 50_000:
            self._cache[key] = found
        return found

    async def _resolve(self, ref: Ref) -> tuple[set[str], list[Batch], str | None]:
        lookups = self.uow.epcis_lookups
        if ref.kind == "stamp" and ref.serial:
            stamp = await self.uow.stamps.for_scan(ref.serial)
            if stamp is None or (ref.gtin and f"/01/{ref.gtin}/" not in stamp.url.upper()):
                return set(), [], None  # not one of our stamps (or our serial under another GTIN)
            batch = await self.uow.batches.get(stamp.batch_id)
            return {stamp.producer_id}, [batch] if batch else [], None
        if ref.kind in ("lot", "gtin") and ref.gtin:
            products = await self._gtin(ref.gtin)
            for product_id, producer_id in products if ref.lot else []:
                batch = await lookups.batch_of_lot(product_id, ref.lot or "")
                if batch:
                    return {producer_id}, [batch], None
            return {producer_id for _p, producer_id in products}, [], None
        if ref.kind == "class" and ref.product_id and ref.lot:
            owner = await lookups.product_owner(ref.product_id)
            batch = await lookups.batch_of_lot(ref.product_id, ref.lot) if owner else None
            return ({owner} if owner else set()), [batch] if batch else [], None
        if ref.kind == "place" and ref.place and ref.code:
            place = await lookups.place_owner(ref.place, ref.code)
            return ({place[0]}, [], place[1]) if place else (set(), [], None)
        if ref.kind == "gln" and ref.gln:
            place = await lookups.gln_owner(ref.gln)
            return ({place[0]}, [], place[1]) if place else (set(), [], None)
        return set(), [], None

    async def resolve(self, rec: Recorded) -> Found:
        found = Found()
        for _role, key in rec.keys:
            owners, batches, _name = await self._one(key)
            found.owners |= owners
            found.batches.update({b.id: b for b in batches})
        for location in rec.locations:
            if location:
                owners, _batches, name = await self._one(location)
                found.owners |= owners
                if name:
                    found.place_names[location] = name
        return found


def _problem(error: EpcisError, index: int, event_id: str | None = None) -> dict[str, Any]:
    body = error.problem()
    body["detail"] = f"event {index}: {body.get('detail') or body['title']}"
    if event_id:
        body["instance"] = event_id
    return body


def captured_trail_event(rec: Recorded, batch: Batch, found: Found, m: Minting, by: str) -> TrailEvent:
    """The line a captured event adds to a batch's trail (what its scan page shows: no free text of the
    sender's, only the step, the time and the place)."""
    kind, name = trail_kind(rec.index.biz_step, m.processing_step)
    where = rec.locations[1] or rec.locations[0]
    place = found.place_names.get(where or "") or (where or "Không rõ địa điểm")
    return TrailEvent(
        id=str(ObjectId()),
        batch_id=batch.id,
        type=kind,
        time=datetime.fromisoformat(rec.event["eventTime"].replace("Z", "+00:00")),
        place=place[:300],
        note=f"{name} — đối tác ghi nhận qua EPCIS",
        recorded_at=utcnow(),
        recorded_by=by,
        epcis_event_id=rec.event_id,
        captured=True,
    )


async def process(job_id: str, uow: TraceabilityUow) -> None:
    """Process a stored job to its end (``success`` and ``errors`` on the job)."""
    job = await uow.capture_jobs.get(job_id)
    if job is None or job.get("running") != "yes":
        return
    events, namespaces = await uow.capture_jobs.events(job_id)
    principal = principal_of(job["by"])
    m = uow.epcis_config.minting
    resolver = Resolver(uow, m)
    errors: list[dict[str, Any]] = []
    ready: list[tuple[int, Recorded, Found]] = []
    for i, event in enumerate(events):
        if i % 50 == 49:
            await asyncio.sleep(0)  # hashing is CPU: let the scan page's requests through
        try:
            rec = record(event, namespaces, m, visible_to=[], source="capture", ours=False, capture_id=job_id)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            errors.append(_problem(ValidationException(f"cannot be read: {str(exc)[:200]}"), i))
            continue
        found = await resolver.resolve(rec)
        refusal = await capture_refusal(principal, found.owners, uow)
        if refusal:
            errors.append(_problem(SecurityException(refusal), i, rec.event_id))
            continue
        owners = [producer_sees(o) for o in found.owners]
        rec.visible_to = sorted({*capturer_sees(principal), *owners, *([PUBLIC] if found.batches else [])})
        rec.batches = sorted(found.batches)
        ready.append((i, rec, found))
    for attempt in (1, 2):
        try:
            stored = await _store(uow, job, ready, errors, m)
            break
        except _Raced:
            if attempt == 2:
                raise
    await uow.capture_jobs.update(job_id, stored=stored)
    await uow.capture_jobs.finish(job_id, success=not errors, errors=errors[:500], at=utcnow())
    await uow.capture_jobs.drop_payload(job_id)


class _Raced(Exception):
    """Another capture stored one of these eventIDs meanwhile: look again."""


async def _store(
    uow: TraceabilityUow,
    job: dict[str, Any],
    ready: list[tuple[int, Recorded, Found]],
    errors: list[dict[str, Any]],
    m: Minting,
) -> int:
    errors = list(errors)
    existing = await uow.epcis.by_event_ids(r.event_id for _i, r, _f in ready)
    in_document: dict[str, str] = {}
    to_store: list[tuple[Recorded, Found]] = []
    to_declare: list[tuple[str, dict]] = []
    for i, rec, found in ready:
        stored = existing.get(rec.event_id)
        prior = stored.content_hash if stored else in_document.get(rec.event_id)
        declaration = rec.event.get("errorDeclaration")
        if stored and isinstance(declaration, dict):
            if stored.doc.get("errorDeclaration") != declaration:
                to_declare.append((rec.event_id, declaration))  # EPCIS 2.0 §7.4.1.4: the ID stays
        elif prior is None:
            in_document[rec.event_id] = rec.content_hash
            to_store.append((rec, found))
        elif prior != rec.content_hash:
            detail = f"eventID {rec.event_id[:120]} is already recorded for a different event"
            errors.append(_problem(ResourceAlreadyExistsException(detail), i, rec.event_id))
        # else: the same event again, nothing to do
    if errors and job.get("behaviour") == "rollback":
        job_errors = errors
        await uow.capture_jobs.finish(job["_id"], success=False, errors=job_errors[:500], at=utcnow())
        raise _Finished()
    try:
        async with uow:
            await uow.epcis.add([r for r, _f in to_store])
            by = job["by"]["subject"]
            lines = [captured_trail_event(r, b, f, m, by) for r, f in to_store for b in f.batches.values()]
            await uow.trail.add_many(lines)
            for event_id, declaration in to_declare:
                await uow.epcis.declare(event_id, declaration)
            await uow.commit()
    except DuplicateEvents as exc:
        raise _Raced() from exc
    return len(to_store) + len(to_declare)


class _Finished(Exception):
    """The job ended without storing anything (rollback)."""


class CaptureWorker:
    """Processes capture jobs in the background: the one instance holding a job's lease does (a job whose
    holder died is taken over once its lease expired, and resumed at the next start)."""

    def __init__(self, new_uow: Callable[[], TraceabilityUow], *, worker: str = WORKER, lease_s: float = 60.0):
        self.new_uow, self.worker, self.lease_s = new_uow, worker, lease_s
        self.tasks: dict[str, asyncio.Task] = {}

    def start(self, job_id: str) -> None:
        if job_id not in self.tasks or self.tasks[job_id].done():
            self.tasks[job_id] = asyncio.create_task(self._job(job_id), name=f"epcis-capture-{job_id}")

    async def resume(self) -> None:
        for job_id in await self.new_uow().capture_jobs.claimable(self.worker, time.time()):
            self.start(job_id)

    async def watch(self) -> None:
        try:
            with contextlib.suppress(Exception):
                await self.resume()
            while True:
                await asyncio.sleep(self.lease_s / 2)
                try:
                    await self.resume()
                except Exception:
                    log.warning("epcis.capture_resume_failed", exc_info=True)
        finally:
            for task in self.tasks.values():
                task.cancel()

    async def wait(self, job_id: str) -> None:
        """Until this instance's job ended (tests and the benchmark)."""
        task = self.tasks.get(job_id)
        if task:
            await task

    async def _job(self, job_id: str) -> None:
        uow = self.new_uow()
        try:
            if not await uow.capture_jobs.claim(job_id, self.worker, time.time(), self.lease_s):
                return
            await process(job_id, uow)
        except _Finished:
            await uow.capture_jobs.drop_payload(job_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("epcis.capture_failed", capture_id=job_id)
            error = EpcisError(f"capture failed: {type(exc).__name__}").problem()
            with contextlib.suppress(Exception):
                await uow.capture_jobs.finish(job_id, success=False, errors=[error], at=utcnow())
