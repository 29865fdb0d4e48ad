"""Runs the real stack (Rasa server, action server, nurture service) on free ports for e2e tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from nurture_engine.config import load_settings
from nurture_engine.stack import stack_env, stack_processes
from nurture_engine.store.migrate import upgrade
from nurture_engine.supervisor import Supervisor
from nurture_engine.testing import PROJECT_ROOT, free_port

MODEL = PROJECT_ROOT / "models" / "nurture.tar.gz"
ADMIN_TOKEN = "e2e-admin-" + uuid.uuid4().hex
ACTION_TOKEN = "e2e-action-" + uuid.uuid4().hex
RASA_TOKEN = "e2e-rasa-" + uuid.uuid4().hex


@dataclass
class Stack:
    var_dir: Path
    database_url: str
    tracker_url: str
    events_url: str
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    serve_port: int = field(default_factory=free_port)
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    supervisor: Supervisor | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    """More environment for every process (channel tokens, fake API base URLs)."""
    env: dict[str, str] = field(default_factory=dict)
    """The environment the stack's processes run with (set by start())."""

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def serve_url(self) -> str:
        return f"http://127.0.0.1:{self.serve_port}"

    def start(self) -> None:
        if not MODEL.exists():
            raise RuntimeError(f"no trained model at {MODEL}: run `make train` (make test does)")
        env = {"NURTURE_DATABASE_URL": self.database_url, "NURTURE_TRACKER_URL": self.tracker_url,
               "NURTURE_EVENTS_URL": self.events_url,
               "NURTURE_ADMIN_TOKEN": ADMIN_TOKEN, "NURTURE_ACTION_TOKEN": ACTION_TOKEN,
               "RASA_TOKEN": RASA_TOKEN, "NURTURE_HOME": str(PROJECT_ROOT),
               "NURTURE_RASA_URL": self.rasa_url, **self.extra_env}
        import os

        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("NURTURE_", "RASA_", "TELEGRAM_", "SLACK_"))}
        settings = load_settings(env=env, root=PROJECT_ROOT)
        upgrade(self.database_url)
        full_env = stack_env(settings, {**base, **env}, action_port=self.action_port, serve_port=self.serve_port)
        specs = stack_processes(settings, model=MODEL, rasa_port=self.rasa_port, action_port=self.action_port,
                                serve_port=self.serve_port)
        self.env = full_env
        self.supervisor = Supervisor(specs, full_env, self.var_dir / "log")
        try:
            self.loop.run_until_complete(self.supervisor.start(timeout=240))
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.supervisor is not None:
            self.loop.run_until_complete(self.supervisor.stop())
            self.supervisor = None
        self.loop.close()

    def nurture(self, *args: str, timeout: float = 120) -> str:
        """Runs a `nurture` command against this stack's databases and services; returns its stdout."""
        import subprocess

        from nurture_engine.stack import bin_path

        done = subprocess.run([bin_path("nurture"), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        assert done.returncode == 0, f"nurture {' '.join(args)} failed: {done.stderr[-3000:]}"
        return done.stdout

    def logs(self) -> str:
        out = []
        for path in sorted((self.var_dir / "log").glob("*.log")):
            out.append(f"--- {path.name} ---\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(out)


async def admin_get(stack: Stack, http: aiohttp.ClientSession, path: str, **params: str) -> dict[str, Any]:
    async with http.get(f"{stack.serve_url}{path}", params=params,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())


async def wait_for(fetch: Callable[[], Awaitable[dict[str, Any]]], ok: Callable[[dict[str, Any]], bool],
                   timeout: float = 30.0) -> dict[str, Any]:
    """Polls until `ok(value)`: the behaviour consumer works asynchronously."""
    deadline = asyncio.get_running_loop().time() + timeout
    value = await fetch()
    while not ok(value):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s; last value: {value}")
        await asyncio.sleep(0.5)
        value = await fetch()
    return value


class Visitor:
    """One person chatting over the REST channel."""

    channel = "rest"

    def __init__(self, stack: Stack, http: aiohttp.ClientSession, sender: str | None = None) -> None:
        self.stack = stack
        self.http = http
        self.sender = sender or "visitor-" + uuid.uuid4().hex[:12]

    async def say(self, text: str) -> list[str]:
        async with self.http.post(f"{self.stack.rasa_url}/webhooks/rest/webhook",
                                  json={"sender": self.sender, "message": text}) as resp:
            assert resp.status == 200, await resp.text()
            body = await resp.json()
        return [m.get("text", "") for m in body]

    async def lead(self) -> dict[str, Any]:
        return await admin_get(self.stack, self.http, "/api/leads/lookup", channel=self.channel,
                               sender_id=self.sender)


class SocketVisitor(Visitor):
    """One person chatting over Rasa's socketio channel, as the website widget does."""

    channel = "web"

    async def connect(self) -> None:
        import socketio

        self.replies: asyncio.Queue[str] = asyncio.Queue()
        self.sio = socketio.AsyncClient()
        confirmed = asyncio.Event()
        self.sio.on("session_confirm", lambda _data: confirmed.set())
        self.sio.on("bot_uttered", lambda data: self.replies.put_nowait(data.get("text", "")))
        await self.sio.connect(self.stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
        await self.sio.emit("session_request", {"session_id": self.sender})
        await asyncio.wait_for(confirmed.wait(), 10)

    async def close(self) -> None:
        await self.sio.disconnect()

    async def say(self, text: str) -> list[str]:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.sender,
                                             "metadata": {"input_channel": "socketio"}})  # as the widget does
        replies = [await asyncio.wait_for(self.replies.get(), 30)]
        while True:  # the channel has no end-of-turn marker: collect until it is quiet
            try:
                replies.append(await asyncio.wait_for(self.replies.get(), 1.5))
            except asyncio.TimeoutError:
                return replies
