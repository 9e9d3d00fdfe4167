"""Operators pair and revoke tablets from the command line."""

import re
import uuid

from server.domain.models import Device
from server.extensions import db
from tests.small_city import build_small_city
from tests.sync_client import HEADERS


def test_a_pairing_code_pairs_once_and_revoking_blocks_the_tablet(app_ctx, runner, client):
    build_small_city()
    printed = runner.invoke(args=["device", "pairing-code", "insp_a"])
    code = re.search(r"\b(\d{8})\b", printed.output).group(1)
    body = {"pairing_code": code, "device_name": "东区平板"}
    paired = client.post("/api/v1/devices/pair", headers=HEADERS, json=body)
    assert paired.status_code == 201
    assert client.post("/api/v1/devices/pair", headers=HEADERS, json=body).status_code == 401
    listing = runner.invoke(args=["device", "list"])
    assert "东区平板" in listing.output and "active" in listing.output
    device_id = paired.get_json()["device_id"]
    assert runner.invoke(args=["device", "revoke", device_id]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Device, uuid.UUID(device_id)).is_revoked
    token = paired.get_json()["token"]
    reply = client.get("/api/v1/sync/pull", headers={**HEADERS, "Authorization": f"Bearer {token}"})
    assert reply.get_json()["error"]["code"] == "device_revoked"


def test_unknown_user_or_device_is_one_readable_line(app_ctx, runner):
    result = runner.invoke(args=["device", "pairing-code", "nobody"])
    assert result.exit_code != 0 and "no such user" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(args=["device", "revoke", str(uuid.uuid4())])
    assert result.exit_code != 0 and "no such device" in result.output
