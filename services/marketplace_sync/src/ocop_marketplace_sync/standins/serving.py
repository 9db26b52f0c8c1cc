"""Serve the two stand-ins over real HTTP inside the current process (tests, benchmarks): each on a port the
OS picks, their apps at hand so a caller can inject faults or look at what a "platform" holds."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import FastAPI

from ocop_marketplace_sync.standins import postmart, voso
from ocop_shared.standins import serve


@dataclass
class Standins:
    voso_url: str
    postmart_url: str
    voso: FastAPI  # .state.store holds what each "platform" has
    postmart: FastAPI


@contextlib.asynccontextmanager
async def serve_standins(host: str = "127.0.0.1") -> AsyncIterator[Standins]:
    apps = [voso.create_app(), postmart.create_app()]
    async with serve(apps, host) as urls:
        yield Standins(urls[0], urls[1], apps[0], apps[1])
