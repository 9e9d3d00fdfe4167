"""A small tablet-side client over Flask's test client, to exercise every sync rule."""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from shared_schema import SCHEMA_VERSION
from shared_schema.clock import HybridClock

HEADERS = {"X-Xuncha-Schema": str(SCHEMA_VERSION)}


def pair(client, username: str, password: str, name: str = "测试平板") -> TabletClient:
    reply = client.post("/api/v1/devices/pair", headers=HEADERS,
                        json={"username": username, "password": password, "device_name": name})
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    return TabletClient(client, body["token"], body["device_id"])


@dataclass
class TabletClient:
    http: Any
    token: str
    device_id: str
    cursor: int = 0
    clock: HybridClock = field(init=False)
    local: dict[tuple[str, str], dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clock = HybridClock(self.device_id.replace("-", "")[:8])

    @property
    def headers(self) -> dict[str, str]:
        return {**HEADERS, "Authorization": f"Bearer {self.token}"}

    def record(self, kind: str, fields: dict[str, Any], record_id: str | None = None,
               op: str = "upsert", free: set[str] | None = None) -> dict[str, Any]:
        """A push record with a fresh clock stamp on each free field."""
        from shared_schema.records import FREE

        stamp = self.clock.now()
        names = FREE[kind] if free is None else free
        return {"kind": kind, "id": record_id or str(uuid.uuid4()), "op": op,
                "fields": _wire(fields), "clocks": {k: stamp for k in fields if k in names}}

    def push(self, records: list[dict], batch_id: str | None = None, expect: int = 200) -> dict:
        reply = self.http.post("/api/v1/sync/push", headers=self.headers,
                               json={"batch_id": batch_id or str(uuid.uuid4()), "records": records})
        assert reply.status_code == expect, reply.get_json()
        return reply.get_json()

    def pull_all(self, limit: int = 500) -> list[dict]:
        changes = []
        while True:
            reply = self.http.get(f"/api/v1/sync/pull?cursor={self.cursor}&limit={limit}",
                                  headers=self.headers)
            assert reply.status_code == 200, reply.get_json()
            body = reply.get_json()
            changes += body["changes"]
            for change in body["changes"]:
                key = (change["kind"], change["id"])
                if change["deleted"]:
                    self.local.pop(key, None)
                else:
                    self.local[key] = change["data"]
                for stamp in (change.get("clocks") or {}).values():
                    self.clock.observe(stamp)
            self.cursor = body["cursor"]
            if not body["more"]:
                return changes

    def bootstrap(self, gzip_ok: bool = True) -> list[dict]:
        headers = {**self.headers, **({"Accept-Encoding": "gzip"} if gzip_ok else {})}
        reply = self.http.get("/api/v1/sync/bootstrap", headers=headers)
        assert reply.status_code == 200
        raw = reply.get_data()
        if reply.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        lines = [json.loads(line) for line in raw.decode().splitlines()]
        assert lines[0]["type"] == "header" and lines[-1]["type"] == "end"
        assert lines[-1]["records"] == len(lines) - 2
        self.cursor = lines[0]["cursor"]
        for record in lines[1:-1]:
            self.local[(record["kind"], record["id"])] = record["data"]
        return lines[1:-1]


def _wire(fields: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    out = {}
    for key, value in fields.items():
        if isinstance(value, datetime):
            value = value.isoformat(timespec="milliseconds") + "Z"
        elif isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, list):
            value = [str(v) for v in value]
        out[key] = value
    return out
