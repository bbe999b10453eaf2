"""`ledger serve --workers N`: each worker listens on a socket of its own, connections opened
together reach every worker, an uneven split of keep-alive connections evens out, a worker that
dies is replaced, and stopping leaves no process.

Which worker holds a connection is read from the operating system (the worker process owning
the server end of that TCP connection), not from anything the server says about itself; which
socket a worker listens on, from its file descriptors (the socket's inode). Linux only: that is
where ``SO_REUSEPORT`` spreads connections, and where /proc shows socket inodes.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from live_servers import LEDGER, free_port, wait_healthy

pytestmark = [
    pytest.mark.backends("sqlite"),
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreading"),
]

#: Connections per check: if each reaches a worker at random, all of them missing one of two
#: workers happens once in 2**31 runs.
CONNECTIONS = 32
#: Bound on waiting for a process to start or stop (a loaded machine imports slowly).
PATIENCE_SECONDS = 90
#: Rounds of one request per connection within which an uneven split must even out: each round
#: the worker over its share asks its excess to reconnect, and a reconnection lands on either
#: worker, so staying uneven for all of them happens about once in 2**ROUNDS runs.
ROUNDS = 30


@dataclass
class Served:
    arbiter: subprocess.Popen[bytes]
    port: int
    #: every worker seen, so that teardown can kill those a killed arbiter left (psutil checks
    #: that a pid was not reused before it signals it)
    seen: dict[int, psutil.Process] = field(default_factory=dict)


@contextmanager
def ledger_serve(tmp_path: Path, workers: int) -> Iterator[Served]:
    env = {**os.environ, "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}"}
    subprocess.run([LEDGER, "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    arbiter = subprocess.Popen(
        [LEDGER, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = Served(arbiter, port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", deadline=PATIENCE_SECONDS)
        wait_for(lambda: len(listening_workers(served)) == workers)
        yield served
    finally:
        if arbiter.poll() is None:
            arbiter.kill()
        arbiter.wait()
        for worker in served.seen.values():
            with suppress(psutil.NoSuchProcess):
                worker.kill()


def wait_for(condition: Callable[[], object], what: str = "condition") -> None:
    until = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < until, f"{what} not met within {PATIENCE_SECONDS} s"
        time.sleep(0.1)


def alive(process: psutil.Process) -> bool:
    try:  # is_running also says whether the pid now names another process
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def worker_pids(served: Served) -> list[int]:
    if served.arbiter.poll() is not None:  # reaped: its pid may be another process's by now
        return []
    try:
        children = psutil.Process(served.arbiter.pid).children()
    except psutil.NoSuchProcess:
        return []
    for child in children:
        served.seen.setdefault(child.pid, child)
    return [child.pid for child in children]


def listening_workers(served: Served) -> dict[int, str]:
    """Worker pid -> the inode of the socket it listens on at the served port."""
    found: dict[int, str] = {}
    for pid in worker_pids(served):
        try:
            for conn in psutil.Process(pid).net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr.port == served.port:
                    found[pid] = os.readlink(f"/proc/{pid}/fd/{conn.fd}")
        except (psutil.NoSuchProcess, FileNotFoundError):
            continue
    return found


def owners_of_connections(served: Served, count: int = CONNECTIONS) -> list[int]:
    """Opens ``count`` connections at once, has each answer /healthz from the database the
    environment names (a fresh one: no event), and returns the pid of the worker holding the
    server end of each, read as soon as it has answered. A connection the server has already
    closed has no holder and is left out: HTTP lets a server close an idle keep-alive connection
    at any time (idle ones after a few seconds, which a loaded host can take to get through all
    of them; some right after a worker was replaced), and a worker holding more than its share
    answers some with ``Connection: close``."""
    with ExitStack() as stack:
        clients = []
        for _ in range(count):
            client = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
            stack.callback(client.close)
            client.connect()
            clients.append((client, client.sock.getsockname()[1]))
        for client, _ in clients:
            client.request("GET", "/healthz")
        owners = []
        for client, port in clients:
            answer = client.getresponse()
            assert answer.status == 200
            assert json.loads(answer.read())["headPosition"] == 0
            owners.extend(holders_of(served, port))
        return owners


def holders_of(served: Served, client_port: int) -> list[int]:
    """The worker holding the server end of the connection from ``client_port``, if any."""
    holders = [
        pid
        for pid in worker_pids(served)
        for conn in psutil.Process(pid).net_connections(kind="tcp")
        if conn.laddr.port == served.port and conn.raddr and conn.raddr.port == client_port
    ]
    assert len(holders) <= 1, f"connection from port {client_port} held by {holders}"
    return holders


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with ledger_serve(tmp_path_factory.mktemp("serve"), workers=2) as served:
        yield served


def test_each_worker_listens_on_a_socket_of_its_own(two_workers: Served) -> None:
    """One socket shared by the workers (uvicorn's --workers) would show one inode twice."""
    sockets = listening_workers(two_workers)
    assert len(sockets) == 2
    assert len(set(sockets.values())) == 2, sockets


def test_connections_opened_together_reach_both_workers(two_workers: Served) -> None:
    owners = owners_of_connections(two_workers)
    assert set(owners) == set(worker_pids(two_workers)), owners


def held_split(served: Served, clients: list[http.client.HTTPConnection]) -> list[int]:
    """How many of ``clients`` each worker holds (most first), once the workers hold exactly
    those connections: each client connected, and every other connection to the port (ones
    the client or the server closed just before) gone from the workers."""
    for client in clients:
        if client.sock is None:  # told to close by its last answer: reconnect, as a request would
            client.connect()
    ports = {client.sock.getsockname()[1] for client in clients}
    split: Counter[int] = Counter()

    def settled() -> bool:
        split.clear()
        held: set[int] = set()
        for pid in worker_pids(served):
            with suppress(psutil.NoSuchProcess):
                for conn in psutil.Process(pid).net_connections(kind="tcp"):
                    if conn.laddr.port == served.port and conn.raddr:
                        held.add(conn.raddr.port)
                        split[pid] += conn.raddr.port in ports
        return held == ports

    wait_for(settled, "the workers holding exactly the clients' connections")
    return sorted(split.values(), reverse=True)


def split_as(
    served: Served, stack: ExitStack, heavy: int, light: int
) -> list[http.client.HTTPConnection]:
    """Keep-alive connections ``heavy`` of which one worker holds and ``light`` the other,
    chosen among connections opened one by one (the kernel picks the worker of each)."""
    kept: list[http.client.HTTPConnection] = []
    held: Counter[int] = Counter()
    first: int | None = None
    while len(kept) < heavy + light:
        client = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
        client.connect()
        holder = accepted_by(served, client.sock.getsockname()[1])
        first = first or holder
        if held[holder] < (heavy if holder == first else light):
            held[holder] += 1
            kept.append(client)
            stack.callback(client.close)
        else:
            client.close()
    assert held_split(served, kept) == [heavy, light]
    return kept


def accepted_by(served: Served, client_port: int) -> int:
    """The worker holding a connection just opened, once one has accepted it."""
    holders: list[int] = []
    wait_for(lambda: holders.extend(holders_of(served, client_port)) or holders, "an accept")
    return holders[0]


def answer_each(clients: list[http.client.HTTPConnection]) -> int:
    """One request on each connection; how many answers asked the client to reconnect."""
    reconnect = 0
    for client in clients:
        client.request("GET", "/healthz")
        answer = client.getresponse()
        assert answer.status == 200
        answer.read()
        reconnect += answer.getheader("connection") == "close"
    return reconnect


def evens_out(served: Served) -> None:
    with ExitStack() as stack:
        clients = split_as(served, stack, 6, 2)
        reconnected = 0
        for _ in range(ROUNDS):
            reconnected += answer_each(clients)
            if held_split(served, clients) == [4, 4]:
                break
        assert held_split(served, clients) == [4, 4]
        assert reconnected >= 2
        # even, it stays so: no client is asked to reconnect
        assert not sum(answer_each(clients) for _ in range(5))


def test_an_uneven_split_of_keep_alive_connections_evens_out(two_workers: Served) -> None:
    """Six connections on one worker and two on the other: the first worker asks clients to
    reconnect (``Connection: close`` on an answer) until each holds four, then asks none."""
    evens_out(two_workers)


def test_a_killed_worker_is_replaced_by_one_that_answers(two_workers: Served) -> None:
    survivor, victim = sorted(listening_workers(two_workers))
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: set(listening_workers(two_workers)) - {survivor, victim}, "a replacement")
    replacement = (set(listening_workers(two_workers)) - {survivor}).pop()
    assert replacement != victim
    assert replacement in owners_of_connections(two_workers)


