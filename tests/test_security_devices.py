"""No one pairs, lists or revokes a tablet of someone above them or outside their area; the
sync conflicts page follows the same rule. All over HTTP, as the review did it."""

from __future__ import annotations

import re
import uuid
from types import SimpleNamespace

import pytest

from server.domain.models import Role, SyncConflict
from server.extensions import db
from tests import factories as make
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import HEADERS, pair
from tests.web_support import login, token_from


@pytest.fixture
def city(app):
    """The small city plus an admin and a supervisor of district A, built in a context that is
    closed again, so that each request gets its own (as in production)."""
    with app.app_context():
        ns = build_small_city()
        admin = make.user(ns.office, Role.ADMIN, username="admin", region_id=ns.city.id)
        sup_a = make.user(ns.office, Role.SUPERVISOR, username="sup_a", region_id=ns.district_a.id)
        sup_a_peer = make.user(ns.office, Role.SUPERVISOR, username="sup_a_peer", region_id=ns.district_a.id)
        db.session.commit()
        ids = {name: str(u.id) for name, u in (
            ("admin", admin), ("sup_a", sup_a), ("sup_a_peer", sup_a_peer), ("supervisor", ns.supervisor),
            ("insp_a", ns.inspector_a), ("insp_b", ns.inspector_b))}
        return SimpleNamespace(ids=ids, office_id=ns.office.id)


def ask_code(client, user_id: str):
    form = {"user_id": user_id, "csrf_token": token_from(client, "/devices")}
    return client.post("/devices/pairing-code", data=form, follow_redirects=True)


@pytest.mark.parametrize("actor, owner, allowed", [
    ("sup_a", "admin", False),          # the hole the review found: a district supervisor as the admin
    ("sup_a", "insp_b", False),         # another district's inspector
    ("sup_a", "sup_a_peer", False),     # same district, same rank
    ("sup_a", "supervisor", False),     # an office-wide supervisor is not below a district one
    ("sup_a", "insp_a", True),
    ("sup_a", "sup_a", True),           # themselves
    ("supervisor", "insp_b", True),     # office-wide supervisor: every inspector
    ("supervisor", "sup_a", False),     # but no other supervisor
    ("admin", "sup_a", True),
    ("admin", "supervisor", True),
    ("insp_a", "insp_a", True),
    ("insp_a", "sup_a", False),
])
def test_pairing_codes_only_for_oneself_or_those_strictly_below_in_ones_area(client, city, actor, owner,
                                                                            allowed):
    login(client, actor)
    reply = ask_code(client, city.ids[owner])
    if not allowed:
        assert reply.status_code == 403
        return
    code = re.search(r"配对码：(\d{8})", reply.get_data(as_text=True)).group(1)
    paired = client.post("/api/v1/devices/pair", headers=HEADERS,
                         json={"pairing_code": code, "device_name": "平板"})
    assert paired.status_code == 201 and paired.get_json()["user"]["username"] == owner


def test_a_district_supervisor_cannot_revoke_or_see_tablets_outside_their_area(app, client, city):
    tablets = {name: pair(app.test_client(), name, PASSWORD, f"{name}的平板")
               for name in ("admin", "insp_a", "insp_b", "sup_a_peer")}
    login(client, "sup_a")
    page = client.get("/devices").get_data(as_text=True)
    assert "insp_a的平板" in page
    assert not any(f"{name}的平板" in page for name in ("admin", "insp_b", "sup_a_peer"))
    assert "insp_b" not in page and "admin" not in page  # nor in the pairing form's list of accounts
    token = token_from(client, "/devices")
    for name in ("admin", "insp_b", "sup_a_peer"):
        reply = client.post(f"/devices/{tablets[name].device_id}/revoke", data={"csrf_token": token})
        assert reply.status_code == 404
        assert app.test_client().get("/api/v1/sync/pull", headers=tablets[name].headers).status_code == 200
    mine = client.post(f"/devices/{tablets['insp_a'].device_id}/revoke", data={"csrf_token": token})
    assert mine.status_code == 302
    assert app.test_client().get("/api/v1/sync/pull", headers=tablets["insp_a"].headers).status_code == 403


def test_sync_conflicts_are_shown_to_the_managers_of_the_tablet_that_pushed(app, client, city):
    with app.app_context():
        for name in ("insp_a", "insp_b"):
            db.session.add(SyncConflict(office_id=city.office_id, user_id=uuid.UUID(city.ids[name]),
                                        kind="finding", record_id=f"{name}-record", reason="stale_field"))
        db.session.commit()
    login(client, "sup_a")
    page = client.get("/sync-conflicts").get_data(as_text=True)
    assert "insp_a-r" in page and "insp_b-r" not in page
    login(client, "admin")
    page = client.get("/sync-conflicts").get_data(as_text=True)
    assert "insp_a-r" in page and "insp_b-r" in page
