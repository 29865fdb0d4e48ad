"""Start the stack's processes, wait until each answers, and stop all of them together.

Each child runs in its own process group, so stopping it also stops anything it spawned:
Ctrl-C (or SIGTERM) leaves no orphan processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

from .stack import ProcessSpec

log = logging.getLogger(__name__)
_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand(argv: Sequence[str], env: Mapping[str, str]) -> list[str]:
    return [_VAR.sub(lambda m: env.get(m.group(1), ""), arg) for arg in argv]


class Supervisor:
    def __init__(self, specs: Sequence[ProcessSpec], env: Mapping[str, str], log_dir: Path) -> None:
        self._specs = specs
        self._env = dict(env)
        self._log_dir = log_dir
        self.procs: dict[str, asyncio.subprocess.Process] = {}

    async def start(self, *, timeout: float = 180.0) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        for spec in self._specs:
            out = (self._log_dir / f"{spec.name}.log").open("ab")
            self.procs[spec.name] = await asyncio.create_subprocess_exec(
                *expand(spec.argv, self._env), env=self._env, stdout=out, stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL, start_new_session=True)
            out.close()
        await asyncio.gather(*(self._wait_healthy(spec, timeout) for spec in self._specs))

    async def _wait_healthy(self, spec: ProcessSpec, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while loop.time() < deadline:
                proc = self.procs[spec.name]
                if proc.returncode is not None:
                    raise RuntimeError(f"{spec.name} exited with {proc.returncode}; see "
                                       f"{self._log_dir / (spec.name + '.log')}")
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                    async with http.get(spec.health_url) as resp:
                        if resp.status < 500:
                            return
                await asyncio.sleep(0.5)
        raise TimeoutError(f"{spec.name} did not answer at {spec.health_url} within {timeout:.0f}s")

    async def wait_any_exit(self) -> str:
        waiters = {asyncio.ensure_future(p.wait()): name for name, p in self.procs.items()}
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return waiters[next(iter(done))]

    async def stop(self, *, grace: float = 15.0) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        for proc in self.procs.values():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), max(0.1, deadline - loop.time()))
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGKILL)  # the whole group, stragglers included
            if proc.returncode is None:
                await proc.wait()


def _signal_group(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
