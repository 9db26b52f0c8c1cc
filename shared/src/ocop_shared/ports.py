"""What every service's use cases need from a unit of work and a repository, as Protocols.

A service's ``app/ports.py`` extends them with its repositories (read-only members, so the real unit of work's
repositories and the unit tests' in-memory fakes are both subtypes); :class:`ocop_shared.uow.MongoUnitOfWork`
and :class:`ocop_shared.repository.ModelRepository` are the real ones.
"""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar

from pydantic import BaseModel

from ocop_shared.events.envelope import CloudEvent

T = TypeVar("T")


class Repository(Protocol[T]):
    """The entities of one kind by id (those loaded or stored in a unit of work have their events collected)."""

    async def get(self, entity_id: str, /) -> T | None: ...
    async def add(self, entity: T, /) -> None: ...
    async def add_many(self, entities: list[T], /) -> None: ...
    async def save(self, entity: T, /) -> None: ...


class UnitOfWork(Protocol):
    """``async with uow: ... await uow.commit()``; leaving the block without commit changes nothing.
    The repositories also serve plain reads outside the block."""

    async def __aenter__(self) -> Self: ...
    async def __aexit__(self, *exc: Any) -> None: ...
    async def commit(self) -> None: ...
    def emit(self, payload: BaseModel, *, key: str, subject: str | None = None) -> CloudEvent: ...
    # The audit trail: the next commit records this action by this person (ocop_shared.audit).
    def acting(self, principal: Any, action: str, *, scope: tuple[str, ...] = (), **targets: str | None) -> Self: ...
    def note(self, **detail: Any) -> None: ...
