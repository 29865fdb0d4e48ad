"""A recording channel endpoint: the `NURTURE_RECORDING_URL` target of crash tests and benchmarks.
It lives outside the dispatcher process, so a killed dispatcher cannot take the record with it."""

from __future__ import annotations

from collections import Counter

from aiohttp import web

from .base import FakeApiServer, RecordedCall


class RecordingChannel(FakeApiServer):
    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/record", self._record)

    @property
    def record_url(self) -> str:
        return f"{self.url}/record"

    async def _record(self, request: web.Request) -> web.Response:
        body = await request.json()
        fault = self.take_fault()
        call = RecordedCall(method="record", params=body)
        if fault is not None:
            self.record(call, failed=True, status=fault.status)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return web.json_response({"ok": False}, status=fault.status, headers=headers)
        self.record(call)
        return web.json_response({"ok": True})

    def keys(self) -> Counter[str]:
        with self._lock:
            return Counter(str(c.params["key"]) for c in self.calls)
