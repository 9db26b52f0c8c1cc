"""settle_transactions: before a service closes its database client, the transactions its tasks still have
open are cancelled and waited for, on the embedded server (one at a time, behind the gate) and on a replica set
(any number at once). No server here: the mode is what the client's ``hello`` would have said."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from ocop_shared import mongo


class _Client:  # stands for an AsyncMongoClient whose mode was already asked
    pass


@pytest.fixture
def client_of(monkeypatch):
    """A fake client per call, its mode recorded only for this test (a real client may reuse the address)."""

    def make(serial: bool) -> _Client:
        client = _Client()
        monkeypatch.setitem(mongo._serial_mode, id(client), serial)
        return client

    return make


@pytest.mark.parametrize("serial", [True, False], ids=["embedded", "replica set"])
async def test_open_transactions_are_cancelled_and_waited_for(client_of, serial: bool) -> None:
    client, db = client_of(serial), f"db_{uuid.uuid4().hex[:6]}"
    entered, ended = asyncio.Event(), []

    async def batch(n: int) -> None:
        async with mongo.transaction_gate(client, db):  # type: ignore[arg-type]
            entered.set()
            try:
                await asyncio.sleep(60)  # a batch that outlasts the stop
            except asyncio.CancelledError:
                await asyncio.sleep(0.05)  # its abort: a round trip the settle must wait for
                ended.append(n)
                raise

    tasks = [asyncio.create_task(batch(n)) for n in range(3)]  # embedded: one inside, two waiting at the gate
    await asyncio.wait_for(entered.wait(), 1)
    await asyncio.sleep(0.01)
    await asyncio.wait_for(mongo.settle_transactions(client, db), 2)  # type: ignore[arg-type]
    # every abort finished before the settle returned; on the embedded server only the first was inside, and the
    # two waiting at the gate were cancelled before they opened anything
    assert sorted(ended) == ([0] if serial else [0, 1, 2])
    assert all(t.done() for t in tasks)
    assert client in mongo._closing
    assert not mongo._inside[(id(client), db)]


async def test_only_the_settled_clients_transactions_are_cancelled(client_of) -> None:
    """Two apps of one process on one database (tests do it): one stopping leaves the other's work alone."""
    db = f"db_{uuid.uuid4().hex[:6]}"
    stopping, staying = client_of(False), client_of(False)
    entered = asyncio.Event()

    async def work(client) -> None:
        async with mongo.transaction_gate(client, db):  # type: ignore[arg-type]
            entered.set()
            await asyncio.sleep(60)

    theirs, ours = asyncio.create_task(work(staying)), asyncio.create_task(work(stopping))
    await asyncio.wait_for(entered.wait(), 1)
    await asyncio.sleep(0.01)
    await asyncio.wait_for(mongo.settle_transactions(stopping, db), 2)  # type: ignore[arg-type]
    assert ours.cancelled()
    assert not theirs.done()
    theirs.cancel()
    await asyncio.gather(theirs, return_exceptions=True)


async def test_a_transaction_already_cancelled_is_not_cancelled_again(client_of) -> None:
    """A second cancel would interrupt the abort the first one started."""
    client, db = client_of(True), f"db_{uuid.uuid4().hex[:6]}"
    entered, aborted = asyncio.Event(), asyncio.Event()

    async def batch() -> None:
        async with mongo.transaction_gate(client, db):  # type: ignore[arg-type]
            entered.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                await asyncio.sleep(0.05)  # interrupted only by a second cancel
                aborted.set()
                raise

    task = asyncio.create_task(batch())
    await asyncio.wait_for(entered.wait(), 1)
    task.cancel()  # FastStream's own cancel at the end of its graceful wait
    await asyncio.sleep(0.01)
    await asyncio.wait_for(mongo.settle_transactions(client, db), 2)  # type: ignore[arg-type]
    assert aborted.is_set()


async def test_a_settle_cut_short_still_marks_the_client_closing(client_of) -> None:
    """The journal of a closing client is kept: a transaction the settle could not end is ended at the next start."""
    client, db = client_of(True), f"db_{uuid.uuid4().hex[:6]}"
    entered = asyncio.Event()

    async def stubborn() -> None:
        async with mongo.transaction_gate(client, db):  # type: ignore[arg-type]
            entered.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                await asyncio.sleep(5)  # an abort that hangs

    task = asyncio.create_task(stubborn())
    await asyncio.wait_for(entered.wait(), 1)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(mongo.settle_transactions(client, db), 0.1)  # type: ignore[arg-type]
    assert client in mongo._closing
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


class _Session:
    def __init__(self) -> None:
        self.session_id = {"id": uuid.uuid4().bytes}


async def test_a_closing_client_keeps_its_transaction_journal(client_of, tmp_path) -> None:
    previous = mongo._journal
    mongo.set_transaction_journal(tmp_path)
    try:
        open_client, closing = client_of(True), client_of(True)
        for client in (open_client, closing):
            session = _Session()
            await mongo.note_transaction(client, "journal_db", session, open_=True)  # type: ignore[arg-type]
            if client is closing:
                await mongo.settle_transactions(client, "journal_db")  # type: ignore[arg-type]
            await mongo.note_transaction(client, "journal_db", session, open_=False)  # type: ignore[arg-type]
            kept = bool(list(tmp_path.glob("journal_db.*.lsid")))
            assert kept == (client is closing)  # its abort may not have reached the server: the next start ends it
    finally:
        mongo._journal = previous


async def test_a_kept_note_outlives_the_transactions_after_it(client_of, tmp_path) -> None:
    """A note kept for a commit cut short (one file per session) is not overwritten by the next transaction."""
    previous = mongo._journal
    mongo.set_transaction_journal(tmp_path)
    try:
        stopping, other = client_of(True), client_of(True)
        cut = _Session()
        await mongo.note_transaction(stopping, "journal_db", cut, open_=True)  # type: ignore[arg-type]
        await mongo.settle_transactions(stopping, "journal_db")  # type: ignore[arg-type]
        await mongo.note_transaction(stopping, "journal_db", cut, open_=False)  # type: ignore[arg-type]
        later = _Session()
        await mongo.note_transaction(other, "journal_db", later, open_=True)  # type: ignore[arg-type]
        await mongo.note_transaction(other, "journal_db", later, open_=False)  # type: ignore[arg-type]
        notes = [p.read_text() for p in tmp_path.glob("journal_db.*.lsid")]
        assert notes == [bytes(cut.session_id["id"]).hex()]
    finally:
        mongo._journal = previous
