"""Shared set-up for the bench scripts: an app on a fresh database, served on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db


def database_urls(prefix: str) -> Iterator[tuple[str, str]]:
    """("sqlite", url) always; ("postgresql", url) too when XUNCHA_BENCH_DATABASE_URL is set."""
    folder = tempfile.mkdtemp(prefix=f"xuncha-bench-{prefix}-")
    yield "sqlite", f"sqlite:///{folder}/bench.sqlite3"
    if os.environ.get("XUNCHA_BENCH_DATABASE_URL"):
        yield "postgresql", os.environ["XUNCHA_BENCH_DATABASE_URL"]


def fresh_app(url: str, **config):
    folder = tempfile.mkdtemp(prefix="xuncha-bench-app-")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PHOTO_DIR": f"{folder}/photos",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "DEVICE_RATE_LIMIT": "1000000000 per minute", **config})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    return app


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve the app on a free port of 127.0.0.1 in a thread; yields the base URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@contextmanager
def serve_in_own_process(url: str) -> Iterator[str]:
    """Serve a database made by fresh_app with `xuncha serve` (waitress) in a child process, as
    in deployment: the client being measured then shares no interpreter with the server."""
    folder = Path(tempfile.mkdtemp(prefix="xuncha-bench-serve-"))
    (folder / "config.py").write_text(
        f"SECRET_KEY = 'bench'\nPHOTO_DIR = {str(folder / 'photos')!r}\n"
        "PASSWORD_HASH_METHOD = 'pbkdf2:sha256:1000'\n"
        "DEVICE_RATE_LIMIT = '1000000000 per minute'\n")
    env = {**os.environ, "XUNCHA_INSTANCE": str(folder), "XUNCHA_DATABASE_URL": url}
    xuncha = str(Path(sys.executable).with_name("xuncha"))
    # fresh_app made the tables from the models; record them as migrated so serve accepts them.
    subprocess.run([xuncha, "db", "stamp", "head"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([xuncha, "serve", "--port", "0", "--no-jobs"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in server.stdout:
            found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if found:
                break
        else:
            raise RuntimeError("xuncha serve did not start")
        yield found.group(1)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:  # a server that ignores SIGTERM is not left running
            server.kill()
            server.wait()


def describe(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms (n={len(ordered)})"


def postgresql_bench(description: str, *, findings: int, repeat: int, **config):
    """What every bench over a scaled PostgreSQL city starts with: the command line (--findings,
    --repeat, with this bench's defaults) and an app on the fresh database that
    XUNCHA_BENCH_DATABASE_URL names (its tables are dropped); anything else exits with a line."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--findings", type=int, default=findings)
    parser.add_argument("--repeat", type=int, default=repeat)
    args = parser.parse_args()
    url = os.environ.get("XUNCHA_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("XUNCHA_BENCH_DATABASE_URL must name a PostgreSQL database (its tables are dropped)")
    return args, fresh_app(url, **config)


def timed(fn: Callable[[], object], repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock milliseconds of each of `repeat` calls; with `cpu`, this process's CPU
    milliseconds of each are appended to it (the figure the machine's other load moves least)."""
    out = []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - used) * 1000)
    return out


def describe_with_cpu(fn: Callable[[], object], repeat: int) -> str:
    """describe() of the wall-clock times, then the median CPU time of this process."""
    cpu: list[float] = []
    wall = timed(fn, repeat, cpu)
    return f"{describe(wall)}, cpu median {statistics.median(cpu):.0f} ms"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, to print beside any wall-clock figure."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
