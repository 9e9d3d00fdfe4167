"""Pull and bootstrap: scoped, paged, consistent, compressed, with tombstones."""

import gzip
import json

import pytest
import sqlalchemy as sa

from server.domain.checklists import copy_template_as_new_version, publish_template
from server.domain.estates import move_estate
from server.domain.models import FindingStatus, InspectionStatus, Role
from server.extensions import db
from tests import factories as make
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import pair


@pytest.fixture
def city(app_ctx):
    return build_small_city()


def kinds_and_regions(changes):
    return {(c["kind"], (c["data"] or {}).get("region_code")) for c in changes}


def test_an_inspector_never_receives_another_districts_data(client, city):
    make.finding(city.estate_a1)
    make.finding(city.estate_b)
    db.session.commit()
    tablet = pair(client, "insp_a", PASSWORD)
    pulled = tablet.pull_all()
    booted = pair(client, "insp_a", PASSWORD).bootstrap()
    for changes in (pulled, booted):
        codes = {c["data"].get("region_code") or c["data"].get("code") for c in changes
                 if c["kind"] in ("estate", "finding", "region")}
        assert codes and all(code.startswith(city.district_a.code) for code in codes)
        names = {c["data"]["name"] for c in changes if c["kind"] == "estate"}
        assert names == {"阳光花园", "和平小区"}
    supervisor = pair(client, "supervisor", PASSWORD).pull_all()
    assert {c["data"]["name"] for c in supervisor if c["kind"] == "estate"} == {
        "阳光花园", "和平小区", "西湖苑"}


def test_pages_deliver_every_change_once_in_order(client, city):
    for _ in range(23):
        make.finding(city.estate_a1)
    db.session.commit()
    tablet = pair(client, "insp_a", PASSWORD)
    changes = tablet.pull_all(limit=7)
    ids = [(c["kind"], c["id"]) for c in changes]
    assert len(ids) == len(set(ids))
    seqs = [c["server_seq"] for c in changes]
    assert seqs == sorted(seqs)
    assert sum(1 for c in changes if c["kind"] == "finding") == 23


def test_a_pull_with_nothing_new_is_empty_and_keeps_the_cursor(client, city):
    tablet = pair(client, "insp_a", PASSWORD)
    tablet.pull_all()
    cursor = tablet.cursor
    make.finding(city.estate_b)  # another district's change moves the counter, not our data
    db.session.commit()
    assert tablet.pull_all() == []
    assert tablet.cursor > cursor
    assert tablet.pull_all() == []


def test_an_estate_moved_out_of_scope_becomes_a_tombstone(client, city):
    finding = make.finding(city.estate_a2)
    db.session.commit()
    tablet = pair(client, "insp_a", PASSWORD)
    tablet.pull_all()
    assert ("estate", str(city.estate_a2.id)) in tablet.local
    move_estate(city.estate_a2, city.community_b)  # the office moves it to the west district
    db.session.commit()
    changes = tablet.pull_all()
    gone = {(c["kind"], c["id"]) for c in changes if c["deleted"]}
    assert gone == {("estate", str(city.estate_a2.id)), ("finding", str(finding.id))}
    west = pair(client, "insp_b", PASSWORD).pull_all()
    assert ("estate", str(city.estate_a2.id)) in {(c["kind"], c["id"]) for c in west}


def test_only_published_templates_reach_tablets_with_all_their_items(client, city):
    tablet = pair(client, "insp_a", PASSWORD)
    first = tablet.pull_all()
    assert sum(c["kind"] == "checklist_item" for c in first) == len(city.template.items)
    draft = copy_template_as_new_version(city.template)
    db.session.commit()
    assert tablet.pull_all() == []
    publish_template(draft)
    db.session.commit()
    arrived = tablet.pull_all()
    assert sum(c["kind"] == "checklist_item" for c in arrived) == len(draft.items)
    # Publishing version 2 retires version 1, which therefore arrives too, as retired.
    templates = {c["data"]["version"]: c["data"]["status"]
                 for c in arrived if c["kind"] == "checklist_template"}
    assert {v for v, status in templates.items() if status == "published"} == {2}
    assert templates.get(1, "retired") == "retired"


