"""Served throughput against the framework floor: the table of issue 16.

For each database (SQLite file; PostgreSQL with ``--postgres``) it loads the report data set,
starts ``ledger serve --workers N`` and the floor app (bench/floor_app.py: strawberry + FastAPI
answering a constant, served exactly as ``ledger serve`` serves the ledger: the same
``ledger.http.serving.serve``, so one uvicorn process or N workers under gunicorn, the same HTTP
protocol class and keep-alive) on their own ports, and drives each with ``wrk`` (Debian:
``apt-get install wrk``), POSTing GraphQL over keep-alive connections. Runs alternate
between the floor and the ledger, repetition by repetition, so drift on a shared machine hits
both alike; each figure is the best repetition. The servers of every worker count run at once
and alternate too (each repetition times 1 worker, then 2, then 1 again), so that the scaling
ratio compares runs taken minutes apart no more than the floor ratio does: this machine's speed
drifts over a run (the floor moved 260-416 req/s within one session), and a ratio of two blocks
run one after the other measured the drift as much as the workers. ``--baseline-src DIR`` also
serves another
checkout's ``src`` (say, the commit before this work) as "before" in the same alternation, with
uvicorn's own ``--workers`` (an older checkout has no ``ledger.http.serving``).

    python bench/serve.py                                  # SQLite
    python bench/serve.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/serve.py --duration 3 --reps 2 --baseline-src /tmp/before/src

The ledger is served twice: "now" with its answer cache (``LEDGER_GRAPHQL_CACHE_BYTES``, on by
default) and "uncached" with it off. wrk repeats one document against an unchanging ledger, so
every "now" request after the first is a cache hit: those rows are the cache's speed (what a
front-end asking the same views between appends gets), the "uncached" rows the resolvers'.

Prints, per database, concurrency and worker count: req/s, p50, p99 and the longest request
(one stall shows there; wrk's p99 at c=8 is about the rare stalls, README *Two workers*),
socket errors if any, the ratio to the floor (the ledger's ``/healthz`` against a plain FastAPI
route), then at the highest concurrency the most-worker/1-worker throughput ratio and p99/p50
at each worker count (issue 16's targets: at c=8, 2 workers >= 1.6x one; p99 <= 4x p50), and
the load average before and after. Each
server's log is kept while it runs and what it says went wrong (warnings, errors, tracebacks,
a worker replaced) is printed when the server stops.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx

from pg_schema import own_schema
from readme_queries import PERSON_HISTORY, REPORT_SUMMARY

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

QUERIES: dict[str, str] = {
    "README report summary": REPORT_SUMMARY,
    "one person's history": PERSON_HISTORY,
    "page of persons with recommendations": """{
  persons(asOf: "2020-02-17", first: 20) { totalCount edges { node {
    name custodyStatus custodySince { text }
    recommendations { code status statusWording } } } } }""",
}
FLOOR_QUERY = "{ hello }"


@dataclass(frozen=True)
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    #: the longest request seen (wrk's "Max"): one stall shows here whatever the percentiles
    max_ms: float
    #: connections wrk saw fail (connect, read, write) or requests it timed out
    socket_errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server on port {port} did not come up in {timeout} s")


@contextmanager
def served(
    command: list[str], env: dict[str, str], port: int, workers: int, name: str
) -> Iterator[int]:
    """Starts a server, waits for every worker to answer, and stops it afterwards, printing
    what its log says went wrong meanwhile (a worker replaced, a warning, an error): a stall
    in the figures is then the server's own or not."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(port, process)
            time.sleep(2.0 * workers)  # let the other workers finish importing too
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            log.seek(0)
            for line in troubles(log.read().decode(errors="replace"), workers):
                print(f"  {name}, {workers} worker(s): {line}", flush=True)


def troubles(log: str, workers: int) -> list[str]:
    """What a server's log says went wrong while it served, each kind once with how often: the
    lines of a warning or worse (without their time and pid), tracebacks by their exception,
    and more workers booted than it started with (one was replaced). The floor app has no
    request guard, so wrk leaving in the middle of its last requests shows there as
    ``ClientDisconnect`` tracebacks, after the timed run."""
    found: Counter[str] = Counter()
    lines = log.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("Traceback"):
            ending = next((later for later in lines[number + 1 :] if not later[:1].isspace()), "")
            found[f"Traceback ... {ending}"] += 1
        elif re.search(r"\b(WARNING|ERROR|CRITICAL|WORKER TIMEOUT)\b", line):
            found[re.sub(r"^\[[^]]*\] \[\d+\] ", "", line)] += 1
    booted = len(re.findall(r"Booting worker", log))
    if booted > workers:
        found[f"{booted} workers booted for {workers}: {booted - workers} replaced"] += 1
    return [f"{count} x {what}" for what, count in found.items()]


