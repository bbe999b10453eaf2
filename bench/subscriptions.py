"""Live-update latency and delivery rate: append → subscriber, on PostgreSQL, two server processes.

Starts two `ledger serve` processes against one fresh PostgreSQL schema, opens N subscriptions
(`eventsAppended`, graphql-transport-ws) spread over both servers (several per connection, as a
page with a few live widgets would), then:

* **latency**: appends one event at a time, alternating between the two servers (so half of
  the deliveries cross processes through LISTEN/NOTIFY), and times each delivery from the
  moment the append was acknowledged (the HTTP 201: the commit has happened) and from the
  moment the request was sent (an upper bound that includes the append itself);
* **rate**: appends a burst of events as fast as one writer can and reports events delivered
  per second over all subscribers (deliveries / time from the first send to the last delivery).

The bench process, both servers and PostgreSQL share the machine's cores, so the figures are
the whole system's, client included.

    python bench/subscriptions.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/subscriptions.py --subscribers 1,100,1000 --events 40 --burst 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.config import Settings
from ledger.container import build_ledger
from ledger.security.roles import Role
from ledger.security.tokens import create_token
from ledger.store.migrate import upgrade

LEDGER = Path(sys.executable).with_name("ledger")
PER_CONNECTION = 20
SUBSCRIPTION = "subscription { eventsAppended(streamId: $STREAM) { position } }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A database of its own: the writer lock (an advisory lock) and NOTIFY are per database, so
    nothing else running against the server's other databases shares them."""
    name = f"ledger_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def servers(url: str, count: int, subscribers: int) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_WS_MAX_SUBSCRIPTIONS_PER_TOKEN": str(subscribers + 10),
        "LEDGER_WS_MAX_SUBSCRIPTIONS_PER_CONNECTION": str(PER_CONNECTION),
        "LEDGER_WRITE_RATE_PER_MINUTE": "0",
    }
    processes, bases = [], []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [str(LEDGER), "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            until = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > until:
                    raise TimeoutError(f"{base} did not start")
                time.sleep(0.1)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


class Subscribers:
    """N subscriptions over ceil(N / PER_CONNECTION) websockets, alternating between servers;
    every delivery is recorded as (position, arrival time)."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[float]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.sockets: list[Any] = []

    async def open(self, bases: list[str], count: int, stream: str) -> None:
        query = SUBSCRIPTION.replace("$STREAM", json.dumps(stream))
        remaining, index = count, 0
        while remaining:
            size = min(PER_CONNECTION, remaining)
            base = bases[index % len(bases)]
            url = base.replace("http://", "ws://") + "/graphql"
            ws = await websockets.connect(
                url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], max_queue=None
            )
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            for operation in range(size):
                message = {"id": str(operation), "type": "subscribe", "payload": {"query": query}}
                await ws.send(json.dumps(message))
            self.sockets.append(ws)
            self.tasks.append(asyncio.create_task(self._receive(ws)))
            remaining -= size
            index += 1

    async def _receive(self, ws: Any) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "next":
                position = message["payload"]["data"]["eventsAppended"]["position"]
                self.arrivals.setdefault(position, []).append(time.perf_counter())
            elif message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))

    async def wait_for(self, position: int, count: int, timeout: float = 60) -> None:
        until = time.perf_counter() + timeout
        while len(self.arrivals.get(position, ())) < count:
            if time.perf_counter() > until:
                got = len(self.arrivals.get(position, ()))
                raise TimeoutError(f"position {position}: {got} of {count} deliveries")
            await asyncio.sleep(0.001)

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for task in self.tasks:
            task.cancel()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(bases: list[str], token: str, count: int, events: int, burst: int) -> str:
    stream = f"person-bench-{uuid.uuid4().hex[:8]}"
    subscribers = Subscribers()
    await subscribers.open(bases, count, stream)
    await asyncio.sleep(1.0)  # every subscription registered on its server
    headers = {"Authorization": f"Bearer {token}"}
    since_ack: list[float] = []
    since_send: list[float] = []

    def event(name: str) -> dict[str, Any]:
        return {"type": "PersonProfiled", "data": {"name": name}, "sources": [{"title": "b"}]}

    async with httpx.AsyncClient(timeout=60) as client:
        for index in range(events):
            base = bases[index % len(bases)]
            sent = time.perf_counter()
            answer = await client.post(
                f"{base}/v1/streams/{stream}/events",
                json={"events": [event(f"latency {index}")]},
                headers=headers,
            )
            acknowledged = time.perf_counter()
            assert answer.status_code == 201, answer.text
            position = answer.json()["events"][0]["position"]
            await subscribers.wait_for(position, count)
            for arrival in subscribers.arrivals[position]:
                since_ack.append(arrival - acknowledged)
                since_send.append(arrival - sent)
            await asyncio.sleep(0.02)

        started = time.perf_counter()
        last = 0
        for index in range(burst):
            base = bases[index % len(bases)]
            answer = await client.post(
                f"{base}/v1/streams/{stream}/events",
                json={"events": [event(f"burst {index}")]},
                headers=headers,
            )
            last = answer.json()["events"][0]["position"]
        await subscribers.wait_for(last, count, timeout=300)
        finished = max(subscribers.arrivals[last])
    await subscribers.close()
    rate = burst * count / (finished - started)
    ms = 1000
    ack = [percentile(since_ack, share) * ms for share in (0.5, 0.99)]
    send = [percentile(since_send, share) * ms for share in (0.5, 0.99)]
    return (
        f"{count:>6} | {ack[0]:7.1f} | {ack[1]:7.1f} | {send[0]:7.1f} | {send[1]:7.1f}"
        f" | {burst / (finished - started):8.1f} | {rate:10.0f}"
        f"   (mean since ack {statistics.fmean(since_ack) * ms:.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "LEDGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--subscribers", default="1,100,1000")
    parser.add_argument("--events", type=int, default=40, help="single appends timed one by one")
    parser.add_argument("--burst", type=int, default=200, help="appends sent back to back")
    args = parser.parse_args()
    counts = [int(n) for n in args.subscribers.split(",")]
    print(
        f"PostgreSQL, 2 `ledger serve` processes, {PER_CONNECTION} subscriptions per websocket; "
        f"{args.events} timed appends, then a burst of {args.burst}"
    )
    print(
        "subscr | p50 ack | p99 ack | p50 snd | p99 snd | events/s | deliveries/s"
        "   (latency in ms from the append's 201 / from sending it)"
    )
    for count in counts:
        with fresh_database(args.postgres) as url:
            ledger = build_ledger(Settings(database_url=url))
            upgrade(ledger.engine)
            token = create_token(ledger.engine, "bench", Role.EDITOR)
            ledger.close()
            with servers(url, 2, count) as bases:
                print(
                    asyncio.run(measure(bases, token, count, args.events, args.burst)), flush=True
                )


if __name__ == "__main__":
    main()
