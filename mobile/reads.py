"""What the screens read: small, indexed queries that return plain rows, never a scan of every record.

Each function answers one screen's question (the status bar, the estate picker, Today, the sync
screen) in a few SQL statements over the indexed JSON keys (see store/migrations.py), so the UI
thread can call them between frames. They only read; rules stay in checklist.py and findings.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mobile.store import Record, Store
from mobile.store.photos import WAITING
from mobile.timeutil import DueState, due_state, local_text, now_wire
from shared_schema import SCHEMA_VERSION

CLOSED = "closed"
# Shown on the finding form when no checklist has reached the tablet yet.
FALLBACK_CATEGORIES = ("其他",)
KIND_NAMES = {"inspection": "检查", "answer": "检查项", "finding": "问题", "photo_link": "照片",
              "revisit": "回头看", "finding_action": "当场整改", "rectification": "整改反馈"}


@dataclass(frozen=True)
class StatusSummary:
    """Counts for the always-visible status bar (one query each, no record parsed)."""

    paired: bool
    username: str | None
    server_url: str | None
    last_sync_at: str | None  # wire ISO, or None before the first sync
    pending_records: int  # outbox entries not yet acknowledged
    pending_photos: int
    pending_photo_bytes: int
    rejected: int  # records the server refused (shown with its reason on the sync screen)
    failed_photos: int
    blocked: bool  # the server asked for an app update; no sync until then
    revisits_due: int  # this inspector's revisits due today or overdue (China dates)
    unread: int  # this inspector's pending revisits not opened yet

    @property
    def waiting(self) -> int:
        return self.pending_records + self.pending_photos


@dataclass(frozen=True)
class EstateHit:
    id: str
    name: str
    address: str
    region_name: str
    company_name: str
    open_findings: int


@dataclass(frozen=True)
class RevisitRow:
    id: str
    finding_id: str
    estate_id: str | None
    estate_name: str
    category: str
    location: str
    description: str
    due_at: str | None
    due_text: str  # China time, e.g. "12月4日 23:59"
    due_state: DueState
    unread: bool


@dataclass(frozen=True)
class InspectionRow:
    id: str
    estate_id: str
    estate_name: str
    started_at: str | None
    started_text: str
    answered: int
    total: int
    kind: str = "routine"  # routine / special / random (双随机) / complaint (投诉核查) / revisit
    status: str = "in_progress"  # planned ones were assigned on the server and not begun yet
    planned_for: str | None = None
    planned_text: str = ""


@dataclass(frozen=True)
class EstateFindings:
    estate_id: str
    estate_name: str
    open: int
    overdue: int


@dataclass(frozen=True)
class TodayView:
    revisits: list[RevisitRow] = field(default_factory=list)  # overdue first, then today, upcoming
    unfinished: list[InspectionRow] = field(default_factory=list)
    open_findings: list[EstateFindings] = field(default_factory=list)

    @property
    def revisits_due(self) -> list[RevisitRow]:
        """The ones to announce (banner / notification): due today or overdue."""
        return [r for r in self.revisits if r.due_state != "upcoming"]


@dataclass(frozen=True)
class SyncItem:
    """One line of the sync screen: what waits or was refused, in words, with the reason."""

    kind: str  # a record kind, or "photo"
    id: str
    label: str
    reason: str = ""


def _scalar(store: Store, sql: str, params: tuple = ()) -> int:
    return store.conn.execute(sql, params).fetchone()[0] or 0


# -- the status bar ------------------------------------------------------------------------------

def status_summary(store: Store, now: datetime | str | None = None) -> StatusSummary:
    meta = dict(store.conn.execute(
        "SELECT key, value FROM meta WHERE key IN "
        "('device_id', 'username', 'server_url', 'last_sync_at', 'blocked_schema')").fetchall())
    photos = {state: (n, size) for state, n, size in store.conn.execute(
        f"SELECT state, count(*), coalesce(sum(size), 0) FROM photo "
        f"WHERE ({WAITING}) OR state = 'failed' GROUP BY state")}
    revisits = _my_pending_revisits(store)
    due = [r for r in revisits if due_state(r.get("due_at"), now) != "upcoming"]
    return StatusSummary(
        paired=bool(meta.get("device_id")), username=meta.get("username"),
        server_url=meta.get("server_url"), last_sync_at=meta.get("last_sync_at"),
        pending_records=_scalar(store, "SELECT count(*) FROM outbox"),
        pending_photos=photos.get("local", (0, 0))[0], pending_photo_bytes=photos.get("local", (0, 0))[1],
        # "!= 'synced'" lets SQLite use the partial index of records not in sync.
        rejected=_scalar(store, "SELECT count(*) FROM record "
                                "WHERE sync_state != 'synced' AND sync_state = 'rejected'"),
        failed_photos=photos.get("failed", (0, 0))[0],
        blocked=meta.get("blocked_schema") == str(SCHEMA_VERSION),
        revisits_due=len(due), unread=_unread(store, revisits),
    )


# -- the estate picker ---------------------------------------------------------------------------

def search_estates(store: Store, text: str = "", limit: int = 30, offset: int = 0) -> list[EstateHit]:
    """Estates whose name or address contains `text`, or whose pinyin initials contain it
    ("ygh" → 阳光花园); names that start with it first, then in pinyin order. Empty text pages through all."""
    needle = text.strip().lower()
    where, params = "", []
    if needle:
        where = "WHERE instr(lower(s.name), ?) OR instr(lower(s.address), ?) OR instr(s.initials, ?)"
        params = [needle, needle, needle]
    # Filter, order and page the narrow search table first; names and counts only for the page.
    rows = store.conn.execute(
        f"""SELECT s.id, s.name, s.address,
                   coalesce(json_extract(r.data, '$.name'), '') AS region_name,
                   coalesce(json_extract(c.data, '$.name'), '') AS company_name,
                   (SELECT count(*) FROM record f
                     WHERE f.kind = 'finding' AND json_extract(f.data, '$.estate_id') = s.id
                       AND coalesce(json_extract(f.data, '$.status'), 'open') != '{CLOSED}') AS open_findings
            FROM (SELECT * FROM estate_search s {where}
                  ORDER BY CASE WHEN ? != '' AND (s.name LIKE ? || '%' OR s.initials LIKE ? || '%')
                                THEN 0 ELSE 1 END, s.initials, s.name, s.id
                  LIMIT ? OFFSET ?) AS s
            LEFT JOIN record r ON r.kind = 'region' AND r.id = s.region_id
            LEFT JOIN record c ON c.kind = 'company' AND c.id = s.company_id""",
        (*params, needle, needle, needle, int(limit), int(offset))).fetchall()
    # The outer joins keep the inner order in SQLite, but say so rather than rely on it.
    order = {row[0]: n for n, row in enumerate(rows)}
    rows.sort(key=lambda row: order[row[0]])
    return [EstateHit(*row) for row in rows]


# -- forms ---------------------------------------------------------------------------------------

def current_template(store: Store) -> Record | None:
    """The published checklist to start an inspection with: the newest version held."""
    row = store.conn.execute(
        "SELECT * FROM record WHERE kind = 'checklist_template' "
        "AND coalesce(json_extract(data, '$.status'), 'published') NOT IN ('draft', 'retired') "
        "ORDER BY json_extract(data, '$.version') DESC, id LIMIT 1").fetchone()
    return Record.from_row(row) if row else None


def categories(store: Store) -> list[str]:
    """The office's finding categories: those of its checklist items (in checklist order), then any
    others used by findings on this tablet; "其他" when nothing has been synced yet."""
    rows = store.conn.execute(
        """SELECT category FROM (
             SELECT json_extract(data, '$.category') AS category, 0 AS src, rowid AS pos
               FROM record WHERE kind = 'checklist_item'
             UNION ALL
             SELECT json_extract(data, '$.category'), 1, rowid FROM record WHERE kind = 'finding')
           WHERE category IS NOT NULL AND category != ''
           ORDER BY src, pos""").fetchall()
    out = list(dict.fromkeys(row[0] for row in rows))
    return out or list(FALLBACK_CATEGORIES)


# -- Today ---------------------------------------------------------------------------------------

def _my_pending_revisits(store: Store) -> list[Record]:
    user_id = store.get_meta("user_id")
    rows = store.conn.execute(
        "SELECT * FROM record WHERE kind = 'revisit' "
        "AND coalesce(json_extract(data, '$.status'), 'pending') = 'pending' "
        "AND json_extract(data, '$.result') IS NULL "
        "AND (json_extract(data, '$.inspector_id') IS NULL OR json_extract(data, '$.inspector_id') = ?) "
        "ORDER BY json_extract(data, '$.due_at'), id", (user_id,)).fetchall()
    return [Record.from_row(r) for r in rows]


def _names(store: Store, kind: str, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return dict(store.conn.execute(
        f"SELECT id, coalesce(json_extract(data, '$.name'), '') FROM record "
        f"WHERE kind = ? AND id IN ({marks})",
        (kind, *ids)).fetchall())


def today(store: Store, now: datetime | str | None = None) -> TodayView:
    """The Today screen: revisits (overdue first), unfinished inspections, open findings per estate."""
    revisits = _my_pending_revisits(store)
    findings = {r.id: r for r in _records_by_id(store, "finding", {r["finding_id"] for r in revisits})}
    seen = _seen(store, "revisit", {r.id for r in revisits})
    estate_ids = {f.get("estate_id") for f in findings.values()}

    inspections = _my_unfinished_inspections(store)
    estate_ids |= {i.get("estate_id") for i in inspections}
    per_estate = _my_open_findings_per_estate(store, now)
    estate_ids |= set(per_estate)
    names = _names(store, "estate", {e for e in estate_ids if e})

    rows = []
    for revisit in revisits:
        finding = findings.get(revisit["finding_id"])
        estate_id = finding.get("estate_id") if finding else None
        rows.append(RevisitRow(
            id=revisit.id, finding_id=revisit["finding_id"], estate_id=estate_id,
            estate_name=names.get(estate_id, ""), category=finding.get("category", "") if finding else "",
            location=finding.get("location", "") if finding else "",
            description=finding.get("description", "") if finding else "",
            due_at=revisit.get("due_at"), due_text=local_text(revisit.get("due_at"), now=now),
            due_state=due_state(revisit.get("due_at"), now), unread=revisit.id not in seen))
    order = {"overdue": 0, "today": 1, "upcoming": 2}
    rows.sort(key=lambda r: (order[r.due_state], r.due_at or "9999"))

    unfinished = []
    for inspection in inspections:
        answered, total = _inspection_progress(store, inspection)
        unfinished.append(InspectionRow(
            id=inspection.id, estate_id=inspection["estate_id"],
            estate_name=names.get(inspection["estate_id"], ""), started_at=inspection.get("started_at"),
            started_text=local_text(inspection.get("started_at"), now=now), answered=answered, total=total,
            kind=inspection.get("kind") or "routine", status=inspection.get("status") or "in_progress",
            planned_for=inspection.get("planned_for"),
            planned_text=local_text(inspection.get("planned_for"), now=now)))
    # Begun ones first (latest first), then the planned ones by the day they are planned for.
    unfinished.sort(key=lambda r: r.started_at or "", reverse=True)
    unfinished.sort(key=lambda r: (r.status == "planned",
                                   (r.planned_for or "") if r.status == "planned" else ""))

    estates = [EstateFindings(estate_id, names.get(estate_id, ""), counts[0], counts[1])
               for estate_id, counts in per_estate.items()]
    estates.sort(key=lambda e: (-e.overdue, -e.open, e.estate_name))
    return TodayView(rows, unfinished, estates)


def _records_by_id(store: Store, kind: str, ids: set[str]) -> list[Record]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [Record.from_row(r) for r in store.conn.execute(
        f"SELECT * FROM record WHERE kind = ? AND id IN ({marks})", (kind, *ids))]


def _my_unfinished_inspections(store: Store) -> list[Record]:
    user_id = store.get_meta("user_id")
    rows = store.conn.execute(
        "SELECT * FROM record WHERE kind = 'inspection' "
        "AND json_extract(data, '$.status') IN ('planned', 'in_progress') "
        "AND (coalesce(json_array_length(data, '$.inspector_ids'), 0) = 0 "
        "     OR EXISTS (SELECT 1 FROM json_each(data, '$.inspector_ids') WHERE value = ?))",
        (user_id,)).fetchall()
    return [Record.from_row(r) for r in rows]


def _inspection_progress(store: Store, inspection: Record) -> tuple[int, int]:
    answered = _scalar(store, "SELECT count(*) FROM record WHERE kind = 'answer' "
                              "AND json_extract(data, '$.inspection_id') = ?", (inspection.id,))
    total = _scalar(store, "SELECT count(*) FROM record i WHERE i.kind = 'checklist_item' "
                           "AND json_extract(i.data, '$.section_id') IN (SELECT id FROM record s "
                           "WHERE s.kind = 'checklist_section' "
                           "AND json_extract(s.data, '$.template_id') = ?)",
                    (inspection.get("template_id"),))
    return answered, total


def _my_open_findings_per_estate(store: Store, now: datetime | str | None) -> dict[str, tuple[int, int]]:
    """Open findings of this inspector's inspections, and ad-hoc ones made on this tablet, per estate:
    (open, overdue on the China calendar)."""
    user_id = store.get_meta("user_id")
    rows = store.conn.execute(
        f"""SELECT json_extract(f.data, '$.estate_id'), json_extract(f.data, '$.due_at')
            FROM record f
            WHERE f.kind = 'finding' AND coalesce(json_extract(f.data, '$.status'), 'open') != '{CLOSED}'
              AND (json_extract(f.data, '$.inspection_id') IN (
                     SELECT i.id FROM record i WHERE i.kind = 'inspection'
                       AND EXISTS (SELECT 1 FROM json_each(i.data, '$.inspector_ids') WHERE value = ?))
                   OR (json_extract(f.data, '$.inspection_id') IS NULL AND f.on_server = 0))""",
        (user_id,)).fetchall()
    out: dict[str, list[int]] = {}
    for estate_id, due_at in rows:
        counts = out.setdefault(estate_id, [0, 0])
        counts[0] += 1
        counts[1] += due_state(due_at, now) == "overdue"
    return {k: (v[0], v[1]) for k, v in out.items()}


# -- unread --------------------------------------------------------------------------------------

def _seen(store: Store, kind: str, ids: set[str]) -> set[str]:
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {r[0] for r in store.conn.execute(
        f"SELECT id FROM seen WHERE kind = ? AND id IN ({marks})", (kind, *ids))}


def mark_seen(store: Store, kind: str, record_id: str) -> None:
    """The inspector opened it (a revisit): it no longer counts as unread."""
    with store.transaction() as conn:
        conn.execute("INSERT INTO seen (kind, id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                     (kind, str(record_id), now_wire()))


def unread_count(store: Store) -> int:
    """This inspector's pending revisits not opened yet (mark_seen)."""
    return _unread(store, _my_pending_revisits(store))