def serve_command(factory: str, port: int, workers: int) -> list[str]:
    """``factory`` served as ``ledger serve`` serves the ledger (``ledger.http.serving.serve``)."""
    code = (
        "import sys; from ledger.http.serving import serve; "
        "serve(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2]), workers=int(sys.argv[3]),"
        " access_log=False, graceful_seconds=15)"
    )
    return [str(BIN / "python"), "-c", code, factory, str(port), str(workers)]


def uvicorn_command(factory: str, port: int, workers: int) -> list[str]:
    """uvicorn's own command line, for an older checkout (``--baseline-src``)."""
    return [
        str(BIN / "python"),
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--timeout-worker-healthcheck",
        "30",
        # the HTTP protocol `ledger serve` runs (TCP_NODELAY, header timeout): same per-request
        # cost, and without it a multi-worker floor waits 40 ms for every delayed ACK
        "--http",
        "ledger.http.server:BoundedH11Protocol",
        "--timeout-keep-alive",
        "5",
    ]


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _millis(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s)", value.strip())
    assert found is not None, value
    number, unit = found.groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, body: str | None, connections: int, duration: float, scripts: Path) -> Run:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", url]
    if body is not None:
        script = scripts / f"{uuid.uuid4().hex}.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(json.dumps({'query': body}))}\n"
        )
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"errors answered by {url}:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _millis(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _millis(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    longest = _millis(re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    failed = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = sum(int(n) for n in failed.groups()) if failed else 0
    return Run(rps, p50, p99, longest, errors)


def check_answers(port: int) -> None:
    """A benchmark of error answers measures nothing: every query must answer data."""
    for name, query in QUERIES.items():
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query}).json()
        if answer.get("errors") or not answer.get("data"):
            raise RuntimeError(f"{name}: {answer}")


