"""Helpers for the tablet-core tests: a live server on a free port, a seeded office, tablets.

The server is the real Flask app (tests/conftest.py `app`) served by werkzeug in a thread, so
tablets — in this process or in a subprocess running `python -m mobile.cli` — talk HTTP to it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from mobile.device import pair
from mobile.store import Store
from mobile.sync.engine import RetryPolicy, SyncEngine
from mobile.sync.transport import HttpTransport
from server.extensions import db
from tests import factories

REPO = Path(__file__).resolve().parent.parent


@dataclass
class LiveServer:
    url: str
    app: object


@dataclass
class Seed:
    office_id: str
    username: str
    user_id: str
    estate_ids: list[str]
    template_id: str
    item_ids: list[str]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(5)


def seed_office(app, estates: int = 2, sections: int = 2, items_per_section: int = 3) -> Seed:
    with app.app_context():
        office = factories.office()
        tree = factories.region_tree(office)
        company = factories.company(office)
        inspector = factories.user(office, region_id=tree["district"].id)
        places = [factories.estate(tree["community"], company) for _ in range(estates)]
        template = factories.template(office, sections=sections, items_per_section=items_per_section)
        for item in template.items:
            item.photo_required_on_fail = True
        seed = Seed(str(office.id), inspector.username, str(inspector.id), [str(e.id) for e in places],
                    str(template.id), [str(i.id) for i in template.items])
        db.session.commit()
        return seed


@pytest.fixture
def seed(app) -> Seed:
    return seed_office(app)


def new_tablet(home: Path, server: LiveServer, seed: Seed, name: str = "平板") -> Store:
    store = Store(home)
    pair(store, HttpTransport(server.url), username=seed.username, password=factories.PASSWORD,
         device_name=name, server_url=server.url)
    return store


def engine_for(store: Store, url: str | None = None, timeout: tuple[float, float] = (5.0, 30.0),
               attempts: int = 8, base: float = 0.05, progress=None) -> SyncEngine:
    transport = HttpTransport(url or store.get_meta("server_url"), store.get_meta("token"), timeout=timeout)
    return SyncEngine(store, transport, on_progress=progress,
                      retry=RetryPolicy(attempts=attempts, base=base, cap=1.0))


def cli(home: Path, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "mobile.cli", "--home", str(home), *args],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=120, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"cli {args} failed ({result.returncode}): {result.stderr}")
    return result


def cli_popen(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "mobile.cli", "--home", str(home), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=REPO)


def server_counts(app) -> dict[str, int]:
    """Rows on the server, by table (live rows only where rows can be deleted)."""
    out = {}
    with app.app_context():
        for table in ("inspection", "answer", "finding", "photo_link", "revisit", "sync_conflict"):
            out[table] = db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        out["photo_stored"] = db.session.execute(
            sa.text("SELECT count(*) FROM photo WHERE stored")).scalar()
        out["finding_live"] = db.session.execute(
            sa.text("SELECT count(*) FROM finding WHERE deleted_at IS NULL")).scalar()
        db.session.remove()
    return out


class FlakyProxy:
    """A TCP proxy on 127.0.0.1 that cuts some connections after a random number of bytes and
    stalls others (longer than the client's read timeout), like a bad mobile network."""

    def __init__(self, upstream_port: int, seed: int = 0, cut_rate: float = 0.3, max_cut: int = 200_000,
                 stall_rate: float = 0.1, stall_seconds: float = 2.0) -> None:
        import random
        import socket

        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.cut_rate, self.max_cut = cut_rate, max_cut
        self.stall_rate, self.stall_seconds = stall_rate, stall_seconds
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cuts = self.stalls = self.connections = 0
        self._sockets: list = []
        self._closed = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        import socket

        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self.connections += 1
                budget = self.rng.randrange(1, self.max_cut) if self.rng.random() < self.cut_rate else None
                stall = self.rng.random() < self.stall_rate
                self.cuts += budget is not None
                self.stalls += stall
                self._sockets += [client, upstream]
            state = {"left": budget}
            for src, dst, delay in ((client, upstream, False), (upstream, client, stall)):
                threading.Thread(target=self._pump, args=(src, dst, state, delay, client, upstream),
                                 daemon=True).start()

    def _pump(self, src, dst, state, stall, *both) -> None:
        import time

        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if stall:
                    time.sleep(self.stall_seconds)
                    stall = False
                with self._lock:
                    if state["left"] is not None:
                        if len(data) >= state["left"]:
                            data = data[: state["left"]]
                            state["left"] = 0
                        else:
                            state["left"] -= len(data)
                dst.sendall(data)
                if state["left"] == 0:
                    break
        except OSError:
            pass
        for sock in both:
            _hang_up(sock)

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
        for sock in self._sockets:
            _hang_up(sock)


def _hang_up(sock) -> None:
    # close() alone sends no FIN while another thread sits in recv() on the socket; shutdown()
    # does, and wakes that thread, so the server sees the cut instead of waiting forever.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def kill_rounds(store: Store, rounds: int, seed: int = 2026, max_event: int = 14,
                photos: int = 1) -> list[str]:
    """Record a little more, start `python -m mobile.cli sync`, SIGKILL it at a random point;
    `rounds` times. Returns the phase each killed sync had reached ('' = not started yet).

    The point is chosen by progress, not by the clock: the sync is killed just after its k-th
    progress event (k random; 0 = while it starts up), a random moment later, so the kills land
    all over the sync however fast the machine is.
    """
    import json
    import random
    import time

    from mobile.fieldday import record_day

    rng = random.Random(seed)
    reached = []
    for n in range(rounds):
        record_day(store, inspections=1, photos_per_inspection=photos, adhoc_findings=1,
                   seed=seed * 1000 + n, photo_size=(1600, 1200))
        store.close()
        target = rng.randint(0, max_event)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mobile.cli", "--home", str(store.home), "sync", "--progress",
             "--retries", "3", "--backoff", "0.05"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
        phase = ""
        if target == 0:
            time.sleep(rng.uniform(0, 0.6))
        else:
            for seen, line in enumerate(proc.stderr, 1):
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    phase = json.loads(line)["phase"]
                if seen >= target:
                    time.sleep(rng.uniform(0, 0.03))
                    break
        proc.kill()
        proc.wait()
        proc.stderr.close()
        reached.append(phase)
    return reached


