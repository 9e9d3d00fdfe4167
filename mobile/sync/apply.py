"""Apply what the server sent: pull pages, bootstrap streams, and push replies.

No network read happens inside a write transaction: a pull page is read whole before it is
applied, and a bootstrap stream is downloaded to a file first. Pulled data is then applied in
short transactions (APPLY_CHUNK rows), so the UI's writes never wait long behind the sync; the
cursor moves only with the last of them, so a kill anywhere makes the same request again and
re-applying what was already applied changes nothing. A push reply with the end of its batch
commits in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobile.pinyin import initials
from mobile.store import Store
from mobile.store.outbox import Batch
from mobile.timeutil import from_wire
from shared_schema.clock import format_stamp

# Kinds the server sends; after a fresh bootstrap, held records of these kinds that it did not
# send have left this user's scope.
SERVER_KINDS = {"region", "company", "estate", "checklist_template", "checklist_section",
                "checklist_item", "inspection", "answer", "finding", "photo_link", "notice",
                "rectification", "revisit"}


BOOTSTRAP_SPOOL = "bootstrap.ndjson.part"


class IncompleteStream(Exception):
    """A bootstrap without its end line (or with a wrong count): discard and start again."""


@dataclass
class PushOutcome:
    accepted: int = 0
    conflicts: int = 0
    rejected: int = 0
    deferred: int = 0
    deferred_seqs: set[int] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)


def observe_server_time(store: Store, server_time: str | None) -> None:
    """The tablet's stamps never fall behind the server's clock."""
    moment = from_wire(server_time) if server_time else None
    if moment is not None:
        from datetime import UTC
        ms = int(moment.replace(tzinfo=UTC).timestamp() * 1000)
        store.observe([format_stamp(ms, 0, "0")])


def apply_changes(store: Store, changes: Iterable[dict[str, Any]]) -> int:
    count = 0
    for change in changes:
        store.records.apply_remote(change["kind"], change["id"], change.get("data"), change.get("clocks"),
                                   change.get("server_seq") or 0, bool(change.get("deleted")))
        count += 1
    return count


# Rows per write transaction while applying pulled data: small enough that a UI write waits a
# few milliseconds at most behind the sync, large enough that commits do not dominate.
APPLY_CHUNK = 25


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def apply_pull_page(store: Store, page: dict[str, Any], chunk: int = APPLY_CHUNK) -> int:
    """Apply a pull page in short transactions; the cursor moves with the last one. A kill in
    between leaves the old cursor, and the same page applied again changes nothing more."""
    changes = page.get("changes") or []
    parts = list(_chunks(changes, chunk)) or [[]]
    for n, part in enumerate(parts, 1):
        _warm_search(part)
        with store.transaction(background=True):
            apply_changes(store, part)
            if n == len(parts):
                observe_server_time(store, page.get("server_time"))
                store.set_meta("cursor", int(page["cursor"]))
    return len(changes)


def read_bootstrap(lines: Iterable[dict[str, Any]], spool: Path,
                   on_line: Callable[[int], None] | None = None) -> tuple[dict[str, Any], int]:
    """Download a bootstrap stream into `spool` (no transaction open) and check it is whole:
    a header, then records, then an end line whose count matches. Returns (header, count)."""
    header = None
    count = 0
    initials("阳光")  # pypinyin loads its dictionaries (≈0.6 s) now, not inside a write transaction
    spool.parent.mkdir(parents=True, exist_ok=True)
    with spool.open("w", encoding="utf-8") as out:
        for line in lines:
            kind = line.get("type")
            if kind == "header":
                header = line
                continue
            if kind == "end":
                if header is None or line.get("records") != count:
                    raise IncompleteStream(f"bootstrap end line says {line.get('records')}, got {count}")
                return header, count
            if header is None:
                raise IncompleteStream("bootstrap stream without header")
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")
            count += 1
            if on_line:
                on_line(count)
    raise IncompleteStream("bootstrap stream ended without its end line")


def apply_bootstrap_file(store: Store, spool: Path, header: dict[str, Any], count: int,
                         chunk: int = APPLY_CHUNK, on_chunk: Callable[[int], None] | None = None) -> int:
    """Apply a downloaded, complete bootstrap in short transactions.

    The bootstrap counts as done only in the last transaction, which sets the cursor (and clears
    `resync`); until then the tablet still needs a bootstrap, so a kill midway makes the next
    sync start it again and nothing half-applied is ever taken as complete. Records of server
    kinds the stream did not contain (and the outbox does not hold) are removed at the end.
    """
    if store.get_meta("cursor") is not None:
        store.set_meta("resync", 1)  # an interrupted re-bootstrap must run again
    seen: set[tuple[str, str]] = set()
    part: list[dict[str, Any]] = []
    done = 0
    with spool.open(encoding="utf-8") as lines:
        for text in lines:
            line = json.loads(text)
            part.append(line)
            seen.add((line["kind"], str(line["id"])))
            if len(part) >= chunk:
                done += _apply_part(store, part)
                part = []
                if on_chunk:
                    on_chunk(done)
    done += _apply_part(store, part)
    if done != count:
        raise IncompleteStream(f"bootstrap file holds {done} records, the stream said {count}")
    absent = store.records.absent_from(seen, SERVER_KINDS)
    for part_ids in _chunks(absent, chunk):
        with store.transaction(background=True):
            store.records.remove_unless_waiting(part_ids)
    with store.transaction():
        observe_server_time(store, header.get("server_time"))
        store.set_meta("cursor", int(header["cursor"]))
        store.set_meta("resync", None)
    return count


def _warm_search(part: list[dict[str, Any]]) -> None:
    """Compute the estates' pinyin initials before the transaction: the search trigger then finds
    them in the cache instead of running pypinyin (≈0.5 ms a name) while holding the write lock."""
    for line in part:
        if line.get("kind") == "estate" and line.get("data"):
            initials(line["data"].get("name") or "")


def _apply_part(store: Store, part: list[dict[str, Any]]) -> int:
    if not part:
        return 0
    _warm_search(part)
    with store.transaction(background=True):
        return apply_changes(store, part)


def apply_push_reply(store: Store, batch: Batch, reply: dict[str, Any]) -> PushOutcome:
    outcome = PushOutcome()
    with store.transaction():
        observe_server_time(store, reply.get("server_time"))
        for result in reply.get("results") or []:
            if not result:
                continue
            kind, record_id, status = result.get("kind"), str(result.get("id")), result.get("status")
            entry = store.outbox.entry_in_batch(batch.batch_id, kind, record_id)
            if entry is None:
                continue
            if status in ("accepted", "conflict"):
                store.outbox.finish_entry(entry["seq"])
                if entry["op"] != "delete":
                    _settle(store, kind, record_id)
                if status == "conflict":
                    outcome.conflicts += 1
                    outcome.messages.append(f"{kind} {record_id}: {result.get('message', '')}")
                    _store_server_version(store, kind, record_id, result.get("server_version"))
                else:
                    outcome.accepted += 1
            elif status == "rejected":
                store.outbox.finish_entry(entry["seq"])
                outcome.rejected += 1
                outcome.messages.append(f"{kind} {record_id}: {result.get('message', '')}")
                _store_server_version(store, kind, record_id, result.get("server_version"))
                if store.records.get(kind, record_id) is not None:
                    store.records.mark(kind, record_id, state="rejected", code=result.get("code"),
                                       message=result.get("message"))
            elif status == "deferred":
                store.outbox.defer_entry(entry, result.get("code"))
                outcome.deferred += 1
                outcome.deferred_seqs.add(entry["seq"])
        store.outbox.close_batch(batch.batch_id)
    return outcome


def _settle(store: Store, kind: str, record_id: str) -> None:
    still_waiting = store.outbox.has_open_for(kind, record_id)
    if store.records.get(kind, record_id) is not None:
        store.records.mark(kind, record_id, state="pending" if still_waiting else "synced", on_server=True)


def _store_server_version(store: Store, kind: str, record_id: str, version: dict | None) -> None:
    """A conflict or refusal carries the server's row: take it (merged with any newer local edit)."""
    if not version or version.get("data") is None:
        return
    store.records.apply_remote(version.get("kind") or kind, version.get("id") or record_id,
                               version.get("data"), version.get("clocks"),
                               version.get("server_seq") or 0, bool(version.get("deleted")))