@contextmanager
def database(kind: str, postgres: str | None, folder: Path) -> Iterator[str]:
    """A migrated database holding the report data set, dropped afterwards."""
    if kind == "sqlite":
        place: AbstractContextManager[str] = nullcontext(f"sqlite:///{folder / 'ledger.db'}")
    else:
        assert postgres is not None
        place = own_schema(postgres, "bench_serve")
    with place as url:
        env = {**os.environ, "LEDGER_DATABASE_URL": url}
        for step in (["migrate"], ["load", str(ROOT / "events")]):
            subprocess.run([str(BIN / "ledger"), *step], env=env, check=True, capture_output=True)
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL: bench it too (its own schema)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--reps", type=int, default=3, help="alternating repetitions")
    parser.add_argument("--concurrency", default="1,8", help="wrk connections, comma-separated")
    parser.add_argument("--workers", default="1,2", help="server processes, comma-separated")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ as 'before'")
    parser.add_argument(
        "--only",
        help="comma-separated servers to time besides the floor's {hello}: now, uncached, before"
        " (default: all; /healthz with now and before)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/serve.py drives the servers with wrk: apt-get install wrk")
    levels = [int(c) for c in args.concurrency.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    kinds = ["sqlite"] + (["postgres"] if args.postgres else [])
    targets = ["floor {hello}", "floor /healthz"] + [f"now: {q}" for q in QUERIES]
    targets.append("now: /healthz")
    targets += [f"uncached: {q}" for q in QUERIES]
    if args.baseline_src:
        targets += [f"before: {q}" for q in QUERIES] + ["before: /healthz"]
    if args.only:
        wanted = set(args.only.split(","))
        targets = [t for t in targets if t.partition(": ")[0] in wanted or t == "floor {hello}"]
        if any(t.endswith("/healthz") for t in targets):  # their ratio is to this floor
            targets.insert(1, "floor /healthz")
    results: dict[tuple[str, int, int, str], Run] = {}
    print(
        f"wrk, {args.duration:g} s runs, best of {args.reps} alternating; "
        f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind in kinds:
            with database(kind, args.postgres, folder) as url:
                bench_servers(kind, url, worker_counts, levels, targets, args, folder, results)
    report(results, kinds, worker_counts, levels, targets)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


def bench_servers(
    kind: str,
    url: str,
    worker_counts: list[int],
    levels: list[int],
    targets: list[str],
    args: argparse.Namespace,
    folder: Path,
    results: dict[tuple[str, int, int, str], Run],
) -> None:
    env = {**os.environ, "LEDGER_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    ports: dict[tuple[int, str], int] = {}
    with ExitStack() as stack:
        for workers in worker_counts:
            ports.update({(workers, who): free_port() for who in SERVERS})
            floor_cmd = serve_command(
                "bench.floor_app:create_floor_app", ports[workers, "floor"], workers
            )
            now_cmd = [str(BIN / "ledger"), "serve", "--port", str(ports[workers, "now"])]
            now_cmd += ["--workers", str(workers), "--no-access-log"]
            uncached_cmd = [*now_cmd[:3], str(ports[workers, "uncached"]), *now_cmd[4:]]
            uncached_env = {**env, "LEDGER_GRAPHQL_CACHE_BYTES": "0"}
            stack.enter_context(served(floor_cmd, env, ports[workers, "floor"], workers, "floor"))
            stack.enter_context(served(now_cmd, env, ports[workers, "now"], workers, "now"))
            stack.enter_context(
                served(uncached_cmd, uncached_env, ports[workers, "uncached"], workers, "uncached")
            )
            stack.enter_context(baseline(args.baseline_src, env, ports[workers, "before"], workers))
            check_answers(ports[workers, "now"])
            check_answers(ports[workers, "uncached"])
        for _ in range(args.reps):
            for workers in worker_counts:
                for connections in levels:
                    for target in targets:
                        port, path, body = _aim(target, workers, ports)
                        address = f"http://127.0.0.1:{port}{path}"
                        run = wrk(address, body, connections, args.duration, folder)
                        key = (kind, connections, workers, target)
                        if key not in results or run.rps > results[key].rps:
                            results[key] = run
            print(f"  done: {kind}, a repetition of {worker_counts} worker(s)", flush=True)


#: The servers each worker count runs: the floor, the ledger with and without its answer cache,
#: and another checkout's (``--baseline-src``).
SERVERS = ("floor", "now", "uncached", "before")


def _aim(
    target: str, workers: int, ports: dict[tuple[int, str], int]
) -> tuple[int, str, str | None]:
    """The port, path and GraphQL document (None: a GET) a target is timed with."""
    who, _, what = target.partition(": ") if ": " in target else ("floor", "", "")
    if target == "floor {hello}":
        return ports[workers, "floor"], "/graphql", FLOOR_QUERY
    if target == "floor /healthz":
        return ports[workers, "floor"], "/healthz", None
    if what == "/healthz":
        return ports[workers, who], "/healthz", None
    return ports[workers, who], "/graphql", QUERIES[what]


@contextmanager
def baseline(src: Path | None, env: dict[str, str], port: int, workers: int) -> Iterator[None]:
    if src is None:
        yield
        return
    command = uvicorn_command("ledger.app:create_app", port, workers)
    with served(command, {**env, "PYTHONPATH": str(src)}, port, workers, "before"):
        check_answers(port)
        yield


def report(
    results: dict[tuple[str, int, int, str], Run],
    kinds: list[str],
    worker_counts: list[int],
    levels: list[int],
    targets: list[str],
) -> None:
    for kind in kinds:
        print(f"\n## {kind}\n")
        columns = [(c, w) for w in worker_counts for c in levels]
        print("| query | " + " | ".join(f"c={c}, {w} worker(s)" for c, w in columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        for target in targets:
            cells = []
            for c, w in columns:
                run = results[(kind, c, w, target)]
                floor_name = "floor /healthz" if target.endswith("/healthz") else "floor {hello}"
                ratio = run.rps / results[(kind, c, w, floor_name)].rps
                cell = f"{run.rps:.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms"
                cell += f", max {run.max_ms:.0f} ms"
                if run.socket_errors:
                    cell += f", {run.socket_errors} socket errors"
                if not target.startswith("floor"):
                    cell += f" ({ratio:.2f}x floor)"
                cells.append(cell)
            print(f"| {target} | " + " | ".join(cells) + " |")
        top, few, many = max(levels), min(worker_counts), max(worker_counts)
        print(
            f"\nc={top}: {many} workers / {few} worker (req/s), and p99/p50 at each worker count:"
        )
        for target in targets:
            one = results[(kind, top, few, target)]
            most = results[(kind, top, many, target)]
            runs = [(w, results[(kind, top, w, target)]) for w in worker_counts]
            tails = ", ".join(f"{w}w p99/p50 {run.p99_ms / run.p50_ms:.1f}" for w, run in runs)
            print(f"  {target}: {most.rps / one.rps:.2f}x, {tails}")


if __name__ == "__main__":
    main()
