"""MongoDB wiring with PyMongo's AsyncMongoClient (the official successor of Motor)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from bson import Binary
from bson.binary import UUID_SUBTYPE
from pymongo import AsyncMongoClient


def make_client(url: str, *, timeout_ms: int = 5000) -> AsyncMongoClient:
    # tz_aware: datetimes come back as UTC-aware values (the embedded server returns naive UTC).
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)


async def ping(client: AsyncMongoClient) -> bool:
    try:
        await client.admin.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


async def ensure_collections(db, names) -> None:
    """Create the collections a service reads. The embedded server answers "no such table" when a
    query touches a collection that was never written (real MongoDB returns nothing)."""
    existing = set(await db.list_collection_names())
    for name in names:
        if name not in existing:
            try:
                await db.create_collection(name)
            except Exception as exc:
                if "exist" not in str(exc).lower():
                    raise


# --- Transactions on the embedded server ----------------------------------------------------------
# nx-27017 runs every session of a database on one shared SQLite connection: two concurrent
# transactions become nested savepoints (committing them out of order fails with "no such savepoint"),
# and other connections' reads and writes see and join the open transaction. A real replica set has
# none of this. So when the server is not a replica set (or mongos), transactions on a database are
# serialized inside the process, and the outbox relay reads under the same gate so it never sees
# uncommitted rows. Each service owns its database and runs one process in embedded mode.
_serial_mode: dict[int, bool] = {}
_locks: dict[str, asyncio.Lock] = {}


async def needs_serial_transactions(client: AsyncMongoClient) -> bool:
    key = id(client)
    if key not in _serial_mode:
        hello = await client.admin.command("hello")
        _serial_mode[key] = "setName" not in hello and hello.get("msg") != "isdbgrid"
    return _serial_mode[key]


# per client and database: the tasks inside a transaction of this process or waiting at its gate (a client
# settles only its own: tests run several apps on one database in one process)
_inside: dict[tuple[int, str], list[asyncio.Task]] = {}
_closing: weakref.WeakSet[AsyncMongoClient] = weakref.WeakSet()  # clients past settle_transactions


@asynccontextmanager
async def transaction_gate(client: AsyncMongoClient, db_name: str):
    task = asyncio.current_task()
    inside = _inside.setdefault((id(client), db_name), [])
    if task is not None:
        inside.append(task)  # before the lock: a task still waiting for it is settled too
    try:
        async with contextlib.AsyncExitStack() as gate:
            if await needs_serial_transactions(client):
                await gate.enter_async_context(_locks.setdefault(db_name, asyncio.Lock()))
            yield
    finally:
        if task is not None:
            inside.remove(task)


async def settle_transactions(client: AsyncMongoClient, db_name: str) -> None:
    """Before ``client`` closes: end the transactions this process has open on ``db_name``.

    A transaction still open when the client closes cannot be aborted any more. On the embedded server it stays
    open with what it wrote visible to every reader: a consumer batch cut short there left its inbox ids behind
    without their effects, so the redelivered events were taken for duplicates (found by the graceful stop
    test); a replica set would hold its locks until the transaction's lifetime ends (60 s). So the tasks inside
    one are cancelled (their abort runs while the client still works) and waited for. Afterwards the journal
    keeps any transaction opened too late, for the next start to end."""
    me = asyncio.current_task()
    inside = _inside.get((id(client), db_name), [])
    try:
        for task in list(inside):
            # not twice: a second cancel would interrupt the abort the first one started
            if task is not me and not task.cancelling():
                task.cancel()
        while any(task is not me and not task.done() for task in inside):
            await asyncio.sleep(0.005)
    finally:  # also when the stop budget cuts the wait short
        _closing.add(client)


# A process killed inside a transaction leaves it open on the embedded server for good (a real replica set
# aborts it after transactionLifetimeLimitSeconds): every later transaction on that database becomes a
# savepoint inside it and nothing is written to disk any more. So in serial mode each process notes the
# session of an open transaction in a small file (one per session: a note kept for a commit cut short must
# outlive the transactions after it), and at start-up ends the sessions a dead predecessor left there
# (endSessions aborts their transactions).
_journal: Path | None = None


def set_transaction_journal(directory: Path | None) -> None:
    global _journal
    _journal = Path(directory) if directory else None


def _journal_file(db_name: str, session) -> Path | None:
    return _journal / f"{db_name}.{bytes(session.session_id['id']).hex()}.lsid" if _journal else None


async def note_transaction(client: AsyncMongoClient, db_name: str, session, *, open_: bool) -> None:
    path = _journal_file(db_name, session)
    if path is None or not await needs_serial_transactions(client):
        return
    if open_:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(bytes(session.session_id["id"]).hex())
    elif client not in _closing:  # a closing client's abort may not have reached the server: keep the note
        path.unlink(missing_ok=True)


async def end_abandoned_transaction(client: AsyncMongoClient, db_name: str) -> bool:
    """End the sessions a killed predecessor left with an open transaction (embedded server only)."""
    if _journal is None or not await needs_serial_transactions(client):
        return False
    # ``<db>.lsid``: the one note per database of earlier versions
    notes = [*_journal.glob(f"{db_name}.*.lsid"), *_journal.glob(f"{db_name}.lsid")]
    if not notes:
        return False
    lsids = [{"id": Binary(bytes.fromhex(path.read_text().strip()), UUID_SUBTYPE)} for path in notes]
    await client.admin.command({"endSessions": lsids})
    for path in notes:
        path.unlink(missing_ok=True)
    return True


def as_datetime(value):
    """A stored datetime as an aware datetime. The embedded server returns datetimes written with ``$set``
    in an update as ISO strings; real MongoDB returns datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
