"""Pairing a tablet: the one sync endpoint reachable without a device token."""

from __future__ import annotations

from server.api import bp
from server.api.auth import check_schema_version, too_many_requests
from server.api.errors import ApiError
from server.api.payload import load
from server.domain.devices import PairingError, pair_with_code, pair_with_password
from server.domain.models import Office
from server.domain.models.base import utcnow
from server.extensions import db
from server.ratelimit import allow, allow_password_check, client_address
from shared_schema.devices import PairRequestSchema, PairResponseSchema
from shared_schema.fields import UtcDateTime


@bp.post("/devices/pair")
def pair_device():
    """Pair a tablet with username + password or a one-time code; the token is shown once."""
    version = check_schema_version()
    data = load(PairRequestSchema())
    # Guessing costs a slot per attempt, right or wrong: a password counts against the account
    # and the address as a login on the dashboard does, a code against the address.
    if "pairing_code" in data:
        allowed = allow("PASSWORD_RATE_LIMIT_PER_ADDRESS", client_address())
    else:
        allowed = allow_password_check(data["username"])
    if not allowed:
        raise too_many_requests()
    try:
        if "pairing_code" in data:
            device, token = pair_with_code(data["pairing_code"], data["device_name"], version,
                                           data["app_version"])
        else:
            device, token = pair_with_password(data["username"], data["password"],
                                               data["device_name"], version, data["app_version"])
    except PairingError as exc:
        db.session.commit()  # a wrong password's count and a lockout are kept, as on the web
        raise ApiError(401, "pairing_refused", str(exc)) from None
    user = device.user
    reply = PairResponseSchema().dump({
        "device_id": device.id,
        "token": token,
        "user": {
            "id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role.value, "region_code": user.region.code if user.region else None,
        },
        "office_name": db.session.get(Office, user.office_id).name,
        "server_time": UtcDateTime()._serialize(utcnow(), None, None),
    })
    db.session.commit()
    return reply, 201
