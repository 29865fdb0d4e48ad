"""A recording aiohttp server on 127.0.0.1 with fault injection; the API fakes build on it.

It runs either on the caller's event loop (`await fake.start()`) or on a thread of its own
(`fake.start_in_thread()`), so a session-wide fixture can serve a Rasa process for many tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True, kw_only=True)
class RecordedCall:
    method: str
    """The API method, e.g. ``sendMessage`` or ``chat.postMessage``."""
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    """The HTTP status the fake answered (an injected fault's, or 200)."""


@dataclass(frozen=True, kw_only=True)
class Fault:
    status: int
    retry_after: int | None = None


class FakeApiServer:
    """Records every call; answers with an injected fault when one is queued or drawn."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self.faults: list[RecordedCall] = []
        self._queued: deque[Fault] = deque()
        self._ratio = 0.0
        self._ratio_faults: tuple[Fault, ...] = ()
        self._rng = random.Random(0)  # noqa: S311 - reproducible fault draws, not crypto
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port = 0
        self.app = web.Application(client_max_size=1024 * 1024)
        self.add_routes(self.app)

    # -- for subclasses -------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def take_fault(self) -> Fault | None:
        """The fault to answer the current call with, if any (queued ones first)."""
        with self._lock:
            if self._queued:
                return self._queued.popleft()
            if self._ratio and self._rng.random() < self._ratio:
                return self._rng.choice(self._ratio_faults)
        return None

    def record(self, call: RecordedCall, *, failed: bool = False, status: int | None = None) -> None:
        if status is not None:
            call = dataclasses.replace(call, status=status)
        with self._lock:
            (self.faults if failed else self.calls).append(call)

    # -- for tests --------------------------------------------------------------------------------
    def fail_next(self, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        with self._lock:
            self._queued.extend(Fault(status=status, retry_after=retry_after) for _ in range(times))

    def fail_ratio(self, ratio: float, faults: tuple[Fault, ...], *, seed: int = 0) -> None:
        """Answer a random `ratio` of calls with one of `faults` (0 turns it off)."""
        with self._lock:
            self._ratio, self._ratio_faults, self._rng = ratio, faults, random.Random(seed)  # noqa: S311

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.faults.clear()
            self._queued.clear()
            self._ratio = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> str:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self.stop())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name=type(self).__name__, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self.url

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None
