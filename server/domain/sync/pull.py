"""Pull and bootstrap: changes after a cursor, scoped to the user, in pages or one stream."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.domain.database import current_change_number
from server.domain.models import (
    Answer,
    ChangeCounter,
    Company,
    Device,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    Notice,
    NoticeStatus,
    PhotoLink,
    Rectification,
    Revisit,
    RevisitStatus,
    ScopeExit,
    User,
)
from server.domain.sync.records import KIND_OF_TABLE, MODELS, PLAIN_KINDS, scoped_query, to_record, tombstone
from server.domain.sync.scope import Scope, prefix_of_user, user_parameters
from server.domain.sync.wire_rows import wire_plan
from server.extensions import db

# Parents before children, so a tablet applying a page in order never meets a dangling id.
KIND_ORDER = ("region", "company", "estate", "checklist_template", "checklist_section",
              "checklist_item", "inspection", "answer", "finding", "notice", "rectification",
              "revisit", "photo_link")


@dataclass
class PullPage:
    cursor: int
    more: bool
    scope: Scope
    changes: list[dict[str, Any]] = field(default_factory=list)
    resync_required: bool = False


def _with_loads(kind: str, query: sa.Select) -> sa.Select:
    if kind == "inspection":
        return query.options(selectinload(Inspection.inspectors))
    if kind == "photo_link":
        return query.options(selectinload(PhotoLink.photo))
    if kind in PLAIN_KINDS:
        # Every field of the record is a column: plain rows are read several times faster than
        # ORM objects, and the record dumpers only read attributes.
        return query.with_only_columns(*MODELS[kind].__table__.columns)
    return query


def _rows(kind: str, query: sa.Select, params: dict[str, Any] | None = None) -> Iterator[Any]:
    result = db.session.execute(query, params)
    return iter(result) if kind in PLAIN_KINDS else result.scalars()


@functools.cache
def _band_probe() -> sa.Select:
    """One statement giving the user's region prefix, the high-water mark and, per kind (then
    for scope exits), whether any row has a change number in (low, high]. Built once: building
    and running 14 scoped queries cost more than reading the one kind a page of a long pull is
    usually made of, and on a busy PostgreSQL every further round trip waits for the server's
    turn on the CPU."""
    low = sa.bindparam("low", type_=sa.BigInteger)
    counter = ChangeCounter.__table__
    high = sa.select(counter.c.value).where(counter.c.id == 1).scalar_subquery()
    tables = [MODELS[kind].__table__ for kind in KIND_ORDER] + [ScopeExit.__table__]
    return sa.select(prefix_of_user().label("prefix"), high.label("high"), *(
        sa.exists().where(t.c.server_seq > low, t.c.server_seq <= high).label(f"t{i}")
        for i, t in enumerate(tables)))


_CURSOR = sa.bindparam("cursor", type_=sa.BigInteger)
_HIGH = sa.bindparam("high", type_=sa.BigInteger)
_LIMIT = sa.bindparam("limit", type_=sa.Integer)


@functools.cache
def _band_query(kind: str, dialect: str) -> sa.Select:
    """The rows of `kind` with a change number in (cursor, high], in scope, the first `limit`:
    built once for any user (the scope's values are parameters). Building it per page, with its
    scope filters, cost more than running it."""
    model = MODELS[kind]
    # A pull reads a narrow band of change numbers: on SQLite the region index made it sort
    # every row in scope to return 500 (6.6 ms instead of 0.6 ms for a page of findings).
    query = (scoped_query(kind, Scope.placeholder(), by_change=True)
             .where(model.server_seq > _CURSOR, model.server_seq <= _HIGH)
             .order_by(model.server_seq).limit(_LIMIT))
    plan = wire_plan(kind, dialect)
    return query if plan is None else _page_of_text(model, query, plan.columns, dialect)


@functools.cache
def _exits_query() -> sa.Select:
    return (sa.select(ScopeExit)
            .where(ScopeExit.server_seq > _CURSOR, ScopeExit.server_seq <= _HIGH,
                   Scope.placeholder().region_filter(ScopeExit.old_region_code))
            .order_by(ScopeExit.server_seq).limit(_LIMIT))


def _page_of_text(model: type, query: sa.Select, columns: tuple, dialect: str) -> sa.Select:
    """The page's rows as wire text. PostgreSQL computed the text (casts, to_char) for every row
    of the band before sorting and cutting it to the page (19 ms for a band of 3,000 findings):
    there the page's ids are chosen first and only those rows are turned into text (in no
    particular order: the page is sorted once all kinds are read)."""
    if dialect != "postgresql":
        return query.with_only_columns(*columns)
    table = model.__table__
    page = query.with_only_columns(table.c.id.label("page_id")).subquery()
    return sa.select(*columns).select_from(table.join(page, table.c.id == page.c.page_id))


def pull_changes(device: Device, user: User, cursor: int, limit: int) -> PullPage:
    """Up to `limit` changes after `cursor` in the scope of the device's user, oldest first.
    Plain rows are read on the connection: the session's ORM result layer only wrapped them.

    The high-water mark is read with the probe, in one statement: the change counter is only
    advanced under its row lock, so every change numbered at or below it has committed, and
    bounding the queries by it keeps a page consistent even while pushes commit meanwhile.
    Raises OutOfScope for an account that may not sync.
    """
    probe = db.session.connection().execute(_band_probe(), {"low": cursor, **user_parameters(user)}).one()
    scope = Scope(user.office_id, probe[0])
    high, present = probe[1] or 0, probe[2:]
    if device.scope_key and device.scope_key != scope.key:
        return PullPage(cursor=cursor, more=False, scope=scope, resync_required=True)
    if high <= cursor:
        return PullPage(cursor=cursor, more=False, scope=scope)
    window: list[tuple[int, str | None, Any]] = []
    dialect = db.session.get_bind().dialect.name
    params = {"cursor": cursor, "high": high, "limit": limit + 1, **scope.parameters()}
    for kind, changed in zip(KIND_ORDER, present, strict=False):
        if not changed:  # no row of this kind in the band, in scope or not
            continue
        plan = wire_plan(kind, dialect)
        if plan is not None:  # records made from the selected text (server/domain/sync/wire_rows.py)
            rows = db.session.connection().execute(_band_query(kind, dialect), params).all()
            window += [(row[1], kind, plan.record(row)) for row in rows]
            continue
        rows = _rows(kind, _with_loads(kind, _band_query(kind, dialect)), params)
        window += [(row.server_seq, kind, row) for row in rows]
    exits = db.session.scalars(_exits_query(), params) if present[-1] else ()
    window += [(e.server_seq, None, e) for e in exits]
    window.sort(key=lambda entry: (entry[0], entry[1] is None))
    page, more = window[:limit], len(window) > limit
    changes = [
        (row if type(row) is dict else to_record(kind, row)) if kind
        else tombstone(KIND_OF_TABLE[row.kind], row.record_id, seq)
        for seq, kind, row in page
    ]
    new_cursor = page[-1][0] if more else high
    return PullPage(cursor=new_cursor, more=more, scope=scope, changes=changes)


def bootstrap_records(scope: Scope, batch: int = 500) -> tuple[int, Iterator[dict[str, Any]]]:
    """(cursor, records) for a new tablet: what an inspector works with, not the archive.

    Open findings with their notices, reports, revisits and photos; unfinished inspections with
    their answers; the estates, regions, companies and published checklists around them. The
    history stays on the server; later pulls bring every change from `cursor` on.
    """
    high = current_change_number(db.session)
    live = _live_filters(scope)

    def records() -> Iterator[dict[str, Any]]:
        for kind in KIND_ORDER:
            model = MODELS[kind]
            query = scoped_query(kind, scope).where(model.deleted_at.is_(None), model.server_seq <= high)
            if kind in live:
                query = query.where(live[kind])
            query = _with_loads(kind, query.order_by(model.server_seq))
            for row in _rows(kind, query.execution_options(yield_per=batch)):
                yield to_record(kind, row)

    return high, records()


def _live_filters(scope: Scope) -> dict[str, sa.ColumnElement[bool]]:
    open_findings = sa.select(Finding.id).where(
        scope.region_filter(Finding.region_code), Finding.status != FindingStatus.CLOSED,
        Finding.deleted_at.is_(None))
    open_inspections = sa.select(Inspection.id).where(
        scope.region_filter(Inspection.region_code),
        Inspection.status.in_((InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS)))
    open_answers = sa.select(Answer.id).where(Answer.inspection_id.in_(open_inspections))
    open_reports = sa.select(Rectification.id).where(Rectification.finding_id.in_(open_findings))
    pending_revisits = sa.select(Revisit.id).where(
        scope.region_filter(Revisit.region_code), Revisit.status == RevisitStatus.PENDING)
    companies = sa.select(Estate.company_id).where(scope.region_filter(Estate.region_code))
    return {
        "company": Company.id.in_(companies),
        "inspection": Inspection.id.in_(open_inspections),
        "answer": Answer.id.in_(open_answers),
        "finding": Finding.id.in_(open_findings),
        "notice": Notice.status == NoticeStatus.ISSUED,
        "rectification": Rectification.id.in_(open_reports),
        "revisit": Revisit.id.in_(pending_revisits),
        "photo_link": PhotoLink.finding_id.in_(open_findings)
        | PhotoLink.rectification_id.in_(open_reports) | PhotoLink.revisit_id.in_(pending_revisits)
        | PhotoLink.answer_id.in_(open_answers),
    }


def remember_pull(device: Device, scope: Scope, cursor: int) -> None:
    device.last_pull_seq = cursor
    device.scope_key = scope.key