def _unread(store: Store, revisits: list[Record]) -> int:
    return len(revisits) - len(_seen(store, "revisit", {r.id for r in revisits}))


# -- the sync screen -----------------------------------------------------------------------------

def _label(store: Store, kind: str, record: Record | None, record_id: str) -> str:
    """A line a person understands: what the record is, and where."""
    name = KIND_NAMES.get(kind, kind)
    if record is None:
        return f"{name}（已删除）"
    data = record.data
    estate_id = data.get("estate_id")
    if kind == "answer" or kind == "photo_link":
        parent = store.records.get("inspection", data.get("inspection_id", "")) if kind == "answer" else None
        estate_id = parent.get("estate_id") if parent else estate_id
    if kind in ("finding_action", "revisit", "rectification"):
        finding = store.records.get("finding", data.get("finding_id", ""))
        estate_id = finding.get("estate_id") if finding else None
    estate = store.records.get("estate", estate_id) if estate_id else None
    parts = [name]
    if kind == "answer":
        item = store.records.get("checklist_item", data.get("item_id", ""))
        if item:
            parts.append(f"{item.get('code', '')} {item.get('text', '')}".strip()[:40])
    elif kind == "finding":
        parts.append(data.get("category", ""))
    elif kind == "revisit" and data.get("result"):
        parts.append("已整改" if data["result"] == "fixed" else "未整改")
    if estate:
        parts.append(estate.get("name", ""))
    return " · ".join(p for p in parts if p)


