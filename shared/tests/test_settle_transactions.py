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


def _client(serial: bool) -> _Client:
    client = _Client()
    mongo._serial_mode[id(client)] = serial
    return client


@pytest.mark.parametrize("serial", [True, False], ids=["embedded", "replica set"])
async def test_open_transactions_are_cancelled_and_waited_for(serial: bool) -> None:
    client, db = _client(serial), f"db_{uuid.uuid4().hex[:6]}"
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

    tasks = [asyncio.create_task(batch(n)) for n in range(1 if serial else 3)]
    await asyncio.wait_for(entered.wait(), 1)
    await asyncio.sleep(0.01)
    await asyncio.wait_for(mongo.settle_transactions(client, db), 2)  # type: ignore[arg-type]
    assert sorted(ended) == list(range(len(tasks)))  # every abort finished before the settle returned
    assert all(t.cancelled() or t.done() for t in tasks)
    assert client in mongo._closing
    assert not mongo._inside[db]


async def test_a_transaction_already_cancelled_is_not_cancelled_again() -> None:
    """A second cancel would interrupt the abort the first one started."""
    client, db = _client(True), f"db_{uuid.uuid4().hex[:6]}"
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


async def test_a_settle_cut_short_still_marks_the_client_closing() -> None:
    """The journal of a closing client is kept: a transaction the settle could not end is ended at the next start."""
    client, db = _client(True), f"db_{uuid.uuid4().hex[:6]}"
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


async def test_a_closing_client_keeps_its_transaction_journal(tmp_path) -> None:
    previous = mongo._journal
    mongo.set_transaction_journal(tmp_path)
    try:
        open_client, closing = _client(True), _client(True)
        for client in (open_client, closing):
            await mongo.note_transaction(client, "journal_db", _Session(), open_=True)  # type: ignore[arg-type]
            if client is closing:
                await mongo.settle_transactions(client, "journal_db")  # type: ignore[arg-type]
            await mongo.note_transaction(client, "journal_db", _Session(), open_=False)  # type: ignore[arg-type]
            kept = (tmp_path / "journal_db.lsid").exists()
            assert kept == (client is closing)  # its abort may not have reached the server: the next start ends it
    finally:
        mongo._journal = previous
