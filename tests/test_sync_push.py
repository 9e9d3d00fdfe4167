"""Push: idempotent, per-record results, rules from the domain, merges by field."""

import uuid
from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from server.domain.database import current_change_number
from server.domain.devices import revoke_device
from server.domain.models import (
    Answer,
    AuditEntry,
    Device,
    Finding,
    FindingStatus,
    Inspection,
    Photo,
    PhotoLink,
    SyncConflict,
)
from server.domain.models.base import utcnow
from server.extensions import db
from shared_schema.scoring import compute_score
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import HEADERS, pair


@pytest.fixture
def city(app_ctx):
    return build_small_city()


@pytest.fixture
def tablet(client, city):
    return pair(client, "insp_a", PASSWORD)


def finding_fields(city, **kw):
    return {"estate_id": city.estate_a1.id, "category": "飞线充电", "severity": "major",
            "location": "5栋1单元", "description": "楼道内私拉电线给电动车充电",
            "found_at": utcnow(), **kw}


def counts():
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Inspection, Answer, Finding, PhotoLink, AuditEntry)}


def an_inspection_day(city, tablet):
    """One finished inspection with every item answered and a finding for each failure."""
    inspection = tablet.record("inspection", {
        "estate_id": city.estate_a1.id, "template_id": city.template.id, "kind": "routine",
        "status": "finished", "started_at": utcnow() - timedelta(hours=1), "finished_at": utcnow(),
    })
    records = [inspection]
    for n, item in enumerate(city.template.items):
        result = "fail" if n % 3 == 0 else ("na" if n == 4 else "pass")
        records.append(tablet.record("answer", {"inspection_id": inspection["id"],
                                                "item_id": item.id, "result": result}))
        if result == "fail":
            records.append(tablet.record("finding", finding_fields(
                city, inspection_id=inspection["id"], item_id=item.id, category=item.category)))
    return records