def server_ids(app) -> dict[str, set[str]]:
    out = {}
    with app.app_context():
        for table in ("inspection", "answer", "finding", "photo_link"):
            out[table] = {str(v).replace("-", "") for v in db.session.execute(
                sa.text(f"SELECT id FROM {table} WHERE deleted_at IS NULL")).scalars()}
        out["photo"] = set(db.session.execute(sa.text("SELECT sha256 FROM photo WHERE stored")).scalars())
        db.session.remove()
    return out


def local_ids(store: Store) -> dict[str, set[str]]:
    out = {kind: {r.id.replace("-", "") for r in store.records.all(kind)}
           for kind in ("inspection", "answer", "finding", "photo_link")}
    out["photo"] = {row[0] for row in store.conn.execute("SELECT sha256 FROM photo")}
    return out


def company_reports_fix(app, seed: Seed, finding_id: str, note: str, photo: bytes) -> str:
    """On the server: a notice went out, and the property company reports the finding fixed with
    an after-photo (what its web page does). Returns the photo's SHA-256."""
    from uuid import UUID

    from server.domain.models import Finding, FindingStatus, Office, Role
    from server.domain.models.base import utcnow
    from server.domain.photos import PhotoLimits, add_photo
    from server.domain.rectification.rectifications import attach_after_photos, report_rectification
    from server.storage import get_photo_store

    with app.app_context():
        row = db.session.get(Finding, UUID(finding_id))
        row.status = FindingStatus.NOTIFIED
        office = db.session.get(Office, UUID(seed.office_id))
        company_user = factories.user(office, role=Role.COMPANY, company_id=row.estate.company_id)
        stored = add_photo(get_photo_store(app), photo, PhotoLimits.from_config(app.config), company_user)
        report = report_rectification(row, company_user, now=utcnow(), note=note)
        attach_after_photos(report, [stored.sha256], company_user)
        db.session.commit()
        sha = stored.sha256
        db.session.remove()
    return sha
