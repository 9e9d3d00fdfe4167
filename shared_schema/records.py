"""The records that cross the wire, one schema per kind, used for pushes and pulls alike.

Field roles (the server enforces them; the tablet uses them to know what it may write):
- CREATE_ONLY: set when the tablet creates the record, never changed afterwards;
- FREE: edited offline, merged field by field by hybrid-clock stamp (last writer wins);
- everything else is server-owned (workflow state, scores, numbers) and only pulled.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from shared_schema.fields import Sha256, UtcDateTime

TEXT = validate.Length(max=2000)
SHORT = validate.Length(max=100)


def _one_of(*values: str) -> validate.OneOf:
    return validate.OneOf(values)


class RecordSchema(Schema):
    class Meta:
        unknown = RAISE


class RegionRecord(RecordSchema):
    parent_id = fields.UUID(allow_none=True)
    level = fields.String()
    code = fields.String()
    name = fields.String()


class CompanyRecord(RecordSchema):
    name = fields.String()
    credit_code = fields.String()
    phone = fields.String()
    contact_person = fields.String()


class EstateRecord(RecordSchema):
    region_id = fields.UUID()
    region_code = fields.String()
    company_id = fields.UUID(allow_none=True)
    name = fields.String()
    address = fields.String()
    management_type = fields.String()
    households = fields.Integer()
    buildings = fields.Integer()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class TemplateRecord(RecordSchema):
    family = fields.String()
    version = fields.Integer()
    name = fields.String()
    status = fields.String()


class SectionRecord(RecordSchema):
    template_id = fields.UUID()
    position = fields.Integer()
    title = fields.String()


class ItemRecord(RecordSchema):
    section_id = fields.UUID()
    position = fields.Integer()
    code = fields.String()
    text = fields.String()
    category = fields.String()
    points = fields.Integer()
    default_severity = fields.String()
    rectification_days = fields.Integer()
    photo_required_on_fail = fields.Boolean()
    guidance = fields.String()


class InspectionRecord(RecordSchema):
    region_code = fields.String()  # server-owned: the estate's community
    estate_id = fields.UUID()
    template_id = fields.UUID(allow_none=True)
    kind = fields.String(validate=_one_of("routine", "special", "random", "complaint", "revisit"))
    inspector_ids = fields.List(fields.UUID(), validate=validate.Length(max=10))
    complaint_channel = fields.String(
        allow_none=True,
        validate=_one_of("hotline_12345", "phone", "on_site", "online", "leader_instruction"),
    )
    status = fields.String(validate=_one_of("planned", "in_progress", "finished", "cancelled"))
    planned_for = UtcDateTime(allow_none=True)
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)
    note = fields.String(validate=TEXT)
    score = fields.Decimal(as_string=True, allow_none=True)
    max_score = fields.Decimal(as_string=True, allow_none=True)


class AnswerRecord(RecordSchema):
    inspection_id = fields.UUID()
    item_id = fields.UUID()
    result = fields.String(validate=_one_of("pass", "fail", "na"))
    note = fields.String(validate=TEXT)
    answered_at = UtcDateTime(allow_none=True)


class FindingRecord(RecordSchema):
    region_code = fields.String()  # server-owned: the estate's community
    estate_id = fields.UUID()
    inspection_id = fields.UUID(allow_none=True)
    item_id = fields.UUID(allow_none=True)
    category = fields.String(validate=validate.Length(1, 50))
    severity = fields.String(validate=_one_of("minor", "major", "severe"))
    location = fields.String(validate=SHORT)
    description = fields.String(validate=TEXT)
    found_at = UtcDateTime()
    due_at = UtcDateTime(allow_none=True)
    status = fields.String()
    closed_at = UtcDateTime(allow_none=True)
    notice_id = fields.UUID(allow_none=True)


class PhotoLinkRecord(RecordSchema):
    photo_sha256 = Sha256()
    role = fields.String(validate=_one_of("evidence", "after"))
    finding_id = fields.UUID(allow_none=True)
    answer_id = fields.UUID(allow_none=True)
    rectification_id = fields.UUID(allow_none=True)
    revisit_id = fields.UUID(allow_none=True)
    caption = fields.String(validate=validate.Length(max=200))
    taken_at = UtcDateTime(allow_none=True)
    latitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(-180, 180))


class NoticeRecord(RecordSchema):
    region_code = fields.String()  # server-owned: the estate's community
    estate_id = fields.UUID()
    company_id = fields.UUID(allow_none=True)
    label = fields.String()
    status = fields.String()
    issued_at = UtcDateTime()


class RectificationRecord(RecordSchema):
    finding_id = fields.UUID()
    note = fields.String(validate=TEXT)
    reported_at = UtcDateTime()
    status = fields.String()


class RevisitRecord(RecordSchema):
    region_code = fields.String()  # server-owned: the estate's community
    finding_id = fields.UUID()
    inspector_id = fields.UUID(allow_none=True)
    due_at = UtcDateTime(allow_none=True)
    status = fields.String()
    result = fields.String(allow_none=True, validate=_one_of("fixed", "not_fixed"))
    done_at = UtcDateTime(allow_none=True)
    note = fields.String(validate=TEXT)


class FindingActionRecord(RecordSchema):
    """A tablet's proposal to move a finding through the state machine (e.g. 当场整改)."""

    finding_id = fields.UUID(required=True)
    action = fields.String(required=True, validate=_one_of("close_on_site", "verify_fixed",
                                                           "verify_not_fixed"))
    at = UtcDateTime(required=True)
    note = fields.String(load_default="", validate=TEXT)


