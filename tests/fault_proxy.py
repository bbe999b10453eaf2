"""A TCP proxy a test controls, to put in front of PostgreSQL: pass, stall or cut.

``stall`` keeps every connection open but moves no byte either way (a database whose processes
are stopped, or a network that drops packets); ``cut`` closes every connection and refuses new
ones (a database that is down); ``resume`` goes back to passing bytes.
"""

from __future__ import annotations

import select
import socket
import threading
from contextlib import suppress


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.mode = "pass"
        self.lock = threading.Lock()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self) -> None:
        self.mode = "stall"

    def resume(self) -> None:
        self.mode = "pass"

    def cut(self) -> None:
        self.mode = "cut"
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, upstream in pairs:
            for end in (client, upstream):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "cut":
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        ends = {client: upstream, upstream: client}
        try:
            while not self.closed:
                if self.mode == "stall":
                    threading.Event().wait(0.05)
                    continue
                readable, _, _ = select.select(list(ends), [], [], 0.05)
                if self.mode != "pass":
                    continue
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    ends[end].sendall(data)
        except (OSError, ValueError):  # closed by cut() meanwhile
            return
        finally:
            for end in ends:
                end.close()
