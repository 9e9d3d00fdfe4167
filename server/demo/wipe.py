"""Deleting every row of one office, for `xuncha demo build --replace`.

The set of rows is found from the schema itself: a row belongs to the office when it has the
office's `office_id`, or (for tables without one) when a foreign key points at a row that
belongs. So a table another feature adds later is cleaned too, as long as it hangs off the
office through foreign keys. Photos are shared by content, so only photos that no remaining
link uses are deleted; their hashes are returned so that the caller can remove the files
after the transaction commits.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.extensions import db

_BATCH = 500


def _belongs_predicates(office_id: uuid.UUID) -> dict[sa.Table, sa.ColumnElement[bool]]:
    predicates: dict[sa.Table, sa.ColumnElement[bool]] = {}
    for table in db.metadata.sorted_tables:  # parents before children
        if table.name == "office":
            predicates[table] = table.c.id == office_id
            continue
        if "office_id" in table.c:
            predicates[table] = table.c.office_id == office_id
            continue
        clauses = [
            fk.parent.in_(sa.select(fk.column).where(predicates[fk.column.table]))
            for fk in table.foreign_keys
            if fk.column.table is not table and fk.column.table in predicates
        ]
        if clauses:
            predicates[table] = sa.or_(*clauses)
    return predicates


def delete_office_data(session: Session, office_id: uuid.UUID) -> set[str]:
    """Delete the office and everything hanging off it; return hashes of photos now unused."""
    predicates = _belongs_predicates(office_id)
    photo_link = db.metadata.tables["photo_link"]
    photo = db.metadata.tables["photo"]
    shas = set(session.scalars(
        sa.select(photo_link.c.photo_sha256).where(predicates[photo_link]).distinct()
    ))
    for table in reversed(db.metadata.sorted_tables):  # children before parents
        if table in predicates:
            session.execute(table.delete().where(predicates[table]))
    orphaned: set[str] = set()
    ordered = sorted(shas)
    for start in range(0, len(ordered), _BATCH):
        batch = ordered[start:start + _BATCH]
        still_used = set(session.scalars(
            sa.select(photo_link.c.photo_sha256).where(photo_link.c.photo_sha256.in_(batch)).distinct()
        ))
        unused = [sha for sha in batch if sha not in still_used]
        if unused:
            session.execute(photo.delete().where(photo.c.sha256.in_(unused)))
            orphaned.update(unused)
    return orphaned
