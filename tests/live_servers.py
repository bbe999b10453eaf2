"""Real servers for tests that need a network peer (websockets, several processes): uvicorn in a
thread of the test process, or `ledger serve` processes of their own, on free loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

LEDGER = Path(sys.executable).with_name("ledger")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_healthy(base: str, deadline: float = 30.0) -> None:
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base} did not answer /healthz within {deadline} s")


@contextmanager
def server_thread(app: FastAPI, **config: Any) -> Iterator[str]:
    """The app on uvicorn in a thread; yields its base URL ('http://127.0.0.1:PORT')."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **config
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def server_process(database_url: str, **settings: str) -> Iterator[str]:
    """`ledger serve` as a process of its own against ``database_url``."""
    port = free_port()
    env = {**os.environ, "LEDGER_DATABASE_URL": database_url}
    env.update({f"LEDGER_{name.upper()}": value for name, value in settings.items()})
    process = subprocess.Popen(
        [str(LEDGER), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(base)
        except TimeoutError:
            process.terminate()
            raise RuntimeError(process.communicate(timeout=10)[1].decode()[-2000:]) from None
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
