"""The scale-out stack for e2e tests: two Rasa processes on two ports sharing conversations through the
PostgreSQL tracker store and the Redis lock store, Rasa's RabbitMQ broker feeding `nurture serve`'s consumer,
the action server, and extra `nurture worker` dispatchers. Switched by configuration only: the environment
and bot/endpoints.scale.yml. Each run uses its own Redis key prefix and RabbitMQ queue, removed by stop()."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from nurture_engine.config import load_settings
from nurture_engine.stack import bin_path, stack_env, stack_processes
from nurture_engine.store.migrate import upgrade
from nurture_engine.supervisor import Supervisor
from nurture_engine.testing import PROJECT_ROOT

from .stack import ACTION_TOKEN, ADMIN_TOKEN, MODEL, RASA_TOKEN, free_port

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 0
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class ScaleStack:
    var_dir: Path
    database_url: str
    tracker_url: str
    config_path: Path
    recording_url: str
    rasa_ports: tuple[int, int] = field(default_factory=lambda: (free_port(), free_port()))
    action_port: int = field(default_factory=free_port)
    serve_port: int = field(default_factory=free_port)
    redis_prefix: str = field(default_factory=lambda: "nurturee2e" + uuid.uuid4().hex[:10])  # alphanumeric
    queue: str = field(default_factory=lambda: "nurture_e2e_" + uuid.uuid4().hex[:10])
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    supervisor: Supervisor | None = None
    env: dict[str, str] = field(default_factory=dict)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def rasa_urls(self) -> tuple[str, str]:
        return (f"http://127.0.0.1:{self.rasa_ports[0]}", f"http://127.0.0.1:{self.rasa_ports[1]}")

    @property
    def serve_url(self) -> str:
        return f"http://127.0.0.1:{self.serve_port}"

    def scale_env(self) -> dict[str, str]:
        """Everything that switches the stack to scale-out mode: environment only."""
        return {
            "NURTURE_DATABASE_URL": self.database_url, "NURTURE_TRACKER_URL": self.tracker_url,
            "NURTURE_EVENTS_URL": f"sqlite:///{self.var_dir / 'unused-events.db'}",  # the SQL broker is not used
            "NURTURE_ENDPOINTS": str(PROJECT_ROOT / "bot" / "endpoints.scale.yml"),
            "NURTURE_REDIS_HOST": REDIS_HOST, "NURTURE_REDIS_PORT": str(REDIS_PORT),
            "NURTURE_REDIS_DB": str(REDIS_DB), "NURTURE_REDIS_PREFIX": self.redis_prefix,
            "NURTURE_RABBITMQ_HOST": "127.0.0.1", "NURTURE_RABBITMQ_USER": "guest",
            "NURTURE_RABBITMQ_PASSWORD": "guest", "NURTURE_RABBITMQ_QUEUE": self.queue,
            "NURTURE_RABBITMQ_URL": RABBIT_URL,
            "NURTURE_CONFIG": str(self.config_path), "NURTURE_RECORDING_URL": self.recording_url,
            "NURTURE_ADMIN_TOKEN": ADMIN_TOKEN, "NURTURE_ACTION_TOKEN": ACTION_TOKEN, "RASA_TOKEN": RASA_TOKEN,
            "NURTURE_HOME": str(PROJECT_ROOT), "NURTURE_RASA_URL": self.rasa_urls[0],
        }

    def start(self) -> None:
        if not MODEL.exists():
            raise RuntimeError(f"no trained model at {MODEL}: run `make train` (make test does)")
        env = self.scale_env()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "RASA_", "TELEGRAM_", "SLACK_"))}
        settings = load_settings(env=env, root=PROJECT_ROOT)
        upgrade(self.database_url)
        self.env = stack_env(settings, {**base, **env}, action_port=self.action_port, serve_port=self.serve_port)
        specs = stack_processes(settings, model=MODEL, rasa_port=self.rasa_ports[0], action_port=self.action_port,
                                serve_port=self.serve_port)
        second = next(s for s in stack_processes(settings, model=MODEL, rasa_port=self.rasa_ports[1],
                                                 action_port=self.action_port, serve_port=self.serve_port)
                      if s.name == "rasa")
        specs.append(replace(second, name="rasa2"))
        self.supervisor = Supervisor(specs, self.env, self.var_dir / "log")
        try:
            self.loop.run_until_complete(self.supervisor.start(timeout=300))
        except BaseException:
            self.stop()
            raise

    def start_workers(self, n: int = 2) -> None:
        """`nurture worker` dispatcher processes; worker i appends sent follow-ups through Rasa process i % 2."""
        for i in range(n):
            log = (self.var_dir / "log" / f"worker{i}.log").open("ab")
            env = {**self.env, "NURTURE_RASA_URL": self.rasa_urls[i % 2]}
            self.workers.append(subprocess.Popen([bin_path("nurture"), "worker", "--batch", "50", "--idle", "0.2"],
                                                 env=env, stdout=log, stderr=subprocess.STDOUT,
                                                 start_new_session=True))
            log.close()

    def stop_workers(self) -> list[int]:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = []
        for proc in self.workers:
            try:
                codes.append(proc.wait(20))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                codes.append(proc.wait(10))
        self.workers = []
        return codes

    def stop(self) -> None:
        self.stop_workers()
        if self.supervisor is not None:
            self.loop.run_until_complete(self.supervisor.stop())
            self.supervisor = None
        try:
            self.loop.run_until_complete(self._clean_broker())
        finally:
            self.loop.close()
            self._clean_redis()

    async def _clean_broker(self) -> None:
        import aio_pika

        connection = await aio_pika.connect(RABBIT_URL)
        channel = await connection.channel()
        await channel.queue_delete(self.queue)
        await connection.close()

    def _clean_redis(self) -> None:
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        keys = list(client.scan_iter(f"{self.redis_prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()

    def redis_keys(self) -> list[bytes]:
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        try:
            return list(client.scan_iter(f"{self.redis_prefix}:*"))
        finally:
            client.close()

    def logs(self) -> str:
        out = []
        for path in sorted((self.var_dir / "log").glob("*.log")):
            out.append(f"--- {path.name} ---\n" + path.read_text(errors="replace")[-4000:])
        return "\n".join(out)