def waiting_items(store: Store, limit: int = 200) -> list[SyncItem]:
    """What this tablet still has to send: outbox entries (records) and photos not uploaded."""
    out = []
    for row in store.conn.execute(
            "SELECT kind, record_id, op, state, last_code FROM outbox ORDER BY seq LIMIT ?", (limit,)):
        record = store.records.get(row["kind"], row["record_id"])
        reason = "等待其照片上传 (waiting for its photo)" if row["state"] == "deferred" else ""
        label = _label(store, row["kind"], record, row["record_id"])
        if row["op"] == "delete":
            label = f"删除 {label}"
        out.append(SyncItem(row["kind"], row["record_id"], label, reason))
    for row in store.conn.execute(
            f"SELECT sha256, size FROM photo WHERE {WAITING} ORDER BY created_at LIMIT ?", (limit,)):
        out.append(SyncItem("photo", row["sha256"], f"照片 {row['size'] // 1024} KB"))
    return out


def rejected_items(store: Store) -> list[SyncItem]:
    """What the server refused, each with its reason: records, then photos it would not take."""
    out = [SyncItem(r.kind, r.id, _label(store, r.kind, r, r.id), r.reject_message or r.reject_code or "")
           for r in (Record.from_row(row) for row in store.conn.execute(
               "SELECT * FROM record WHERE sync_state != 'synced' AND sync_state = 'rejected' "
               "ORDER BY kind, rowid"))]
    for row in store.conn.execute("SELECT sha256, size, failure FROM photo WHERE state = 'failed'"):
        out.append(SyncItem("photo", row["sha256"], f"照片 {row['size'] // 1024} KB", row["failure"] or ""))
    return out