def test_pairing_refuses_wrong_password_and_old_tablets(client, city):
    wrong = client.post("/api/v1/devices/pair", headers=HEADERS,
                        json={"username": "insp_a", "password": "nope", "device_name": "x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "pairing_refused"
    old = client.post("/api/v1/devices/pair", headers={"X-Xuncha-Schema": "0"},
                      json={"username": "insp_a", "password": PASSWORD, "device_name": "x"})
    assert old.status_code == 426 and old.get_json()["error"]["code"] == "please_update"
    company = client.post("/api/v1/devices/pair", headers=HEADERS,
                          json={"username": "company", "password": PASSWORD, "device_name": "x"})
    assert company.status_code == 401


def test_token_is_stored_hashed(client, city, tablet):
    device = db.session.get(Device, uuid.UUID(tablet.device_id))
    assert tablet.token not in device.token_hash and len(device.token_hash) == 64


def test_revoked_device_is_told_to_wipe(client, city, tablet):
    revoke_device(db.session.get(Device, uuid.UUID(tablet.device_id)))
    db.session.commit()
    reply = client.get("/api/v1/sync/pull?cursor=0", headers=tablet.headers)
    assert reply.status_code == 403
    assert reply.get_json()["error"]["code"] == "device_revoked"
    assert "wipe local data" in reply.get_json()["error"]["message"]
    push = client.post("/api/v1/sync/push", headers=tablet.headers,
                       json={"batch_id": str(uuid.uuid4()), "records": []})
    assert push.status_code == 403


def test_an_inspection_day_is_accepted_and_scored_like_the_tablet(city, tablet):
    records = an_inspection_day(city, tablet)
    reply = tablet.push(records)
    assert [r["status"] for r in reply["results"]] == ["accepted"] * len(records)
    inspection = db.session.get(Inspection, uuid.UUID(records[0]["id"]))
    answers = [(item.points, r["fields"]["result"]) for item, r in
               zip(city.template.items, [r for r in records if r["kind"] == "answer"], strict=True)]
    assert inspection.score == compute_score(answers)[0]
    assert inspection.region_code == city.estate_a1.region_code
    assert {u.username for u in inspection.inspectors} == {"insp_a"}
    finding = db.session.scalars(sa.select(Finding)).first()
    assert finding.status == FindingStatus.OPEN and finding.due_at > finding.found_at


def test_replaying_a_batch_or_its_records_changes_nothing(city, tablet):
    records = an_inspection_day(city, tablet)
    batch_id = str(uuid.uuid4())
    first = tablet.push(records, batch_id=batch_id)
    db.session.expire_all()
    before, seq = counts(), current_change_number(db.session)
    again = tablet.push(records, batch_id=batch_id)
    assert again["replayed"] is True and again["results"] == first["results"]
    record_by_record = tablet.push(records)  # same records, new batch
    assert {r["status"] for r in record_by_record["results"]} == {"accepted"}
    for record in records[:5]:
        tablet.push([record])
    db.session.expire_all()
    assert counts() == before and current_change_number(db.session) == seq


def test_one_bad_record_never_fails_the_others(city, tablet):
    good = tablet.record("finding", finding_fields(city))
    unknown_estate = tablet.record("finding", finding_fields(city, estate_id=uuid.uuid4()))
    bad_severity = tablet.record("finding", finding_fields(city, severity="catastrophic"))
    other_district = tablet.record("finding", finding_fields(city, estate_id=city.estate_b.id))
    workflow = tablet.record("finding", finding_fields(city, status="closed"))
    not_a_dict = "garbage"
    reply = tablet.push([good, unknown_estate, bad_severity, other_district, workflow, not_a_dict])
    outcome = [(r["status"], r.get("code")) for r in reply["results"]]
    assert outcome == [
        ("accepted", None), ("rejected", "not_found"), ("rejected", "invalid_fields"),
        ("rejected", "out_of_scope"), ("rejected", "read_only_field"),
        ("rejected", "invalid_record"),
    ]
    assert all(r.get("message") for r in reply["results"][1:])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1


def test_two_inspectors_editing_one_finding_offline_see_a_merged_result(client, city, tablet):
    other = pair(client, "insp_a2", PASSWORD, "第二台平板")
    created = tablet.record("finding", finding_fields(city))
    tablet.push([created])
    other.pull_all()
    tablet.pull_all()
    # Offline, both edit: the second tablet's description edit is older than the first's.
    older = other.record("finding", {"description": "二号平板的描述"}, created["id"])
    tablet.clock.observe(older["clocks"]["description"])  # the first tablet's edit comes later
    newer = tablet.record("finding", {"description": "一号平板的描述"}, created["id"])
    location = other.record("finding", {"location": "8栋3单元"}, created["id"])
    assert tablet.push([newer])["results"][0]["status"] == "accepted"
    reply = other.push([older, location])
    lost, won = reply["results"]
    assert lost["status"] == "conflict" and lost["code"] == "field_lost"
    assert lost["server_version"]["data"]["description"] == "一号平板的描述"
    assert won["status"] == "accepted"
    for side in (tablet, other):
        side.pull_all()
        merged = side.local[("finding", created["id"])]
        assert (merged["description"], merged["location"]) == ("一号平板的描述", "8栋3单元")
    conflict = db.session.scalars(sa.select(SyncConflict)).one()
    assert conflict.record_id == created["id"] and conflict.reason == "field_lost"


def test_status_changes_only_through_the_state_machine(city, tablet):
    created = tablet.record("finding", finding_fields(city))
    tablet.push([created])
    action = tablet.record("finding_action", {"finding_id": created["id"], "action": "close_on_site",
                                              "at": utcnow(), "note": "当场清理"})
    assert tablet.push([action])["results"][0]["status"] == "accepted"
    assert tablet.push([action])["results"][0]["status"] == "accepted"  # replay: same outcome
    finding = db.session.get(Finding, uuid.UUID(created["id"]))
    assert finding.status == FindingStatus.CLOSED and finding.closed_at is not None
    again = tablet.record("finding_action", {"finding_id": created["id"], "action": "verify_fixed",
                                             "at": utcnow()})
    refused = tablet.push([again])["results"][0]
    assert refused["status"] == "rejected" and refused["code"] == "invalid_transition"
    assert "已销号" in refused["message"]


def test_photo_link_waits_for_its_photo_and_photo_sets_only_grow(city, tablet):
    created = tablet.record("finding", finding_fields(city))
    sha = "ab" * 32
    link = tablet.record("photo_link", {"photo_sha256": sha, "finding_id": created["id"],
                                        "role": "evidence", "taken_at": utcnow()})
    first = tablet.push([created, link])["results"]
    assert [r["status"] for r in first] == ["accepted", "deferred"]
    db.session.add(Photo(sha256=sha, size=1000, width=10, height=10, stored=True))
    db.session.commit()
    assert tablet.push([link])["results"][0]["status"] == "accepted"
    stored = db.session.get(PhotoLink, uuid.UUID(link["id"]))
    assert stored.region_code == city.estate_a1.region_code and stored.taken_at is not None
    delete = {**link, "op": "delete"}
    assert tablet.push([delete])["results"][0]["code"] == "photos_only_grow"


def test_deleting_a_mistaken_finding_reaches_other_tablets_as_a_tombstone(client, city, tablet):
    other = pair(client, "insp_a2", PASSWORD)
    created = tablet.record("finding", finding_fields(city))
    tablet.push([created])
    other.pull_all()
    assert ("finding", created["id"]) in other.local
    reply = tablet.push([{**tablet.record("finding", {}, created["id"]), "op": "delete"}])
    assert reply["results"][0]["status"] == "accepted"
    changes = other.pull_all()
    assert [(c["id"], c["deleted"]) for c in changes] == [(created["id"], True)]
    assert ("finding", created["id"]) not in other.local


@pytest.mark.parametrize(("ahead", "status"), [(timedelta(days=400), "rejected"),
                                                (timedelta(hours=25), "rejected"),
                                                (timedelta(hours=23), "accepted")])
def test_a_clock_from_the_far_future_is_refused(city, tablet, ahead, status):
    record = tablet.record("finding", finding_fields(city))
    stamp = f"{int((utcnow() + ahead).replace(tzinfo=UTC).timestamp() * 1000):013d}-0000-deadbeef"
    record["clocks"] = {name: stamp for name in record["clocks"]}
    result = tablet.push([record])["results"][0]
    assert result["status"] == status
    assert result.get("code") == ("clock_ahead" if status == "rejected" else None)


def test_a_revisit_travels_to_the_tablet_and_its_result_closes_the_finding(client, city):
    from server.domain.models import Revisit, RevisitStatus
    from server.domain.rectification.rectifications import report_rectification
    from tests import factories as make

    finding = make.finding(city.estate_a1, status=FindingStatus.NOTIFIED)
    report_rectification(finding, city.company_user, now=utcnow(), note="已清理楼道")
    db.session.commit()
    revisit = db.session.scalars(sa.select(Revisit)).one()
    inspector = db.session.get(type(city.inspector_a), revisit.inspector_id)
    tablet = pair(client, inspector.username, PASSWORD)
    tablet.pull_all()
    assert tablet.local[("revisit", str(revisit.id))]["status"] == "pending"
    assert tablet.local[("finding", str(finding.id))]["status"] == "rectified_reported"
    done = tablet.record("revisit", {"result": "fixed", "done_at": utcnow(), "note": "复查合格"},
                         str(revisit.id))
    assert tablet.push([done])["results"][0]["status"] == "accepted"
    assert tablet.push([done])["results"][0]["status"] == "accepted"  # replayed record
    other = tablet.record("revisit", {"result": "not_fixed"}, str(revisit.id))
    assert tablet.push([other])["results"][0]["code"] == "revisit_done"
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == FindingStatus.CLOSED
    assert db.session.get(Revisit, revisit.id).status == RevisitStatus.DONE
    tablet.pull_all()
    assert tablet.local[("finding", str(finding.id))]["status"] == "closed"


def test_a_tablet_can_report_a_fix_it_saw_on_site(city, tablet):
    from tests import factories as make

    finding = make.finding(city.estate_a1, status=FindingStatus.NOTIFIED)
    db.session.commit()
    report = tablet.record("rectification", {"finding_id": finding.id, "reported_at": utcnow(),
                                             "note": "企业现场整改完毕"})
    assert tablet.push([report])["results"][0]["status"] == "accepted"
    assert tablet.push([report])["results"][0]["status"] == "accepted"
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).status == FindingStatus.RECTIFIED_REPORTED


def test_change_numbers_stay_unique_and_covered_by_the_counter_after_mixed_batches(city, tablet):
    from server.domain.models import ChecklistItem, Region

    records = an_inspection_day(city, tablet)
    records.insert(3, tablet.record("finding", finding_fields(city, estate_id=city.estate_b.id)))
    records.append(tablet.record("answer", {"inspection_id": records[0]["id"],
                                            "item_id": uuid.uuid4(), "result": "pass"}))
    reply = tablet.push(records)
    assert {r["status"] for r in reply["results"]} == {"accepted", "rejected"}
    tablet.push(an_inspection_day(city, tablet))
    db.session.expire_all()
    counter = current_change_number(db.session)
    seqs = []
    for model in (Inspection, Answer, Finding, Region, ChecklistItem):
        seqs += db.session.scalars(sa.select(model.server_seq)).all()
    assert len(seqs) == len(set(seqs)) and max(seqs) <= counter


@pytest.mark.parametrize("with_a_bad_record", [False, True])
def test_a_batch_that_makes_edits_and_closes_a_finding_applies_each_step(city, tablet, with_a_bad_record):
    """The whole batch is applied at once; a refused record sends it through one savepoint per
    record instead. Either way the later records see the finding the earlier ones made."""
    made = tablet.record("finding", finding_fields(city))
    edited = tablet.record("finding", {"description": "楼道内私拉电线，已拍照"}, record_id=made["id"])
    closed = tablet.record("finding_action", {"finding_id": made["id"], "action": "close_on_site",
                                              "at": utcnow(), "note": "当场拆除电线"})
    records = [made, edited, closed]
    if with_a_bad_record:
        records.insert(1, tablet.record("finding", finding_fields(city, estate_id=city.estate_b.id)))
    reply = tablet.push(records)
    outcome = [(r["status"], r.get("code")) for r in reply["results"]]
    expected = [("accepted", None)] * 3
    if with_a_bad_record:
        expected.insert(1, ("rejected", "out_of_scope"))
    assert outcome == expected
    db.session.expire_all()
    finding = db.session.get(Finding, uuid.UUID(made["id"]))
    assert finding.description == "楼道内私拉电线，已拍照" and finding.status == FindingStatus.CLOSED
    assert finding.field_clocks["description"] == edited["clocks"]["description"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1


def test_a_refused_record_answers_with_its_id_as_sent(city, tablet):
    sent = str(uuid.uuid4()).upper()
    workflow = {**tablet.record("finding", finding_fields(city, status="closed")), "id": sent}
    good = tablet.record("finding", finding_fields(city))
    results = tablet.push([workflow, good])["results"]
    assert [(r["id"], r["status"]) for r in results] == [(sent, "rejected"), (good["id"], "accepted")]


def test_behind_a_server_that_buffers_bodies_the_device_check_and_the_push_are_one_transaction(
        client, city, tablet):
    from server.body_buffer import BODY_BUFFERED

    device = db.session.get(Device, uuid.UUID(tablet.device_id))
    device.last_seen_at = utcnow() - timedelta(days=1)  # the check writes it: a write transaction
    db.session.commit()
    records = [tablet.record("finding", finding_fields(city)) for _ in range(3)]
    body = {"batch_id": str(uuid.uuid4()), "records": records}
    for _ in range(2):  # the second time a replay
        reply = client.post("/api/v1/sync/push", headers=tablet.headers, json=body,
                            environ_base={BODY_BUFFERED: True})  # as `xuncha serve` marks requests
        assert reply.status_code == 200
        assert [r["status"] for r in reply.get_json()["results"]] == ["accepted"] * 3
    db.session.expire_all()
    assert db.session.get(Device, device.id).last_seen_at > utcnow() - timedelta(minutes=1)
    assert {str(f.id) for f in db.session.scalars(sa.select(Finding))} == {r["id"] for r in records}
