"""The inspector's reminders on the tablet (提醒: revisit due / overdue, notice events).

The server's inbox is fetched after every sync and kept in the store's meta, so Today shows it
offline too; a wipe (revoked tablet) drops it with everything else. A reminder tapped is marked
read here at once and on the server when it is reachable (the next fetch agrees either way).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from mobile.store import Store
from mobile.sync.transport import HttpTransport, RequestRefused, SyncError
from mobile.timeutil import local_text

INBOX_KEY = "inbox"
READ_LOCALLY_KEY = "inbox_read_here"  # ids tapped while the server was out of reach


@dataclass(frozen=True)
class Reminder:
    id: str
    kind: str
    kind_label: str
    subject: str
    body: str
    sent_text: str
    unread: bool
    revisit_id: str | None


def fetch_inbox(store: Store, transport: HttpTransport) -> bool:
    """Fetch and keep the inbox; first tell the server what was read offline. False (keeping
    the last copy) when the server has no inbox (an older version) or cannot be reached."""
    pending = json.loads(store.get_meta(READ_LOCALLY_KEY) or "[]")
    try:
        if pending:
            transport.mark_read(pending)
            store.set_meta(READ_LOCALLY_KEY, None)
        answer = transport.inbox()
    except RequestRefused as exc:
        if exc.status == 404:
            return False
        raise
    except SyncError:
        return False
    store.set_meta(INBOX_KEY, json.dumps(answer, ensure_ascii=False))
    return True


def reminders(store: Store, now: str | None = None) -> tuple[list[Reminder], int]:
    """(the kept reminders newest first, how many are unread) as Today shows them."""
    answer = json.loads(store.get_meta(INBOX_KEY) or "{}")
    read_here = set(json.loads(store.get_meta(READ_LOCALLY_KEY) or "[]"))
    rows = [Reminder(r["id"], r.get("kind", ""), r.get("kind_label") or r.get("kind", ""),
                     r.get("subject") or "", r.get("body") or "", local_text(r.get("sent_at"), now=now),
                     not r.get("read_at") and r["id"] not in read_here, r.get("revisit_id"))
            for r in answer.get("reminders", [])]
    return rows, sum(1 for r in rows if r.unread)


def mark_read_here(store: Store, reminder_id: str) -> None:
    """Remember a tap as read; `fetch_inbox` sends it with the next sync."""
    pending = json.loads(store.get_meta(READ_LOCALLY_KEY) or "[]")
    if reminder_id not in pending:
        store.set_meta(READ_LOCALLY_KEY, json.dumps([*pending, reminder_id]))
