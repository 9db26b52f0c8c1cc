"""Serve the two stand-ins over real HTTP inside the current process (tests, benchmarks): each on a port the
OS picks, their apps at hand so a caller can inject faults or look at what a "platform" holds."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from ocop_marketplace_sync.standins import postmart, voso


@dataclass
class Standins:
    voso_url: str
    postmart_url: str
    voso: FastAPI  # .state.store holds what each "platform" has
    postmart: FastAPI


@contextlib.asynccontextmanager
async def serve_standins(host: str = "127.0.0.1") -> AsyncIterator[Standins]:
    apps = [voso.create_app(), postmart.create_app()]
    servers = [uvicorn.Server(uvicorn.Config(app, host=host, port=0, log_level="warning")) for app in apps]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        while not all(server.started for server in servers):
            if any(task.done() for task in tasks):  # uvicorn gave up (e.g. the host cannot be bound)
                raise RuntimeError("a marketplace stand-in did not start")
            await asyncio.sleep(0.02)
        urls = [f"http://{host}:{server.servers[0].sockets[0].getsockname()[1]}" for server in servers]
        yield Standins(urls[0], urls[1], apps[0], apps[1])
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)