RECORD_SCHEMAS: dict[str, type[RecordSchema]] = {
    "region": RegionRecord,
    "company": CompanyRecord,
    "estate": EstateRecord,
    "checklist_template": TemplateRecord,
    "checklist_section": SectionRecord,
    "checklist_item": ItemRecord,
    "inspection": InspectionRecord,
    "answer": AnswerRecord,
    "finding": FindingRecord,
    "photo_link": PhotoLinkRecord,
    "notice": NoticeRecord,
    "rectification": RectificationRecord,
    "revisit": RevisitRecord,
    "finding_action": FindingActionRecord,
}

# What a tablet may push, in the order the server applies a batch (parents before children).
PUSH_ORDER = ("inspection", "answer", "finding", "rectification", "photo_link", "revisit",
              "finding_action")

CREATE_ONLY: dict[str, frozenset[str]] = {
    "inspection": frozenset({"estate_id", "template_id", "kind", "inspector_ids", "complaint_channel"}),
    "answer": frozenset({"inspection_id", "item_id"}),
    "finding": frozenset({"estate_id", "inspection_id", "item_id", "found_at", "due_at"}),
    "rectification": frozenset({"finding_id", "reported_at"}),
    "photo_link": frozenset({"photo_sha256", "role", "finding_id", "answer_id", "rectification_id",
                             "revisit_id", "taken_at", "latitude", "longitude"}),
    "revisit": frozenset(),
    "finding_action": frozenset({"finding_id", "action", "at", "note"}),
}

FREE: dict[str, frozenset[str]] = {
    "inspection": frozenset({"status", "planned_for", "started_at", "finished_at", "note"}),
    "answer": frozenset({"result", "note", "answered_at"}),
    "finding": frozenset({"category", "severity", "location", "description"}),
    "rectification": frozenset({"note"}),
    "photo_link": frozenset({"caption"}),
    # A revisit's result goes through the state machine; the note is free.
    "revisit": frozenset({"result", "done_at", "note"}),
    "finding_action": frozenset(),
}

# Kinds a tablet may create (a revisit is created by the server and only completed on a tablet).
CREATABLE = frozenset({"inspection", "answer", "finding", "rectification", "photo_link",
                       "finding_action"})
