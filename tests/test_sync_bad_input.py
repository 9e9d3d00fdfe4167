"""Every malformed request gets a 4xx JSON error and changes nothing."""

import json
import uuid

import pytest
import sqlalchemy as sa

from server.domain.database import current_change_number
from server.domain.models import Finding, SyncBatch
from server.extensions import db
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import pair


@pytest.fixture
def tablet(client, app_ctx):
    build_small_city()
    return pair(client, "insp_a", PASSWORD)


def finding(tablet, **fields):
    return {"kind": "finding", "id": str(uuid.uuid4()), "fields": fields,
            "clocks": {k: tablet.clock.now() for k in fields}}


BATCH = str(uuid.uuid4())

BAD_BODIES = {
    "malformed json": b'{"batch_id": "x", "records": [',
    "not an object": b"[1, 2, 3]",
    "wrong type for records": json.dumps({"batch_id": BATCH, "records": "all"}).encode(),
    "unknown envelope field": json.dumps({"batch_id": BATCH, "records": [], "extra": 1}).encode(),
    "bad batch uuid": json.dumps({"batch_id": "not-a-uuid", "records": []}).encode(),
    "huge number as batch": json.dumps({"batch_id": 10**400, "records": []}).encode(),
    "deep nesting": b'{"batch_id": ' + b"[" * 100000 + b"]" * 100000 + b"}",
    "invalid utf-8": b'{"batch_id": "\xff\xfe"}',
    "too many records": json.dumps({"batch_id": BATCH, "records": [{}] * 501}).encode(),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_malformed_push_bodies_are_refused_with_json(client, tablet, body):
    before = current_change_number(db.session)
    reply = client.post("/api/v1/sync/push", data=body, content_type="application/json",
                        headers=tablet.headers)
    assert 400 <= reply.status_code < 500
    assert reply.get_json()["error"]["code"]
    db.session.expire_all()
    assert current_change_number(db.session) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncBatch)) == 0


BAD_RECORDS = {
    "wrong field type": {"severity": 3},
    "unknown field": {"colour": "red"},
    "bad uuid": {"estate_id": "12345"},
    "huge number": {"latitude": 1e400},
    "enormous text": {"description": "很" * 5000},
    "year 9999": {"found_at": "9999-01-01T00:00:00Z"},
    "not a date": {"found_at": "yesterday"},
}


@pytest.mark.parametrize("fields", BAD_RECORDS.values(), ids=BAD_RECORDS.keys())
def test_bad_records_are_rejected_one_by_one(tablet, fields):
    reply = tablet.push([finding(tablet, **fields)])
    result = reply["results"][0]
    assert result["status"] == "rejected" and result["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 0


def test_wrong_content_type_and_oversized_bodies(client, tablet):
    text = client.post("/api/v1/sync/push", data="hello", headers=tablet.headers)
    assert text.status_code == 415 and text.get_json()["error"]["code"] == "unsupported_media_type"
    big = client.post("/api/v1/sync/push", data=b"x" * (17 * 1024 * 1024),
                      content_type="application/json", headers=tablet.headers)
    assert big.status_code == 413 and "error" in big.get_json()


@pytest.mark.parametrize("query", ["cursor=-1", "cursor=abc", "limit=0", "limit=100000",
                                   "cursor=99999999999999999999999", "surprise=1"])
def test_bad_pull_queries_are_refused(client, tablet, query):
    reply = client.get(f"/api/v1/sync/pull?{query}", headers=tablet.headers)
    assert reply.status_code == 400 and reply.get_json()["error"]["code"] == "invalid_payload"


@pytest.mark.parametrize("auth", ["", "Bearer ", "Bearer nonsense", "Basic abc", "Bearer " + "x" * 500])
def test_bad_tokens_are_refused(client, tablet, auth):
    reply = client.get("/api/v1/sync/pull", headers={"X-Xuncha-Schema": "1", "Authorization": auth})
    assert reply.status_code == 401 and reply.get_json()["error"]["code"] == "unauthorized"


def test_unknown_api_path_is_json_404(client):
    reply = client.get("/api/v1/nothing-here")
    assert reply.status_code == 404 and reply.get_json()["error"]["code"] == "not_found"


def test_a_runaway_tablet_is_slowed_down_with_429(app, client, tablet):
    app.config.update(DEVICE_RATE_LIMIT="3 per minute")
    codes = [client.get("/api/v1/sync/pull", headers=tablet.headers).status_code for _ in range(6)]
    assert codes[:2] == [200, 200] and codes[-1] == 429
    reply = client.get("/api/v1/sync/pull", headers=tablet.headers)
    assert reply.get_json()["error"]["code"] == "rate_limited"