def test_pull_and_bootstrap_are_gzip_compressed_when_accepted(client, city):
    for _ in range(10):
        make.finding(city.estate_a1)
    db.session.commit()
    tablet = pair(client, "insp_a", PASSWORD)
    reply = client.get("/api/v1/sync/pull?cursor=0",
                       headers={**tablet.headers, "Accept-Encoding": "gzip"})
    assert reply.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(reply.get_data()))
    assert len(body["changes"]) > 10
    assert len(tablet.bootstrap(gzip_ok=True)) == len(tablet.bootstrap(gzip_ok=False))


def test_bootstrap_sends_the_work_in_hand_not_the_archive(client, city):
    open_one = make.finding(city.estate_a1)
    make.finding(city.estate_a1, status=FindingStatus.CLOSED)
    planned = make.inspection(city.estate_a1, city.template, [city.inspector_a])
    make.inspection(city.estate_a1, city.template, [city.inspector_a], status=InspectionStatus.FINISHED)
    db.session.commit()
    records = pair(client, "insp_a", PASSWORD).bootstrap()
    assert [r["id"] for r in records if r["kind"] == "finding"] == [str(open_one.id)]
    assert [r["id"] for r in records if r["kind"] == "inspection"] == [str(planned.id)]
    assert {r["kind"] for r in records} >= {"region", "estate", "company", "checklist_item"}


def test_a_changed_scope_asks_the_tablet_to_bootstrap_again(client, city):
    tablet = pair(client, "insp_a", PASSWORD)
    tablet.pull_all()
    city.inspector_a.region_id = city.district_b.id
    db.session.commit()
    reply = client.get(f"/api/v1/sync/pull?cursor={tablet.cursor}", headers=tablet.headers)
    assert reply.get_json()["resync_required"] is True
    west = tablet.bootstrap()
    assert {r["data"]["name"] for r in west if r["kind"] == "estate"} == {"西湖苑"}
    assert tablet.pull_all() == []


def test_company_accounts_cannot_pair_tablets(client, city):
    from server.domain.devices import PairingError, pair_with_password

    with pytest.raises(PairingError):
        pair_with_password("company", PASSWORD, "平板", 1)
    assert city.company_user.role == Role.COMPANY


def test_pulled_records_made_from_selected_text_equal_the_orm_records(client, city):
    """Plain kinds are pulled without ORM objects (server/domain/sync/wire_rows.py): every
    field must come out as `to_record` writes it, times, UUIDs, nulls and clocks included."""
    from datetime import datetime

    from server.domain.sync.records import MODELS, PLAIN_KINDS, to_record

    make.finding(city.estate_a1, found_at=datetime(2026, 3, 1, 8, 30, 0, 999999),
                 due_at=datetime(2026, 3, 9, 0, 0, 0), field_clocks={"location": "1772330000000-0001-t1"})
    gone = make.finding(city.estate_a1, field_clocks={})
    gone.deleted_at = datetime(2026, 3, 2, 9, 0)
    odd = make.finding(city.estate_a2, inspection_id=None, item_id=None, notice_id=None)
    db.session.commit()
    # A time stored without microseconds (written by SQL, not by the ORM) takes the slower way.
    db.session.execute(sa.text("UPDATE finding SET closed_at = '2026-03-05 10:00:00' WHERE id = :id"),
                       {"id": odd.id.hex if db.engine.dialect.name == "sqlite" else odd.id})
    db.session.commit()
    db.session.expire_all()
    pulled = pair(client, "supervisor", PASSWORD).pull_all(limit=3)
    by_key = {(c["kind"], c["id"]): c for c in pulled}
    compared = set()
    for kind in PLAIN_KINDS:
        for row in db.session.scalars(db.select(MODELS[kind])):
            key = (kind, str(row.id))
            if key in by_key:
                assert by_key[key] == json.loads(json.dumps(to_record(kind, row))), key
                compared.add(kind)
    assert {"finding", "estate", "region", "checklist_item", "company"} <= compared
    times = {c["data"]["found_at"] for c in pulled if c["kind"] == "finding" and c["data"]}
    assert "2026-03-01T08:30:00.999Z" in times
    assert {c["data"]["closed_at"] for c in pulled if c["id"] == str(odd.id)} == {"2026-03-05T10:00:00.000Z"}
    assert any(c["deleted"] and c["data"] is None for c in pulled if c["kind"] == "finding")
