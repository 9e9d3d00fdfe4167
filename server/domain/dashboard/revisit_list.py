"""回头看 Pending revisits of the user's area (an inspector: their own), earliest deadline
first so the late ones lead; searched by estate name or initials, filtered to late ones,
paged by keyset on (deadline, id) with no-deadline ones last."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from server.domain.dashboard.list_filters import search_text, tick, url_args
from server.domain.models import Estate, Finding, Revisit, RevisitStatus, Role, User
from server.domain.problem_ledger import FAR_FUTURE, decode_cursor, encode_cursor, search_estates
from server.domain.rectification.access import estates_in_scope
from server.extensions import db

PAGE_SIZE = 50
DEADLINE = sa.func.coalesce(Revisit.due_at, FAR_FUTURE)


@dataclass(frozen=True)
class RevisitFilters:
    q: str = ""
    late_only: bool = False
    after: str | None = None

    def to_args(self, **changes) -> dict[str, str]:
        return url_args(self, **changes)


def parse_revisit_filters(args: Mapping[str, str]) -> RevisitFilters:
    raw = {k: (args.get(k) or "").strip() for k in RevisitFilters.__dataclass_fields__}
    filters = RevisitFilters(q=search_text(raw["q"]), late_only=tick(raw["late_only"]),
                             after=raw["after"] or None)
    if filters.after:
        decode_cursor(filters.after, datetime)
    return filters


def revisit_page(user: User, filters: RevisitFilters, now: datetime,
                 size: int = PAGE_SIZE) -> tuple[list[Revisit], str | None]:
    where = [Revisit.status == RevisitStatus.PENDING]
    if user.role == Role.INSPECTOR:
        where.append(Revisit.inspector_id == user.id)
    else:
        where.append(Finding.estate_id.in_(estates_in_scope(user).with_only_columns(Estate.id)))
    if filters.q:
        where.append(Finding.estate_id.in_(search_estates(filters.q)))
    if filters.late_only:
        where.append(Revisit.due_at < now)
    if filters.after:
        due, row_id = decode_cursor(filters.after, datetime)
        where.append(sa.tuple_(DEADLINE, Revisit.id) > sa.tuple_(due, row_id))
    rows = list(db.session.scalars(sa.select(Revisit).join(Finding, Finding.id == Revisit.finding_id)
                                   .where(*where).order_by(DEADLINE, Revisit.id).limit(size + 1)))
    last = rows[size - 1] if len(rows) > size else None
    cursor = encode_cursor(last.due_at or FAR_FUTURE, last.id) if last else None
    return rows[:size], cursor
