"""The supervisor stops every child and every grandchild: no orphans after Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from nurture_engine.stack import ProcessSpec
from nurture_engine.supervisor import Supervisor, expand

CHILD = """
import http.server, os, subprocess, sys, threading
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(sys.argv[2], "w").write(f"{os.getpid()} {grandchild.pid}")
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purposes
        return stat.read().split()[2] != "Z"


async def test_stop_leaves_no_orphans(tmp_path: Path) -> None:
    import socket

    ports = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
    specs = [ProcessSpec(name=f"child{i}", argv=[sys.executable, "-c", CHILD, str(port), str(tmp_path / f"pids{i}")],
                         health_url=f"http://127.0.0.1:{port}/") for i, port in enumerate(ports)]
    supervisor = Supervisor(specs, dict(os.environ), tmp_path / "log")
    await supervisor.start(timeout=30)
    pids = [int(p) for i in range(2) for p in (tmp_path / f"pids{i}").read_text().split()]
    assert all(_alive(pid) for pid in pids)
    await supervisor.stop(grace=5)
    for _ in range(50):  # a killed process disappears from /proc a moment later
        if not any(_alive(pid) for pid in pids):
            break
        await asyncio.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)


async def test_a_child_that_dies_at_start_is_reported(tmp_path: Path) -> None:
    spec = ProcessSpec(name="broken", argv=[sys.executable, "-c", "raise SystemExit(3)"],
                       health_url="http://127.0.0.1:9/")
    supervisor = Supervisor([spec], dict(os.environ), tmp_path / "log")
    with pytest.raises(RuntimeError, match="broken exited with 3"):
        await supervisor.start(timeout=30)
    await supervisor.stop(grace=1)


def test_placeholders_are_expanded_from_the_environment() -> None:
    assert expand(["--auth-token", "${RASA_TOKEN}", "x${MISSING}y"], {"RASA_TOKEN": "t"}) == ["--auth-token", "t", "xy"]
