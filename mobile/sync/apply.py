"""Apply what the server sent: pull pages, bootstrap streams, and push replies.

Each unit (a pull page with its cursor, a whole bootstrap, a push reply with the end of its
batch) commits in one transaction, so a kill anywhere leaves either the old state (and the
same request is simply made again) or the new one, never half of each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mobile.store import Store
from mobile.store.outbox import Batch
from mobile.timeutil import from_wire
from shared_schema.clock import format_stamp

# Kinds the server sends; after a fresh bootstrap, held records of these kinds that it did not
# send have left this user's scope.
SERVER_KINDS = {"region", "company", "estate", "checklist_template", "checklist_section",
                "checklist_item", "inspection", "answer", "finding", "photo_link", "notice",
                "rectification", "revisit"}


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


def apply_pull_page(store: Store, page: dict[str, Any]) -> int:
    with store.transaction():
        count = apply_changes(store, page.get("changes") or [])
        observe_server_time(store, page.get("server_time"))
        store.set_meta("cursor", int(page["cursor"]))
    return count


def apply_bootstrap(store: Store, lines: Iterable[dict[str, Any]]) -> int:
    """Apply a whole bootstrap stream in one transaction, or nothing of it."""
    with store.transaction():
        header = None
        seen: set[tuple[str, str]] = set()
        count = 0
        for line in lines:
            kind = line.get("type")
            if kind == "header":
                header = line
                observe_server_time(store, line.get("server_time"))
                continue
            if kind == "end":
                if header is None or line.get("records") != count:
                    raise IncompleteStream(f"bootstrap end line says {line.get('records')}, got {count}")
                store.records.remove_absent(seen, SERVER_KINDS)
                store.set_meta("cursor", int(header["cursor"]))
                store.set_meta("resync", None)
                return count
            if header is None:
                raise IncompleteStream("bootstrap stream without header")
            apply_changes(store, [line])
            seen.add((line["kind"], str(line["id"])))
            count += 1
        raise IncompleteStream("bootstrap stream ended without its end line")


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
