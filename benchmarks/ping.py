"""Throughput of ``GET /debug.ping`` through the full apiserver stack, against a bare Falcon app.

What is measured
    Requests per second and average latency of ``GET /debug.ping``, as reported by ``wrk``,
    for two servers run one after the other with identical gunicorn settings (sync workers,
    ``--workers N``, bound to a free 127.0.0.1 port):

    * ``apiserver``   - ``apiserver.server:wsgi_app()`` (``create_app()`` from the packaged
      configuration, heap frozen for the garbage collector): path parsing, endpoint resolution,
      the call object, the handler, response checking and the envelope.
    * ``bare falcon`` - ``benchmarks/bare_app.py``: one Falcon route returning the very bytes
      our server returned for one real ``debug.ping`` call (captured first with urllib).

    Both servers send the same response body over the same HTTP stack, so the difference is the
    cost of our own per-call pipeline. Each server is polled until it answers, warmed up with a
    short ``wrk`` run, then measured with ``wrk -t T -c C -d S --latency``.

How to read the ratio
    The last line is ``ratio (apiserver / bare falcon)``: our requests/s divided by the bare
    app's. 1.00 would mean our pipeline costs nothing; the goal is at least 0.70, i.e. the
    framework keeps 70 % of what Falcon + gunicorn can do on this machine. Absolute numbers
    depend on the machine (and ``wrk`` shares its CPUs), so compare ratios, not raw req/s.

Usage
    python benchmarks/ping.py [--workers N] [--duration S] [--connections C] [--threads T]
                               [--rounds R] [--json]

Exit status: 0 on success, 1 if a server fails to start or a run fails, 2 if ``wrk`` is missing.
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
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from apiserver.embedded import Engines, start_engines, stop_process

HOST = "127.0.0.1"
PATH = "/debug.ping"
REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
BODY_FILE_ENV = "BENCH_BARE_BODY_FILE"  # read by bare_app.create_app()

READY_TIMEOUT_S = 30.0
READY_POLL_S = 0.2
STOP_TIMEOUT_S = 10.0
WARMUP_S = 2
WRK_GRACE_S = 30.0
GOAL_RATIO = 0.7

LATENCY_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
RPS_RE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
LATENCY_RE = re.compile(r"^\s+Latency\s+([\d.]+)(us|ms|s|m|h)\s", re.MULTILINE)
PERCENTILE_RE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_ERRORS_RE = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
)


class BenchError(RuntimeError):
    """A server or a wrk run did not behave; the message says which and why."""


@dataclass(frozen=True)
class Server:
    """How to start one gunicorn-served app."""

    name: str
    app: str  # gunicorn factory spec, e.g. "apiserver.server:wsgi_app()"
    pythonpath: Path
    env: dict[str, str]


@dataclass(frozen=True)
class Result:
    """One wrk measurement."""

    server: str
    requests_per_sec: float
    latency_avg_ms: float
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    non_2xx: int
    socket_errors: int


def log(message: str) -> None:
    """Report progress on stderr, so stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


def positive_int(text: str) -> int:
    """Argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=positive_int, default=2, help="gunicorn workers")
    parser.add_argument("--duration", type=positive_int, default=10, help="seconds per run")
    parser.add_argument("--connections", type=positive_int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=positive_int, default=2, help="wrk threads")
    parser.add_argument("--rounds", type=positive_int, default=3,
                        help="alternating measurements per server; the median is reported")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.connections < args.threads:
        parser.error("--connections must be >= --threads (wrk needs one connection per thread)")
    return args


def free_port() -> int:
    """Return a loopback port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def url(port: int) -> str:
    """The benchmarked URL on a loopback port."""
    return f"http://{HOST}:{port}{PATH}"


def gunicorn_command(server: Server, port: int, workers: int) -> list[str]:
    """The gunicorn command line; identical settings for every server."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "sync",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--chdir",
        str(REPO_ROOT),
        "--pythonpath",
        str(server.pythonpath),
        "--log-level",
        "warning",
        "--graceful-timeout",
        "5",
        server.app,
    ]


def start_server(server: Server, port: int, workers: int, log_file: Path) -> subprocess.Popen:
    """Start gunicorn in the background, its output going to ``log_file``."""
    env = {**os.environ, **server.env}
    with log_file.open("wb") as out:
        return subprocess.Popen(
            gunicorn_command(server, port, workers),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master and wait; SIGKILL it if it does not stop in time."""
    stop_process(proc, STOP_TIMEOUT_S)


def fetch(port: int, timeout: float = 2.0) -> bytes:
    """GET the benchmarked URL once and return the body; raise on a non-200 answer."""
    with urllib.request.urlopen(url(port), timeout=timeout) as response:
        if response.status != 200:
            raise BenchError(f"{url(port)} answered {response.status}")
        return response.read()


def tail(log_file: Path, lines: int = 20) -> str:
    """The last lines of a server log, for error messages."""
    if not log_file.exists():
        return ""
    return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])


