"""Every model of the domain, importable from one place."""

from server.domain.models import enums
from server.domain.models.assessment import AssessmentRun, CreditRecord, RuleSet
from server.domain.models.audit import AuditEntry
from server.domain.models.base import ChangeCounter
from server.domain.models.checklists import ChecklistItem, ChecklistSection, ChecklistTemplate
from server.domain.models.complaints import Complaint, ComplaintStatus, Satisfaction
from server.domain.models.devices import (
    AppliedAction,
    Device,
    PairingCode,
    ScopeExit,
    SyncBatch,
    SyncConflict,
)
from server.domain.models.enums import *  # noqa: F403
from server.domain.models.exports import ExportJob
from server.domain.models.findings import Finding, Photo, PhotoLink
from server.domain.models.inspections import Answer, Inspection, inspection_inspector
from server.domain.models.organisation import Company, Estate, Office, Region, User
from server.domain.models.plans import InspectionPlan, PlanEntry, PlanStatus, Recusal
from server.domain.models.rectification import (
    Escalation,
    Notice,
    NoticeSequence,
    Rectification,
    Reminder,
    Revisit,
    WorkCalendarDay,
)

__all__ = [
    "Answer",
    "AppliedAction",
    "AuditEntry",
    "ChangeCounter",
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplate",
    "Device",
    "PairingCode",
    "ScopeExit",
    "SyncBatch",
    "SyncConflict",
    "Company",
    "Escalation",
    "ExportJob",
    "Estate",
    "Finding",
    "Inspection",
    "Notice",
    "NoticeSequence",
    "Office",
    "Photo",
    "PhotoLink",
    "Rectification",
    "Region",
    "Reminder",
    "Revisit",
    "User",
    "WorkCalendarDay",
    "inspection_inspector",
    "AssessmentRun", "CreditRecord", "RuleSet",
    "Complaint", "ComplaintStatus", "Satisfaction",
    "InspectionPlan", "PlanEntry", "PlanStatus", "Recusal",
] + [name for name in dir(enums) if name[:1].isupper() and name != "enum"]
