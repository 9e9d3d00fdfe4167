"""docs/sync-protocol.md and docs/photos.md hold to the server: every error code the API can answer
is in their tables with the status it is sent with, and every record-level code of a push is
listed. The codes are read from the server's source, so a new one cannot ship undocumented."""

import ast
import gzip
import json
import re
from pathlib import Path

import pytest

from server.api.compression import MIN_SIZE
from server.api.photos import REJECTION_STATUS
from server.config import default_config
from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import pair

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "docs" / "sync-protocol.md", ROOT / "docs" / "photos.md")


def documented_statuses() -> dict[str, set[int]]:
    """code → statuses, from the rows `| 409 | `code` [/ `other`] | …` of the documents' tables."""
    table: dict[str, set[int]] = {}
    for doc in DOCS:
        for status, codes in re.findall(r"^\| (\d{3}) \| ([^|\n]+) \|", doc.read_text(), re.MULTILINE):
            for code in re.findall(r"`([a-z0-9_]+)`", codes):
                table.setdefault(code, set()).add(int(status))
    return table


def calls_in(paths, name: str):
    """The constant arguments of every call `name(...)` in these files."""
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield [arg.value for arg in node.args if isinstance(arg, ast.Constant)]


def server_statuses() -> set[tuple[int, str]]:
    """(status, code) of every ApiError raised by the API, and of every photo rejection."""
    pairs = {(args[0], args[1]) for args in calls_in((ROOT / "server" / "api").glob("*.py"), "ApiError")
             if len(args) >= 2 and isinstance(args[0], int)}
    rejected = {args[0] for args in calls_in([ROOT / "server" / "domain" / "photos.py"], "PhotoRejected")
                if args}
    pairs |= {(REJECTION_STATUS.get(code, 422), code) for code in rejected}
    return pairs


def test_every_error_code_of_the_api_is_documented_with_its_status():
    found = server_statuses()
    assert len(found) > 25  # the scan found the API's errors, not nothing
    documented = documented_statuses()
    missing = sorted((status, code) for status, code in found if status not in documented.get(code, ()))
    assert not missing, f"not in the error tables of {[d.name for d in DOCS]} with this status: {missing}"


def test_every_record_level_code_of_a_push_is_listed():
    text = (ROOT / "docs" / "sync-protocol.md").read_text()
    listed = set(re.findall(r"`([a-z_]+)`", text.split("Record-level codes:")[1].split("\n\n")[0]))
    sync = list((ROOT / "server" / "domain" / "sync").glob("*.py"))
    refused = {args[0] for args in calls_in(sync, "Refused") if args}
    # Conflicts and deferrals carry their codes as plain strings; each must still be in the code.
    outcomes = {"field_lost", "immutable_field", "duplicate_answer", "photo_missing", "constraint"}
    written = set().union(*(re.findall(r'"([a-z_]+)"', path.read_text()) for path in sync))
    assert outcomes <= written, sorted(outcomes - written)
    assert len(refused) > 10
    assert refused | outcomes <= listed, sorted((refused | outcomes) - listed)


@pytest.fixture
def tablet(client, app_ctx):
    build_small_city()
    return pair(client, "insp_a", PASSWORD)


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("get", "/api/v1/sync/nothing-here", 404, "not_found"),
    ("get", "/api/v1/sync/push", 405, "method_not_allowed"),
    ("post", "/api/v1/inbox/read", 400, "bad_request"),
])
def test_errors_from_outside_the_views_are_json_with_the_documented_status(client, tablet, method, path,
                                                                          status, code):
    reply = getattr(client, method)(path, headers=tablet.headers, json={"ids": "not a list"})
    assert reply.status_code == status
    assert reply.get_json()["error"]["code"] == code
    assert status in documented_statuses()[code]


def test_a_body_over_the_limit_is_413_as_documented(app, client, tablet):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    reply = client.post("/api/v1/sync/push", headers={**tablet.headers, "Content-Type": "application/json"},
                        data=b'{"batch_id": "' + b"x" * 2048 + b'"}')
    assert reply.status_code == 413
    assert reply.get_json()["error"]["code"] == "request_entity_too_large"
    assert 413 in documented_statuses()["request_entity_too_large"]
    limit = re.search(r"A request body is at most (\d+) MiB", DOCS[0].read_text())
    assert limit and int(limit[1]) * 1024 * 1024 == default_config("/tmp")["MAX_CONTENT_LENGTH"]


def test_gzip_only_for_answers_of_the_documented_size(client, tablet):
    said = re.search(r"a pull answer of (\d+) KiB or\s+more", DOCS[0].read_text())
    assert said and int(said[1]) * 1024 == MIN_SIZE
    gzip_ok = {**tablet.headers, "Accept-Encoding": "gzip"}
    first = client.get("/api/v1/sync/pull?cursor=0", headers=gzip_ok)  # the city: regions, estates, items
    assert first.headers.get("Content-Encoding") == "gzip"
    cursor = json.loads(gzip.decompress(first.get_data()))["cursor"]
    nothing_new = client.get(f"/api/v1/sync/pull?cursor={cursor}", headers=gzip_ok)
    assert len(nothing_new.get_data()) < MIN_SIZE
    assert "Content-Encoding" not in nothing_new.headers and nothing_new.get_json()["changes"] == []