def wait_ready(proc: subprocess.Popen, port: int, log_file: Path) -> bytes:
    """Poll until the server answers 200 and return that body; bounded in attempts and time."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    for _ in range(int(READY_TIMEOUT_S / READY_POLL_S) + 1):
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{tail(log_file)}")
        try:
            return fetch(port, timeout=1.0)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() >= deadline:
            break
        time.sleep(READY_POLL_S)
    raise BenchError(f"no answer from {url(port)} in {READY_TIMEOUT_S:.0f}s:\n{tail(log_file)}")


def run_wrk(wrk: str, port: int, threads: int, connections: int, duration: int) -> str:
    """Run wrk once and return its report."""
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--latency",
        url(port),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=duration + WRK_GRACE_S
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk did not finish within {duration + WRK_GRACE_S:.0f}s") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def to_ms(value: str, unit: str) -> float:
    """Convert a wrk duration such as ``1.23`` ``ms`` to milliseconds."""
    return float(value) * LATENCY_UNITS_MS[unit]


def parse_wrk(name: str, report: str) -> Result:
    """Read requests/s, latency and error counts out of a wrk --latency report."""
    rps = RPS_RE.search(report)
    latency = LATENCY_RE.search(report)
    if rps is None or latency is None:
        raise BenchError(f"cannot parse the wrk report for {name}:\n{report}")
    percentiles = {m[1]: to_ms(m[2], m[3]) for m in PERCENTILE_RE.finditer(report)}
    non_2xx = NON_2XX_RE.search(report)
    sockets = SOCKET_ERRORS_RE.search(report)
    return Result(
        server=name,
        requests_per_sec=float(rps[1]),
        latency_avg_ms=to_ms(latency[1], latency[2]),
        latency_p50_ms=percentiles.get("50"),
        latency_p99_ms=percentiles.get("99"),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def measure(server: Server, port: int, args: argparse.Namespace, wrk: str) -> Result:
    """Measure one running server once."""
    log(f"measuring {server.name} ({args.duration}s, {args.connections} connections)")
    report = run_wrk(wrk, port, args.threads, args.connections, args.duration)
    return parse_wrk(server.name, report)


def median_result(results: list[Result]) -> Result:
    """The run with the median requests/s."""
    return sorted(results, key=lambda r: r.requests_per_sec)[len(results) // 2]


def store_env(engines: Engines) -> dict[str, str]:
    """Environment overrides that point our server at the embedded engines."""
    return {
        "APISERVER__" + key.replace(".", "__"): json.dumps(value)
        for key, value in engines.config_overrides().items()
    }


def servers(body_file: Path, engines: Engines) -> tuple[Server, Server]:
    """Our app and the bare baseline, which serves the bytes stored in ``body_file``."""
    ours = Server("apiserver", "apiserver.server:wsgi_app()", REPO_ROOT, store_env(engines))
    bare = Server(
        "bare falcon", "bare_app:create_app()", BENCH_DIR, {BODY_FILE_ENV: str(body_file)}
    )
    return ours, bare


def start_ready(
    server: Server, args: argparse.Namespace, wrk: str, log_file: Path, procs: list
) -> tuple[int, bytes]:
    """Start a server, wait until it answers, warm it up; return its port and body."""
    port = free_port()
    log(f"starting {server.name} on {HOST}:{port} ({args.workers} sync workers)")
    proc = start_server(server, port, args.workers, log_file)
    procs.append(proc)
    body = wait_ready(proc, port, log_file)
    log(f"warming up {server.name} ({WARMUP_S}s)")
    run_wrk(wrk, port, args.threads, args.connections, WARMUP_S)
    return port, body


def run(args: argparse.Namespace, wrk: str) -> tuple[Result, Result]:
    """Start both servers, then measure them alternately; return the median of each.

    NOTE: alternating rounds spread background noise over both servers; an idle sync
    worker costs nothing while the other server is measured.
    """
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench-ping-") as tmp:
        tmp_dir = Path(tmp)
        body_file = tmp_dir / "body.json"
        log("starting the embedded engines our server needs")
        engines = start_engines(tmp_dir / "engines")
        ours, bare = servers(body_file, engines)
        try:
            ours_port, body = start_ready(ours, args, wrk, tmp_dir / "apiserver.log", procs)
            body_file.write_bytes(body)
            bare_port, bare_body = start_ready(bare, args, wrk, tmp_dir / "bare.log", procs)
            if bare_body != body:
                raise BenchError("the bare app did not return the captured body")
            ours_runs, bare_runs = [], []
            for _ in range(args.rounds):
                ours_runs.append(measure(ours, ours_port, args, wrk))
                bare_runs.append(measure(bare, bare_port, args, wrk))
            return median_result(ours_runs), median_result(bare_runs)
        finally:
            for proc in procs:
                stop_server(proc)
            engines.stop()


def ratio(ours: Result, bare: Result) -> float:
    """Our requests/s as a fraction of the bare app's."""
    return ours.requests_per_sec / bare.requests_per_sec if bare.requests_per_sec else 0.0


def format_table(ours: Result, bare: Result) -> str:
    """The human-readable report; the last line is the ratio."""
    rows = [f"{'server':<12} {'req/s':>10} {'avg latency':>12}"]
    for result in (ours, bare):
        rows.append(
            f"{result.server:<12} {result.requests_per_sec:>10.1f} {result.latency_avg_ms:>10.2f}ms"
        )
        if result.non_2xx or result.socket_errors:
            rows.append(
                f"  ({result.server}: {result.non_2xx} non-2xx responses, "
                f"{result.socket_errors} socket errors)"
            )
    rows.append(f"ratio (apiserver / bare falcon): {ratio(ours, bare):.2f}")
    return "\n".join(rows)


def as_json(ours: Result, bare: Result, args: argparse.Namespace) -> str:
    """The results as one JSON object."""
    settings = {
        key: getattr(args, key)
        for key in ("workers", "duration", "connections", "threads", "rounds")
    }
    return json.dumps(
        {
            "path": PATH,
            "settings": settings,
            "apiserver": asdict(ours),
            "bare_falcon": asdict(bare),
            "ratio": round(ratio(ours, bare), 4),
            "goal_ratio": GOAL_RATIO,
        },
        indent=2,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    args = parse_args(argv)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("error: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    try:
        ours, bare = run(args, wrk)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(as_json(ours, bare, args) if args.json else format_table(ours, bare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
