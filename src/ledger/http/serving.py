"""How ``ledger serve`` runs an app factory: one uvicorn process, or N uvicorn workers under
gunicorn, each listening on a socket of its own.

Why not uvicorn's own ``--workers``: its workers share one listening socket, and asyncio accepts
every connection pending on a wake-up, so the keep-alive connections a client or a proxy opens
together mostly land in the one worker that woke first (``wrk -c8``, 2 workers: all 8 in one
process in 5 runs of 6, one worker's throughput). gunicorn (24 and later) with ``reuse_port``
binds a listening socket in each worker instead, all on the same address with ``SO_REUSEPORT``,
and the kernel hands each new connection to one of them by a hash of its addresses and ports:
connections spread over the workers, whichever wakes first. The spreading is Linux's; on macOS
and the BSDs sockets sharing a port that way do not share its connections, so there the workers
share gunicorn's one socket (uvicorn's behaviour). Because any process of the same user could
join a ``SO_REUSEPORT`` group, the port is first bound plainly once: a port already in use, by a
second ``ledger serve`` too, is refused instead of silently shared.

gunicorn also supervises: a worker that dies is replaced (listening on a new socket of its
own), one whose event loop stops ticking for ``timeout`` seconds is killed and replaced, SIGTERM
stops every worker gracefully (requests under way get their deadline, then the arbiter kills
what is left), SIGINT and SIGQUIT stop them without waiting for idle keep-alive clients, SIGHUP
starts fresh workers and retires the old ones, and a worker whose app cannot start stops the
server instead of restarting in a loop. A worker whose arbiter was killed outright stops by
itself within a second or two rather than serve on as an orphan.

Each worker is uvicorn, as the single process is: the same HTTP protocol class (slow-header
timeout, ``TCP_NODELAY``), keep-alive, websockets and graceful shutdown. The workers also keep
their shares of keep-alive connections even: the arbiter's table of connection counts, one slot
per worker (:mod:`ledger.http.connection_share`). Each builds its own app
(and so its own engine and pool) with the factory after the fork.

Every server process, one or a worker, freezes its heap once the app is built (:func:`build`):
the garbage collector's full collections then no longer walk the ~140,000 objects the app and
its modules keep for the life of the process, which stalled every request under way.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import sys
from typing import Any

import uvicorn
from gunicorn.app.base import BaseApplication
from uvicorn.importer import import_from_string
from uvicorn_worker import UvicornWorker

from ledger.http.connection_share import ShareTable
from ledger.http.server import BoundedH11Protocol

#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE_SECONDS = 5
#: A worker still importing on a busy host is starting, not hung: it must show a tick within this.
WORKER_TIMEOUT_SECONDS = 30
#: How much longer the arbiter waits for a stopping worker than the worker waits for its requests.
ARBITER_GRACE_SECONDS = 5
#: How often a worker shows the arbiter it is alive, and checks that the arbiter still is.
NOTIFY_SECONDS = 1
#: Where ``SO_REUSEPORT`` spreads connections over the sockets sharing a port.
SPREADS_CONNECTIONS = sys.platform.startswith("linux")


def serve(
    factory: str, *, host: str, port: int, workers: int, access_log: bool, graceful_seconds: int
) -> None:
    """Serves ``factory`` (an import string, ``module:function``) until stopped by a signal.

    ``graceful_seconds`` is how long stopping waits for requests under way. Raises
    ``CannotListen`` when several workers are asked for and the address is in use or invalid
    (one process reports that itself, in uvicorn's log, and exits).
    """
    if workers == 1:
        uvicorn.run(
            build(factory),
            host=host,
            port=port,
            log_level="info",
            access_log=access_log,
            http=BoundedH11Protocol,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=graceful_seconds,
        )
        return
    refuse_an_address_in_use(host, port)
    # the arbiter's heap too: a collection in a worker then never writes to the pages it shares
    # with the arbiter since the fork
    gc.collect()
    gc.freeze()
    table = ShareTable(workers)
    _Workers(
        factory,
        {
            "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
            "workers": workers,
            "worker_class": LedgerWorker,
            "reuse_port": SPREADS_CONNECTIONS,
            "keepalive": KEEP_ALIVE_SECONDS,
            "timeout": WORKER_TIMEOUT_SECONDS,
            "graceful_timeout": graceful_seconds + ARBITER_GRACE_SECONDS,
            "loglevel": "info",
            "errorlog": "-",
            "accesslog": "-" if access_log else None,
            # gunicorn's control socket defaults to one path per user: two servers would clash
            "control_socket_disable": True,
            "pre_fork": table.claim,
            "child_exit": table.release,
        },
        table,
    ).run()


def build(factory: str) -> Any:
    """The app its factory builds, with everything alive by then frozen out of the garbage
    collector's view (``gc.freeze``).

    The app, its modules, the GraphQL schema and SQLAlchemy's tables leave ~140,000 objects that
    live as long as the process. Each full collection walked them all: about 100 ms of CPU on
    the 2-core machine, during which every request under way waits (the collector holds the
    interpreter lock), and under load at c=8 a full collection came every second or two. Frozen
    (after one collection, so no garbage is kept for ever), they are never walked again; a full
    collection walks only what was made since: caches and requests under way.
    """
    app = import_from_string(factory)()
    gc.collect()
    gc.freeze()
    return app


class CannotListen(Exception):
    """The address is in use (or not this host's): the message names it and why."""


def refuse_an_address_in_use(host: str, port: int) -> None:
    """Raises ``CannotListen`` if anything listens on ``host:port``: a plain bind fails against
    any listener, a ``SO_REUSEPORT`` group included, where the workers' binds would join it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # as the workers bind: connections of an earlier server still in TIME_WAIT are no conflict
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CannotListen(f"{host}:{port}: {exc.strerror or exc}") from exc


class LedgerWorker(UvicornWorker):  # type: ignore[misc]
    """A gunicorn worker running uvicorn as ``ledger serve`` does with one process."""

    CONFIG_KWARGS = {"loop": "auto", "http": BoundedH11Protocol}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config.access_log = self.cfg.accesslog is not None  # else each line built for nobody
        self.config.timeout_graceful_shutdown = max(
            1, round(self.cfg.graceful_timeout) - ARBITER_GRACE_SECONDS
        )
        self.config.timeout_notify = NOTIFY_SECONDS
        #: given by the arbiter's ``pre_fork`` hook (:meth:`ShareTable.claim`)
        self.share_slot: int | None = None

    def init_process(self) -> None:
        """In the worker, after the fork: its HTTP protocol counts in its slot of the table."""
        if self.share_slot is not None:
            share = self.app.table.share(self.share_slot)
            self.config.http = BoundedH11Protocol.sharing(share)
        super().init_process()

    def _install_sigquit_handler(self) -> None:
        """gunicorn's quick stop (SIGINT or SIGQUIT to the arbiter) sends workers SIGQUIT, which
        uvicorn's server does not listen for: the inherited handler only marks the worker dead
        while it serves on until the arbiter's SIGKILL. Here SIGQUIT stops the server as SIGTERM
        does, which closes idle connections at once."""
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGQUIT, signal.raise_signal, signal.SIGTERM
        )

    async def callback_notify(self) -> None:
        if os.getppid() != self.ppid:
            self.log.warning("worker %s: the arbiter is gone; stopping", os.getpid())
            signal.raise_signal(signal.SIGTERM)
            return
        self.notify()


class _Workers(BaseApplication):  # type: ignore[misc]
    """gunicorn embedded: its configuration from here only, never from a gunicorn.conf.py in the
    working directory or ``GUNICORN_CMD_ARGS``."""

    def __init__(self, factory: str, options: dict[str, Any], table: ShareTable) -> None:
        self.factory = factory
        self.options = options
        #: the workers' connection counts, made before any fork so that every worker shares it
        self.table = table
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """Runs in each worker after the fork: its own app, engine and pool."""
        return build(self.factory)
