"""A sync killed (SIGKILL) at random points, twenty times, loses nothing and duplicates nothing."""

from __future__ import annotations

from collections import Counter

from tests import mobile_helpers
from tests.mobile_helpers import engine_for, kill_rounds, local_ids, new_tablet, server_counts, server_ids

live_server, seed = mobile_helpers.live_server, mobile_helpers.seed  # fixtures

ROUNDS = 20


def test_a_sync_killed_at_random_points_ends_with_every_record_and_photo_exactly_once(
        live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()

    reached = kill_rounds(store, ROUNDS)
    engine_for(store).run()

    print("phase reached when killed:", Counter(reached))
    assert {"pull", "push", "photos"} <= set(reached), reached
    assert store.outbox.count() == 0 and store.outbox.open_batch() is None
    assert store.photos.count("local") == 0 and not store.records.not_synced()
    assert server_ids(live_server.app) == local_ids(store)
    counts = server_counts(live_server.app)
    assert counts["inspection"] == ROUNDS and counts["photo_link"] >= 2 * ROUNDS
    assert counts["sync_conflict"] == 0
