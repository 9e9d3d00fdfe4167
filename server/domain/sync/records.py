"""Which model each wire kind is, and how a row becomes a wire record."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from server.domain.models import (
    Answer,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Company,
    Estate,
    Finding,
    Inspection,
    Notice,
    PhotoLink,
    Rectification,
    Region,
    Revisit,
    TemplateStatus,
)
from server.domain.sync.scope import Scope
from shared_schema.fastload import CompiledDump
from shared_schema.records import RECORD_SCHEMAS

MODELS: dict[str, type] = {
    "region": Region,
    "company": Company,
    "estate": Estate,
    "checklist_template": ChecklistTemplate,
    "checklist_section": ChecklistSection,
    "checklist_item": ChecklistItem,
    "inspection": Inspection,
    "answer": Answer,
    "finding": Finding,
    "photo_link": PhotoLink,
    "notice": Notice,
    "rectification": Rectification,
    "revisit": Revisit,
}
KIND_OF_TABLE = {model.__tablename__: kind for kind, model in MODELS.items()}

# Kinds scoped by the region code on the row itself.
REGION_SCOPED = ("estate", "inspection", "answer", "finding", "photo_link", "notice",
                 "rectification", "revisit")

# Kinds whose every record field is a column of their table (the others read relationships).
PLAIN_KINDS = frozenset(
    kind for kind, model in MODELS.items()
    if set(RECORD_SCHEMAS[kind]._declared_fields) <= set(model.__table__.columns.keys())
)

# Compiled once: a pull of 500 rows spent more time in Schema.dump than in the database.
_dumpers = {kind: CompiledDump(schema()) for kind, schema in RECORD_SCHEMAS.items()}


def dumper_fields(kind: str) -> list[tuple[str, str, Any]]:
    """(wire key, attribute, field) of each data field of a record of `kind`, in dump order."""
    return [(f.data_key or name, f.attribute or name, f)
            for name, f in _dumpers[kind].schema.dump_fields.items()]


def scoped_query(kind: str, scope: Scope, by_change: bool = False) -> sa.Select:
    """SELECT of the rows of `kind` that a user with `scope` may see (deleted ones included).
    `by_change`: for reading a band of change numbers; the region index is then left aside."""
    model = MODELS[kind]
    query = sa.select(model)
    if kind in REGION_SCOPED:
        return query.where(scope.region_filter(model.region_code, indexed=not by_change))
    if kind == "region":
        return query.where(Region.office_id == scope.office_id, Region.code.like(scope.region_prefix + "%"))
    if kind == "company":
        return query.where(Company.office_id == scope.office_id)
    published = (ChecklistTemplate.office_id == scope.office_id) & (
        ChecklistTemplate.status != TemplateStatus.DRAFT
    )
    if kind == "checklist_template":
        return query.where(published)
    if kind == "checklist_section":
        return query.join(ChecklistTemplate).where(published)
    return query.join(ChecklistSection).join(ChecklistTemplate).where(published)


def to_record(kind: str, row: Any) -> dict[str, Any]:
    """The wire form of one row: {kind, id, server_seq, deleted, data, clocks}."""
    deleted = row.deleted_at is not None
    return {
        "kind": kind,
        "id": str(row.id),
        "server_seq": row.server_seq,
        "deleted": deleted,
        "data": None if deleted else _dumpers[kind].dump(row),
        "clocks": getattr(row, "field_clocks", None) or None,
    }


def tombstone(kind: str, record_id: str, seq: int) -> dict[str, Any]:
    return {"kind": kind, "id": record_id, "server_seq": seq, "deleted": True, "data": None,
            "clocks": None}
