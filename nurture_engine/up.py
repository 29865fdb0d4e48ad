"""`nurture up`: migrate, train if needed, run the whole embedded stack until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess

from .bootstrap import resolve_database_url
from .config import Settings
from .stack import RASA_PORT, SERVE_PORT, ensure_tokens, stack_env, stack_processes
from .store.migrate import upgrade
from .supervisor import Supervisor


async def run_stack(settings: Settings, *, train: bool = True) -> int:
    env = stack_env(settings, os.environ)
    generated = ensure_tokens(env, settings.var_dir)
    upgrade(resolve_database_url(settings))
    model = settings.root / "models" / "nurture.tar.gz"
    if not model.exists():
        if not train:
            print(f"no model at {model}: run `nurture train` first")
            return 2
        from .cli import train_argv, train_env

        print("training the assistant (about 2 minutes on 2 cores)...")
        if await asyncio.to_thread(subprocess.call, train_argv(settings.root), env=train_env()) != 0:
            return 1
    supervisor = Supervisor(stack_processes(settings, model=model), env, settings.var_dir / "log")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print("starting Rasa, the action server and the nurture service (logs in var/log/)...")
        await supervisor.start()
        print(f"\n  Chat with the assistant:  http://localhost:{SERVE_PORT}/")
        print(f"  Rasa REST channel:        POST http://localhost:{RASA_PORT}/webhooks/rest/webhook")
        print(f"  Admin API:                http://localhost:{SERVE_PORT}/api/leads "
              f"(Bearer token in var/secrets.env{'; generated now' if generated else ''})")
        print("\n  Ctrl-C stops everything.\n")
        exit_task = asyncio.ensure_future(supervisor.wait_any_exit())
        stop_task = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({exit_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        if exit_task in done:
            print(f"{exit_task.result()} stopped unexpectedly; stopping the rest (see var/log/)")
            return 1
        return 0
    finally:
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()
        with contextlib.suppress(Exception):
            await supervisor.stop()
        print("stopped.")