def test_connections_even_out_after_a_worker_was_replaced(two_workers: Served) -> None:
    """A dead worker's slot (and the connections it held) is no longer counted: the
    replacement and the survivor share the connections between them. Runs after the test
    killing a worker (pytest keeps the order of a module)."""
    evens_out(two_workers)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_server_and_every_worker(tmp_path: Path, stop: int) -> None:
    with ledger_serve(tmp_path, workers=2) as served:
        workers = [served.seen[pid] for pid in worker_pids(served)]
        served.arbiter.send_signal(stop)
        assert served.arbiter.wait(timeout=PATIENCE_SECONDS) == 0
        assert not [worker for worker in workers if alive(worker)]


def test_workers_stop_by_themselves_when_their_arbiter_is_killed(tmp_path: Path) -> None:
    """No orphan keeps serving (and holding the port) after ``kill -9`` of ``ledger serve``."""
    with ledger_serve(tmp_path, workers=2) as served:
        workers = [served.seen[pid] for pid in worker_pids(served)]
        served.arbiter.kill()
        served.arbiter.wait()
        wait_for(lambda: not [w for w in workers if alive(w)], "the workers' exit")


def test_an_address_in_use_is_refused_rather_than_shared(tmp_path: Path) -> None:
    """Workers binding with SO_REUSEPORT would join another server's group on the port (a
    second `ledger serve`, say) and take half its connections: serve refuses instead."""
    env = {**os.environ, "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}"}
    subprocess.run([LEDGER, "migrate"], env=env, check=True, capture_output=True)
    with socket.create_server(("127.0.0.1", 0)) as other:
        port = other.getsockname()[1]
        refused = subprocess.run(
            [LEDGER, "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=PATIENCE_SECONDS,
        )
    assert refused.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr
