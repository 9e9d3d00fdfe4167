"""Applying a pushed batch: idempotent, per-record results, rules from the domain.

A batch is first applied whole, in one savepoint: records checked by compiled schemas, rows
looked up once, new findings written with one INSERT per batch. Only a batch with a record
that is refused (or collides with a concurrent push) is rolled back and applied again record
by record, each in its own savepoint, so that the bad record is rejected alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import marshmallow
import sqlalchemy as sa
from marshmallow import ValidationError, validate
from sqlalchemy.exc import IntegrityError

from server.domain.database import next_change_numbers, reserve_change_numbers
from server.domain.finding_workflow import TransitionRefused, transition_finding
from server.domain.jsonable import jsonable
from server.domain.models import (
    FIELD_ROLES,
    Answer,
    AppliedAction,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Device,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    Photo,
    PhotoLink,
    Rectification,
    Revisit,
    RevisitStatus,
    SyncBatch,
    SyncConflict,
    TemplateStatus,
    User,
)
from server.domain.models.base import utcnow
from server.domain.rectification.deadlines import default_days
from server.domain.rectification.rectifications import report_rectification
from server.domain.rectification.revisits import record_revisit_result
from server.domain.sync.bulk import CopyStream, among, insert_rows
from server.domain.sync.merge import MergeOutcome, coerce, enum_members, initial_clocks, merge_fields
from server.domain.sync.records import MODELS, to_record
from server.domain.sync.scope import Scope
from server.extensions import db
from shared_schema.clock import stamp_ms
from shared_schema.fastload import CompiledSchema
from shared_schema.records import CREATABLE, CREATE_ONLY, FREE, PUSH_ORDER, RECORD_SCHEMAS
from shared_schema.scoring import compute_score
from shared_schema.sync import PushRecordSchema

CLOCK_TOLERANCE = timedelta(hours=24)
# Built once: building a schema per record cost more than checking the record.
_ENVELOPE = CompiledSchema(PushRecordSchema())
_FIELDS = {kind: CompiledSchema(RECORD_SCHEMAS[kind](), partial=True) for kind in PUSH_ORDER}
_WRITABLE = {kind: CREATE_ONLY[kind] | FREE[kind] for kind in PUSH_ORDER}
_RANK = {kind: rank for rank, kind in enumerate(PUSH_ORDER)}


class Refused(Exception):
    """The record cannot be applied; nothing of it is kept."""

    def __init__(self, code: str, message: str, row: Any = None, kind: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.row, self.kind = code, message, row, kind


class Deferred(Exception):
    """The record waits for something still on its way (the photo's bytes)."""


class BatchBelongsToAnotherDevice(Exception):
    pass


@dataclass
class PushContext:
    device: Device
    user: User
    scope: Scope
    now: datetime
    finished_inspections: set[uuid.UUID] = field(default_factory=set)
    prefetched: set[tuple[type, uuid.UUID]] = field(default_factory=set)
    locked_rows: dict[tuple[type, uuid.UUID], Any] = field(default_factory=dict)
    # The session holds rows weakly; rows looked up or made for this batch are kept here.
    kept: dict[tuple[type, Any], Any] = field(default_factory=dict)
    created: set[tuple[type, uuid.UUID]] = field(default_factory=set)
    pending: dict[type, list[dict[str, Any]]] = field(default_factory=dict)  # rows to INSERT
    days: dict[tuple[Any, Any], int] = field(default_factory=dict)  # default_days by (severity, item)
    # A new finding's server fields by (estate, item, inspection), checked once per attempt.
    finding_origins: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    bulk: bool = False
    stream: CopyStream | None = None  # PostgreSQL, applied in bulk: new rows go into a COPY as made
    clock_limit_ms: int = 0  # the latest stamp taken from a tablet: CLOCK_TOLERANCE past now
    clock_limit_text: str = ""  # a stamp that sorts below this text is within the limit

    def __post_init__(self) -> None:
        self.clock_limit_ms = int((self.now + CLOCK_TOLERANCE).replace(tzinfo=UTC).timestamp() * 1000)
        self.clock_limit_text = f"{self.clock_limit_ms + 1:013d}"

    def forget_attempt(self) -> None:
        """After a rolled-back attempt: what it made or looked up may be gone."""
        self.finished_inspections.clear()
        self.kept.clear()
        self.created.clear()
        self.pending.clear()
        self.finding_origins.clear()


@dataclass
class Incoming:
    kind: str
    id: uuid.UUID
    op: str
    fields: dict[str, Any]
    clocks: dict[str, str]
    new: bool = False  # not stored before this batch (known once the batch's rows are looked up)


def apply_push(
    device: Device, user: User, scope: Scope, batch_id: uuid.UUID, raw_records: list[Any],
    loaded: bool = False,
) -> dict[str, Any]:
    """Apply one batch and return the reply; a batch seen before returns its stored reply.

    `loaded`: the records come loaded by the shared schemas already (shared_schema.push_decoder);
    otherwise they are loaded here one by one, and a malformed one is rejected alone."""
    seen = db.session.get(SyncBatch, batch_id)
    if seen is not None:
        if seen.device_id != device.id:
            raise BatchBelongsToAnotherDevice(str(batch_id))
        return {**seen.reply, "replayed": True}
    batch = SyncBatch(id=batch_id, device_id=device.id, record_count=len(raw_records))
    db.session.add(batch)
    db.session.flush()  # claim the batch id first (and, on SQLite, the write lock)
    ctx = PushContext(device=device, user=user, scope=scope, now=utcnow())
    results: list[dict[str, Any] | None] = [None] * len(raw_records)
    parsed: list[tuple[int, Incoming]] = []
    for index, raw in enumerate(raw_records):
        try:
            parsed.append((index, _parse(raw, ctx, loaded)))
        except Refused as refused:
            results[index] = _result(_kind_hint(raw), _id_hint(raw), "rejected", refused.code,
                                     refused.message)
    parsed.sort(key=lambda entry: _RANK[entry[1].kind])  # stable: in request order within a kind
    _prefetch(ctx, [record for _, record in parsed])
    for _, record in parsed:
        record.new = _is_new(ctx, record)
    creations = sum(record.new for _, record in parsed)
    if creations:
        # New records always write; replayed ones may write nothing and must take no numbers.
        reserve_change_numbers(db.session, creations)
    applied = _apply_in_bulk(ctx, parsed)
    if applied is None:
        applied = [(index, _apply_one(ctx, record)) for index, record in parsed]
    for index, result in applied:
        results[index] = result
    _score_finished_inspections(ctx)
    # Results are made of text already (server versions by the record dumpers): only the time
    # needs its wire form; walking 500 results through jsonable cost as much as a handler.
    batch.reply = {"batch_id": str(batch_id), "replayed": False, "server_time": jsonable(ctx.now),
                   "results": results}
    return batch.reply


def _parse(raw: Any, ctx: PushContext, loaded: bool) -> Incoming:
    record = raw if loaded else _load(raw)
    kind, fields, clocks = record["kind"], record["fields"], record["clocks"]
    writable = _WRITABLE[kind]
    if not fields.keys() <= writable:
        read_only = sorted(set(fields) - writable)
        raise Refused("read_only_field",
                      f"字段 {', '.join(read_only)} 由服务器维护，平板不能修改 (server-owned fields)")
    if not fields.keys() & FREE[kind] <= clocks.keys():
        missing = sorted(name for name in fields if name in FREE[kind] and name not in clocks)
        raise Refused("clock_missing", f"字段 {', '.join(missing)} 缺少时钟戳 (clock stamp missing)")
    # Stamps are fixed-width text that sorts by time: the greatest string is the latest stamp,
    # and one below the limit's text is not past it (only one that may be is parsed).
    if clocks and (latest := max(clocks.values())) >= ctx.clock_limit_text and (
        stamp_ms(latest) > ctx.clock_limit_ms
    ):
        raise Refused("clock_ahead",
                      "平板时间比服务器快超过24小时，请校准时间后再同步 (tablet clock is ahead)")
    return Incoming(kind, record["id"], record["op"], fields, clocks)


def _load(raw: Any) -> dict[str, Any]:
    """A record as sent, through the envelope's schema and its kind's record schema."""
    try:
        envelope = _ENVELOPE.load(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        raise Refused("invalid_record", f"记录格式错误 (invalid record): {exc.messages}") from None
    if not isinstance(raw, dict):
        raise Refused("invalid_record", "记录必须是 JSON 对象 (a record must be an object)")
    try:
        envelope["fields"] = _FIELDS[envelope["kind"]].load(envelope["fields"])
    except ValidationError as exc:
        raise Refused("invalid_fields", f"字段校验失败 (invalid fields): {exc.messages}") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise Refused("invalid_fields", f"字段值无效 (invalid value): {exc}") from None
    return envelope


def _apply_in_bulk(ctx: PushContext, parsed: list[tuple[int, Incoming]]) -> list | None:
    """[(index, result)] with the whole batch applied in one savepoint; None (and nothing
    applied) when a record was refused or collided, so the caller goes record by record."""
    ctx.bulk = True
    if db.session.get_bind().dialect.name == "postgresql":
        ctx.stream = CopyStream(db.session)
    applied = []
    try:
        with db.session.begin_nested():
            kind = None
            new_findings: list[tuple[int, Incoming]] = []  # made together, before the next kind
            for index, record in parsed:
                if record.kind != kind:  # later kinds may look up the rows of earlier ones
                    _create_new_findings(ctx, new_findings, applied)
                    _insert_pending(ctx)
                    kind = record.kind
                if kind == "finding" and record.new:
                    new_findings.append((index, record))
                    continue
                try:
                    result = HANDLERS[record.kind](ctx, record)
                except Deferred as deferred:  # raised before anything is changed
                    result = _result(record.kind, record.id, "deferred", "photo_missing", str(deferred))
                if result["status"] == "conflict":
                    _record_conflict(ctx, record, result)
                applied.append((index, result))
            _create_new_findings(ctx, new_findings, applied)
            _insert_pending(ctx)
            db.session.flush()
    except (Refused, TransitionRefused, IntegrityError):
        ctx.forget_attempt()
        return None
    finally:
        if ctx.stream is not None:
            ctx.stream.abort()  # only still open when leaving by an error
        ctx.bulk, ctx.stream = False, None
    return applied


def _create_new_findings(ctx: PushContext, records: list[tuple[int, Incoming]], applied: list) -> None:
    if records:
        applied.extend(zip([index for index, _ in records],
                           _create_findings(ctx, [record for _, record in records]), strict=True))
        records.clear()


def _apply_one(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    handler = HANDLERS[record.kind]
    for attempt in (1, 2):
        try:
            with db.session.begin_nested():
                result = handler(ctx, record)
                db.session.flush()
            break
        except Refused as refused:
            return _refusal(record, refused)
        except Deferred as deferred:
            return _result(record.kind, record.id, "deferred", "photo_missing", str(deferred))
        except TransitionRefused as refused:
            return _result(record.kind, record.id, "rejected", refused.code, str(refused))
        except IntegrityError as exc:
            # Another push created the same record a moment ago: merge into it on the retry.
            ctx.pending.clear()
            key = (MODELS.get(record.kind), record.id)
            ctx.created.discard(key)
            ctx.prefetched.discard(key)
            if attempt == 2:
                return _result(record.kind, record.id, "rejected", "constraint",
                               f"与已有数据冲突 (conflicts with stored data): {exc.orig}")
    if result["status"] == "conflict":
        _record_conflict(ctx, record, result)
    return result


# Rows handed to PostgreSQL's COPY at a time while the batch is being made.
STREAM_ROWS = 100


def _insert(ctx: PushContext, model: type, values: dict[str, Any]) -> None:
    """A new row written with plain INSERTs: one per batch when applied in bulk (on PostgreSQL
    streamed into one COPY as the rows are made)."""
    rows = ctx.pending.setdefault(model, [])
    rows.append(values)
    ctx.created.add((model, values["id"]))
    if not ctx.bulk:
        _insert_pending(ctx)
    elif ctx.stream is not None and len(rows) >= STREAM_ROWS:
        _write_pending(ctx)


def _insert_pending(ctx: PushContext) -> None:
    """Every queued row written, and in the table, before what comes next reads it."""
    _write_pending(ctx)
    if ctx.stream is not None:
        ctx.stream.close()


def _write_pending(ctx: PushContext) -> None:
    for model, rows in ctx.pending.items():
        for row, number in zip(rows, next_change_numbers(db.session, len(rows)), strict=True):
            row["server_seq"] = number
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:  # one executemany needs the same columns in every row
            by_columns.setdefault(tuple(row), []).append(row)
        for group in by_columns.values():
            insert_rows(db.session, model.__table__, group, ctx.stream)
    ctx.pending.clear()


def _refusal(record: Incoming, refused: Refused) -> dict[str, Any]:
    version = to_record(refused.kind or record.kind, refused.row) if refused.row is not None else None
    return _result(record.kind, record.id, "rejected", refused.code, refused.message, version)


def _record_conflict(ctx: PushContext, record: Incoming, result: dict[str, Any]) -> None:
    db.session.add(SyncConflict(
        office_id=ctx.user.office_id, device_id=ctx.device.id, user_id=ctx.user.id,
        kind=record.kind, record_id=str(record.id), reason=result["code"],
        detail=jsonable({"message": result["message"], "fields": record.fields,
                          "clocks": record.clocks, "server_version": result.get("server_version")}),
    ))


def _result(kind: str, record_id: Any, status: str, code: str = "", message: str = "",
            server_version: dict | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"kind": kind, "id": str(record_id), "status": status}
    if code:
        result["code"] = code
    if message:
        result["message"] = message
    if server_version is not None:
        result["server_version"] = server_version
    return result


def _merged(kind: str, row: Any, outcome: MergeOutcome) -> dict[str, Any]:
    if outcome.clean:
        return _result(kind, row.id, "accepted")
    db.session.flush()
    parts = []
    if outcome.lost:
        parts.append(f"字段 {', '.join(sorted(outcome.lost))} 已有更新的修改，保留服务器的值 "
                     "(a newer edit of these fields won)")
    if outcome.immutable:
        parts.append(f"字段 {', '.join(sorted(outcome.immutable))} 创建后不能修改 (fixed at creation)")
    code = "field_lost" if outcome.lost else "immutable_field"
    return _result(kind, row.id, "conflict", code, "；".join(parts), to_record(kind, row))


# --- lookups and rules shared by the handlers ---------------------------------------------


def _locked(ctx: PushContext, model: type, record_id: Any) -> Any:
    """The stored row, locked for this transaction; rows of the batch were locked up front."""
    key = (model, record_id)
    if key in ctx.created:  # made by this batch: the ORM object, or the row just inserted
        return ctx.kept.get(key) or db.session.get(model, record_id)
    if key in ctx.prefetched:
        return ctx.locked_rows.get(key)
    return db.session.get(model, record_id, with_for_update=True)


def _get(ctx: PushContext, model: type, record_id: Any) -> Any:
    """A row by id, looked up once per batch (a batch names the same estate 500 times)."""
    key = (model, record_id)
    row = ctx.kept.get(key)
    if row is None:
        row = db.session.get(model, record_id)
        if row is not None:
            ctx.kept[key] = row
    return row


def _is_new(ctx: PushContext, record: Incoming) -> bool:
    key = (MODELS.get(record.kind), record.id)
    return record.op == "upsert" and key in ctx.prefetched and key not in ctx.locked_rows


def _prefetch(ctx: PushContext, records: list[Incoming]) -> None:
    """Lock every row the batch names in one query per kind, instead of one query per record."""
    for kind in PUSH_ORDER:
        model = MODELS.get(kind)
        ids = [r.id for r in records if r.kind == kind]
        if model is None or not ids:
            continue
        wanted = among(model.__table__.c.id, ids, db.session.get_bind().dialect)
        # The session's identity map holds rows weakly; the context keeps them alive.
        for row in db.session.scalars(sa.select(model).where(wanted).with_for_update()):
            ctx.locked_rows[(model, row.id)] = row
        ctx.prefetched.update((model, record_id) for record_id in ids)


def _in_scope(ctx: PushContext, row: Any, kind: str) -> Any:
    if row is None or row.deleted_at is not None:
        raise Refused("not_found", f"找不到{_LABELS[kind]} (not found)")
    if not ctx.scope.holds(row.region_code):
        raise Refused("out_of_scope", f"{_LABELS[kind]}不在本账号的管辖范围内 (outside your area)")
    return row


def _require(fields: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if fields.get(name) in (None, "")]
    if missing:
        raise Refused("missing_field", f"新建记录缺少字段 {', '.join(missing)} (required to create)")


def _new(ctx: PushContext, kind: str, model: type, record: Incoming, skip: tuple[str, ...] = (),
         **server_fields: Any):
    row = model(id=record.id, **server_fields)
    for name, value in record.fields.items():
        if name not in skip:
            setattr(row, name, coerce(model, name, value))
    if hasattr(row, "field_clocks"):
        row.field_clocks = initial_clocks(kind, record.fields, record.clocks)
    db.session.add(row)
    ctx.kept[(model, record.id)] = row
    ctx.created.add((model, record.id))
    return row


def _update(ctx: PushContext, kind: str, row: Any, record: Incoming) -> dict[str, Any]:
    _in_scope(ctx, row, kind)
    return _merged(kind, row, merge_fields(kind, row, record.fields, record.clocks))


def _refuse_delete(kind: str) -> None:
    raise Refused("cannot_delete", f"{_LABELS[kind]}不能删除 (cannot be deleted)")


# --- one handler per kind ------------------------------------------------------------------


def _inspection(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    row = _locked(ctx, Inspection, record.id)
    if record.op == "delete":
        _in_scope(ctx, row, "inspection")
        if row.status == InspectionStatus.FINISHED:
            _refuse_delete("inspection")
        row.deleted_at = ctx.now
        return _result("inspection", row.id, "accepted")
    if row is not None:
        result = _update(ctx, "inspection", row, record)
    else:
        _require(record.fields, "estate_id", "kind")
        estate = _in_scope(ctx, _get(ctx, Estate, record.fields["estate_id"]), "estate")
        template_id = record.fields.get("template_id")
        if template_id is not None:
            template = db.session.get(ChecklistTemplate, template_id)
            if template is None or template.office_id != estate.office_id or (
                template.status == TemplateStatus.DRAFT
            ):
                raise Refused("not_found", "检查表不存在或未发布 (checklist not found or not published)")
        row = _new(ctx, "inspection", Inspection, record, skip=("inspector_ids",),
                   office_id=estate.office_id, region_code=estate.region_code,
                   created_by_id=ctx.user.id)
        row.inspectors = _inspectors(ctx, record.fields.get("inspector_ids"))
        result = _result("inspection", row.id, "accepted")
    if row.status == InspectionStatus.FINISHED:
        ctx.finished_inspections.add(row.id)
    return result


def _inspectors(ctx: PushContext, ids: list[uuid.UUID] | None) -> list[User]:
    if not ids:
        return [ctx.user]
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()
    if len(users) != len(set(ids)) or any(
        u.office_id != ctx.user.office_id or u.role not in FIELD_ROLES for u in users
    ):
        raise Refused("invalid_inspectors", "检查人员无效 (unknown inspectors)")
    return list(users)


def _answer(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    row = _locked(ctx, Answer, record.id)
    if record.op == "delete":
        _refuse_delete("answer")
    if row is not None:
        result = _update(ctx, "answer", row, record)
    else:
        _require(record.fields, "inspection_id", "item_id", "result")
        inspection = _in_scope(ctx, _get(ctx, Inspection, record.fields["inspection_id"]), "inspection")
        item = _get(ctx, ChecklistItem, record.fields["item_id"])
        section = _get(ctx, ChecklistSection, item.section_id) if item else None
        if section is None or section.template_id != inspection.template_id:
            raise Refused("not_found", "检查项不属于该检查的检查表 (item not in this checklist)")
        twin = db.session.scalar(sa.select(Answer).where(
            Answer.inspection_id == inspection.id, Answer.item_id == item.id))
        if twin is not None:
            # Two inspectors of one visit answered the same item: one answer, merged by clock.
            merge_fields("answer", twin, _free_only("answer", record.fields), record.clocks)
            db.session.flush()
            return _result("answer", record.id, "conflict", "duplicate_answer",
                           f"该检查项已有答案（{twin.id}），已合并 (merged into the existing answer)",
                           to_record("answer", twin))
        row = _new(ctx, "answer", Answer, record, region_code=inspection.region_code)
        result = _result("answer", row.id, "accepted")
    inspection = _get(ctx, Inspection, row.inspection_id)
    if inspection.status == InspectionStatus.FINISHED:
        ctx.finished_inspections.add(inspection.id)
    return result


def _free_only(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k in FREE[kind]}


def _finding(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    row = _locked(ctx, Finding, record.id)
    if record.op == "delete":
        _in_scope(ctx, row, "finding")
        if row.status != FindingStatus.OPEN or row.notice_id or row.reported_by_id != ctx.user.id:
            raise Refused("cannot_delete",
                          "只能删除本人记录、尚未下发通知的问题 (only your own open finding)")
        row.deleted_at = ctx.now
        return _result("finding", row.id, "accepted")
    if row is not None:
        return _update(ctx, "finding", row, record)
    return _create_findings(ctx, [record])[0]


_FINDING_REQUIRED = ("estate_id", "category", "severity", "found_at")
_FINDING_ENUMS = tuple(name for name in CREATE_ONLY["finding"] | FREE["finding"]
                       if enum_members(Finding, name))


def _loads_filled(field: marshmallow.fields.Field) -> bool:
    """The field never loads None or "" (so _require's test is being there)."""
    if field.allow_none:
        return False
    if type(field) is not marshmallow.fields.String:
        return True
    return any((isinstance(v, validate.Length) and (v.min or 0) >= 1)
               or (isinstance(v, validate.OneOf) and "" not in v.choices) for v in field.validators)


assert all(_loads_filled(RECORD_SCHEMAS["finding"]().fields[name]) for name in _FINDING_REQUIRED)


def _create_findings(ctx: PushContext, records: list[Incoming]) -> list[dict[str, Any]]:
    """New findings, queued for one INSERT. What a finding takes from its estate, item and
    inspection is checked and worked out once per distinct (estate, item, inspection)."""
    required, origins, days_by_rule = frozenset(_FINDING_REQUIRED), ctx.finding_origins, ctx.days
    results = []
    for record in records:
        fields, clocks = record.fields, record.clocks
        if not required <= fields.keys():
            _require(fields, *_FINDING_REQUIRED)
        origin = (fields["estate_id"], fields.get("item_id"), fields.get("inspection_id"))
        inherited = origins.get(origin)
        if inherited is None:
            inherited = origins[origin] = _finding_origin(ctx, *origin)
        values = {**fields, **inherited, "id": record.id,
                  "field_clocks": initial_clocks("finding", fields, clocks)}
        for name in _FINDING_ENUMS:
            if name in values:
                values[name] = coerce(Finding, name, values[name])
        rule = (values["severity"], values.get("item_id"))
        days = days_by_rule.get(rule)
        if days is None:
            days = days_by_rule[rule] = default_days(_NewFinding(*rule))
        values["due_at"] = _proposed_due(values["found_at"], days, fields.get("due_at"))
        _insert(ctx, Finding, values)
        results.append({"kind": "finding", "id": str(record.id), "status": "accepted"})
    return results


def _finding_origin(ctx: PushContext, estate_id: uuid.UUID, item_id: uuid.UUID | None,
                    inspection_id: uuid.UUID | None) -> dict[str, Any]:
    """The server's fields of a new finding of this estate (and item and inspection), once
    they are checked: the estate in scope, the item and the inspection known and the latter
    of this estate."""
    estate = _in_scope(ctx, _get(ctx, Estate, estate_id), "estate")
    if item_id and _get(ctx, ChecklistItem, item_id) is None:
        raise Refused("not_found", "检查项不存在 (item not found)")
    if inspection_id:
        inspection = _get(ctx, Inspection, inspection_id)
        if inspection is None or inspection.estate_id != estate.id:
            raise Refused("not_found", "检查记录不存在或不属于该小区 (inspection not in this estate)")
    # The estate's own id object too: one object down the batch is converted once for the INSERT.
    return {"estate_id": estate.id, "office_id": estate.office_id, "region_code": estate.region_code,
            "status": FindingStatus.OPEN, "reported_by_id": ctx.user.id,
            "created_at": ctx.now, "updated_at": ctx.now}


@dataclass(frozen=True)
class _NewFinding:
    """What the deadline rule reads of a finding, before its row exists."""

    severity: Any
    item_id: uuid.UUID | None


def _proposed_due(found_at: datetime, days: int, proposal: datetime | None) -> datetime:
    """The tablet's proposal when it is sane, else the office's rule; a notice sets the real one."""
    if proposal is not None and found_at <= proposal <= found_at + timedelta(days=365):
        return proposal
    return found_at + timedelta(days=days)


def _rectification(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    row = _locked(ctx, Rectification, record.id)
    if record.op == "delete":
        _refuse_delete("rectification")
    if row is not None:
        return _update(ctx, "rectification", row, record)
    _require(record.fields, "finding_id", "reported_at")
    finding = _in_scope(ctx, _locked(ctx, Finding, record.fields["finding_id"]), "finding")
    row = report_rectification(finding, ctx.user, now=ctx.now, note=record.fields.get("note", ""),
                               rectification_id=record.id, reported_at=record.fields["reported_at"])
    row.field_clocks = initial_clocks("rectification", record.fields, record.clocks)
    return _result("rectification", row.id, "accepted")


_LINK_OWNERS = {"finding_id": (Finding, "finding"), "answer_id": (Answer, "answer"),
                "rectification_id": (Rectification, "rectification"),
                "revisit_id": (Revisit, "revisit")}
_CAPTURE_FIELDS = ("taken_at", "latitude", "longitude")


def _photo_link(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    row = _locked(ctx, PhotoLink, record.id)
    if record.op == "delete":
        raise Refused("photos_only_grow", "照片只能增加，不能删除 (photo sets only grow)")
    if row is not None:
        return _update(ctx, "photo_link", row, record)
    fields = record.fields
    owners = [name for name in _LINK_OWNERS if fields.get(name)]
    if len(owners) != 1:
        raise Refused("invalid_fields", "照片必须且只能关联一条记录 (link exactly one record)")
    _require(fields, "photo_sha256")
    model, kind = _LINK_OWNERS[owners[0]]
    owner = _in_scope(ctx, _get(ctx, model, fields[owners[0]]), kind)
    photo = _get(ctx, Photo, fields["photo_sha256"])
    if photo is None or not photo.stored:
        raise Deferred("照片尚未上传，请先上传照片再同步 (upload the photo first)")
    for name in _CAPTURE_FIELDS:
        if fields.get(name) is not None and getattr(photo, name) is None:
            setattr(photo, name, fields[name])
    row = _new(ctx, "photo_link", PhotoLink, record, skip=_CAPTURE_FIELDS, region_code=owner.region_code)
    return _result("photo_link", row.id, "accepted")


def _revisit(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    row = _in_scope(ctx, _locked(ctx, Revisit, record.id), "revisit")
    if record.op == "delete":
        _refuse_delete("revisit")
    result = record.fields.get("result")
    if result is not None and row.status != RevisitStatus.DONE:
        # The result is a workflow step (销号 or reopen), decided by the rectification service.
        record_revisit_result(row, ctx.user, result, now=ctx.now, note=record.fields.get("note", ""),
                              done_at=record.fields.get("done_at"))
        row.field_clocks = {**(row.field_clocks or {}),
                            **initial_clocks("revisit", record.fields, record.clocks)}
        return _result("revisit", row.id, "accepted")
    if result is not None and row.result is not None and row.result.value != result:
        raise Refused("revisit_done", "该回头看已有不同的复查结论 (revisit already has another result)",
                      row=row, kind="revisit")
    return _update(ctx, "revisit", row, record)


def _finding_action(ctx: PushContext, record: Incoming) -> dict[str, Any]:
    decided = db.session.get(AppliedAction, record.id)
    if decided is not None:
        return decided.outcome
    _require(record.fields, "finding_id", "action", "at")
    finding = _in_scope(ctx, _locked(ctx, Finding, record.fields["finding_id"]), "finding")
    try:
        transition_finding(finding, record.fields["action"], ctx.user, at=record.fields["at"],
                           note=record.fields.get("note", ""))
        db.session.flush()
        outcome = _result("finding_action", record.id, "accepted")
    except TransitionRefused as refused:
        outcome = _result("finding_action", record.id, "rejected", refused.code, str(refused),
                          to_record("finding", finding))
    db.session.add(AppliedAction(id=record.id, finding_id=finding.id,
                                 action=record.fields["action"], outcome=jsonable(outcome)))
    return outcome


HANDLERS: dict[str, Callable[[PushContext, Incoming], dict[str, Any]]] = {
    "inspection": _inspection,
    "answer": _answer,
    "finding": _finding,
    "rectification": _rectification,
    "photo_link": _photo_link,
    "revisit": _revisit,
    "finding_action": _finding_action,
}
assert set(HANDLERS) == set(PUSH_ORDER) and set(CREATABLE) <= set(HANDLERS)

_LABELS = {"inspection": "检查记录", "answer": "检查结果", "finding": "问题", "estate": "小区",
           "rectification": "整改反馈", "photo_link": "照片", "revisit": "回头看任务",
           "finding_action": "问题操作"}


def _score_finished_inspections(ctx: PushContext) -> None:
    """The server recomputes the score of each finished inspection with the shared rule."""
    for inspection_id in ctx.finished_inspections:
        inspection = db.session.get(Inspection, inspection_id)
        rows = db.session.execute(
            sa.select(ChecklistItem.points, Answer.result)
            .join(Answer, Answer.item_id == ChecklistItem.id)
            .where(Answer.inspection_id == inspection_id, Answer.deleted_at.is_(None))
        ).all()
        score, applicable = compute_score((points, result.value) for points, result in rows)
        if inspection.score != score or inspection.max_score != applicable:
            inspection.score, inspection.max_score = score, applicable


def _kind_hint(raw: Any) -> str:
    return str(raw.get("kind", ""))[:30] if isinstance(raw, dict) else ""


def _id_hint(raw: Any) -> str:
    return str(raw.get("id", ""))[:40] if isinstance(raw, dict) else ""
