"""A tablet sync SIGKILLed at random moments, many times; then one clean sync. Prints where the
kills landed and checks the server holds every record and photo exactly once.

    .venv/bin/python bench/mobile_kill.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import fresh_app, serve  # noqa: E402
from mobile.device import pair  # noqa: E402
from mobile.store import Store  # noqa: E402
from mobile.sync.engine import SyncEngine  # noqa: E402
from mobile.sync.transport import HttpTransport  # noqa: E402
from server.extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.mobile_helpers import kill_rounds, local_ids, server_ids  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xuncha-bench-kill-"))
    app = fresh_app(f"sqlite:///{tmp}/server.sqlite3")
    with app.app_context():
        office = factories.office()
        tree = factories.region_tree(office)
        user = factories.user(office, region_id=tree["district"].id)
        factories.estate(tree["community"], factories.company(office))
        factories.template(office, sections=2, items_per_section=3)
        username = user.username
        db.session.commit()
    with serve(app) as url:
        store = Store(tmp / "tablet")
        pair(store, HttpTransport(url), username=username, password=factories.PASSWORD, server_url=url)
        SyncEngine(store, HttpTransport(url, store.get_meta("token"))).run()
        started = time.perf_counter()
        reached = kill_rounds(store, args.rounds, seed=7)
        SyncEngine(store, HttpTransport(url, store.get_meta("token"))).run()
        held, mine = server_ids(app), local_ids(store)
    print(f"{args.rounds} kills in {time.perf_counter() - started:.0f} s; phase reached when killed: "
          f"{dict(Counter(reached))}")
    print("server rows:", {kind: len(ids) for kind, ids in held.items()})
    same = held == mine and store.outbox.count() == 0 and store.photos.count("local") == 0
    print("every record and photo exactly once:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
