"""Enumerations of the domain; values are the stable words used in the API and database."""

import enum


class RegionLevel(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


class Role(enum.StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    INSPECTOR = "inspector"
    COMPANY = "company"


# Office staff decide (notices, escalation, cancellations); field staff also carry tablets.
OFFICE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
FIELD_ROLES = frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN})


class ManagementType(enum.StrEnum):
    PROFESSIONAL = "professional"  # 专业物业服务
    UNIT_SELF = "unit_self"  # 单位后勤自管
    OWNER_SELF = "owner_self"  # 业主自管
    FALLBACK = "fallback"  # 兜底 / 无物业


class UnitKind(enum.StrEnum):
    """What kind of unit a `Company` row is: the one a notice about an estate goes to."""

    PROPERTY_COMPANY = "property_company"  # 物业服务企业
    WORK_UNIT = "work_unit"  # 自管单位 (a work unit's own logistics department)
    STREET_OFFICE = "street_office"  # 街道办事处, responsible for estates nobody manages
    COMMUNITY = "community"  # 社区居委会, the same one level down


class CommitteeStatus(enum.StrEnum):
    NONE = "none"
    OWNERS_COMMITTEE = "owners_committee"  # 业主委员会
    TEMPORARY_COMMITTEE = "temporary_committee"  # 临时管委会


class Severity(enum.StrEnum):
    MINOR = "minor"  # 一般
    MAJOR = "major"  # 较重
    SEVERE = "severe"  # 严重


class TemplateStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class InspectionKind(enum.StrEnum):
    ROUTINE = "routine"  # 日常检查
    SPECIAL = "special"  # 专项检查
    RANDOM = "random"  # 双随机
    COMPLAINT = "complaint"  # 投诉核查
    REVISIT = "revisit"  # 回头看


class InspectionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class AnswerResult(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"


class FindingStatus(enum.StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    RECTIFIED_REPORTED = "rectified_reported"
    OVERDUE = "overdue"
    REOPENED = "reopened"
    ESCALATED = "escalated"
    CLOSED = "closed"


class PhotoRole(enum.StrEnum):
    EVIDENCE = "evidence"  # taken when the problem was found
    AFTER = "after"  # taken after the fix (company reply or revisit)


class NoticeStatus(enum.StrEnum):
    ISSUED = "issued"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RectificationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RevisitStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class RevisitResult(enum.StrEnum):
    FIXED = "fixed"
    NOT_FIXED = "not_fixed"


class EscalationKind(enum.StrEnum):
    URGE = "urge"  # 督办
    INTERVIEW = "interview"  # 约谈
    PENALTY = "penalty"  # 行政处罚


class ReminderKind(enum.StrEnum):
    # About a finding's deadline (to the company, the inspector, the issuing supervisor).
    BEFORE = "before"
    DUE = "due"
    OVERDUE = "overdue"
    # About a pending revisit (回头看), to its inspector; late ones also to the area's supervisors.
    REVISIT_BEFORE = "revisit_before"
    REVISIT_DUE = "revisit_due"
    REVISIT_OVERDUE = "revisit_overdue"
    REVISIT_LATE_SUPERVISOR = "revisit_late_supervisor"
    # Events of the loop, told once to those concerned as they happen.
    NOTICE_ISSUED = "notice_issued"
    DEADLINE_CHANGED = "deadline_changed"
    FIX_REPORTED = "fix_reported"
    REVISIT_PASSED = "revisit_passed"
    REVISIT_FAILED = "revisit_failed"
    ESCALATED = "escalated"


class Channel(enum.StrEnum):
    EMAIL = "email"
    INBOX = "inbox"
    WEBHOOK = "webhook"


class ComplaintChannel(enum.StrEnum):
    HOTLINE_12345 = "hotline_12345"
    PHONE = "phone"
    ON_SITE = "on_site"
    ONLINE = "online"
    LEADER_INSTRUCTION = "leader_instruction"
