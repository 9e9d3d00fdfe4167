"""The tablet's identity: pairing with the server, and the transport that carries its token."""

from __future__ import annotations

import socket
from typing import Any

from mobile import APP_VERSION
from mobile.store import Store
from mobile.sync.apply import observe_server_time
from mobile.sync.transport import HttpTransport, Transport


class AlreadyPaired(RuntimeError):
    pass


def pair(store: Store, transport: Transport, *, username: str | None = None, password: str | None = None,
         code: str | None = None, device_name: str | None = None, server_url: str = "") -> dict[str, Any]:
    """Pair with a login or a one-time code; keeps the token and the user in the store."""
    if store.is_paired:
        raise AlreadyPaired("本平板已配对 (already paired); 先注销或清除数据 (wipe first)")
    payload: dict[str, Any] = {"device_name": device_name or socket.gethostname()[:100] or "tablet",
                               "app_version": APP_VERSION}
    if code:
        payload["pairing_code"] = code
    else:
        payload["username"], payload["password"] = username, password
    reply = transport.pair(payload)
    user = reply.get("user") or {}
    with store.transaction():
        for key, value in (("device_id", reply["device_id"]), ("token", reply["token"]),
                           ("user_id", user.get("id")), ("username", user.get("username")),
                           ("display_name", user.get("display_name")), ("role", user.get("role")),
                           ("office_name", reply.get("office_name")), ("server_url", server_url)):
            store.set_meta(key, value)
        store.forget_clock()
        observe_server_time(store, reply.get("server_time"))
    return reply


def http_transport(store: Store, timeout: tuple[float, float] = (5.0, 30.0)) -> HttpTransport:
    return HttpTransport(store.get_meta("server_url") or "", store.get_meta("token"), timeout=timeout)
