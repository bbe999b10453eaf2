"""The HTTP server's own bounds on slow clients, which no ASGI middleware can see.

uvicorn's h11 protocol times out idle keep-alive connections, but a client that sends its
request headers one byte at a time (slowloris) holds a connection for ever. Here a request's
headers must be complete within ``header_timeout`` seconds of the connection opening or of the
previous answer; otherwise the connection is closed. A slow *body* is bounded by the request
deadline (:mod:`ledger.http.guard`), which answers 408.

Under several workers, the protocol also counts its worker's connections and, while the worker
holds more than its share, answers a request with ``Connection: close``
(:mod:`ledger.http.connection_share`).

Every accepted TCP connection also gets ``TCP_NODELAY``. asyncio sets it only on sockets created
with ``proto=IPPROTO_TCP``: uvicorn's single process gets those from ``loop.create_server``, but
with ``--workers`` it binds the listening socket itself with ``proto=0``, and h11 writes an
answer's headers and body in two writes, so Nagle's algorithm held the body back until the
client's delayed ACK (40 ms a request on Linux).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.flow_control import CLOSE_HEADER
from uvicorn.protocols.http.h11_impl import H11Protocol

from ledger.http.connection_share import ConnectionShare

HEADER_TIMEOUT_SECONDS = 10.0


class BoundedH11Protocol(H11Protocol):
    header_timeout = HEADER_TIMEOUT_SECONDS
    #: the worker's view of the connections table (:meth:`sharing`); none in one process
    share: ClassVar[ConnectionShare | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        #: the share this connection is counted in, until it is lost or upgraded
        self._counted_in: ConnectionShare | None = None
        self._shed = False

    @classmethod
    def sharing(cls, share: ConnectionShare) -> type[BoundedH11Protocol]:
        """This protocol, counting its connections in ``share`` (uvicorn makes the protocol
        from a class, so the worker's share is a class attribute of a class of its own)."""
        return type(cls.__name__, (cls,), {"share": share})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _no_delay(transport)
        self._arm()
        if self.share is not None:
            self.share.opened()
            self._counted_in = self.share

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        share = self._counted_in
        if share is None:
            return
        if self._upgraded():
            self._uncount()
        elif (
            self.cycle is not cycle
            and self.cycle is not None
            and not self._shed
            and share.should_shed()
        ):
            self._shed = True
            # read by the cycle when it starts the answer, which h11 then ends by closing
            self.cycle.default_headers = [*self.cycle.default_headers, CLOSE_HEADER]

    def data_received(self, data: bytes) -> None:
        if self._between_requests():
            self._arm()
        super().data_received(data)
        if not self._between_requests() or self._upgraded():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._uncount()
        super().connection_lost(exc)

    def _uncount(self) -> None:
        if self._counted_in is not None:
            self._counted_in.closed(self._shed)
            self._counted_in = None

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _upgraded(self) -> bool:
        """A websocket handshake hands the transport to the websocket protocol: from then on
        this HTTP connection has no more requests to wait for (a live subscription is not a slow
        client), and its timer must not close the socket under the subscription."""
        return self.transport.get_protocol() is not self

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self._upgraded():
            return
        if self._between_requests() and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers did not arrive in time")
            if self.conn.our_state is not h11.ERROR:
                with contextlib.suppress(h11.LocalProtocolError):
                    self.conn.send(h11.ConnectionClosed())
            self.transport.close()


def _no_delay(transport: asyncio.Transport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):  # a socket already reset by its peer
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
