"""A record's history from the audit log, for the pages that edit it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from server.domain.models import AuditEntry, User
from server.extensions import db

ACTION_LABELS = {
    "create_user": "新建账号", "update_user": "修改账号", "deactivate_user": "停用",
    "reactivate_user": "启用",
    "reset_password": "重置密码", "change_password": "修改密码", "lock_account": "锁定",
    "unlock_account": "解锁", "create_company": "新建单位", "update_company": "修改单位",
    "update_estate": "修改小区资料", "move_estate": "调整所属社区", "ledger_import": "台账导入",
    # A notice's own steps; a finding's are named by its workflow (finding_workflow.TRANSITIONS).
    "cancel_notice": "撤销整改通知书", "close_notice": "通知书办结",
}


FIELD_LABELS = {
    "company_id": "整改责任单位", "management_type": "管理类型", "households": "户数",
    "floor_area": "建筑面积", "buildings": "楼栋数", "committee_status": "业主委员会", "address": "地址",
    "display_name": "姓名", "role": "角色", "region_id": "辖区", "email": "邮箱", "phone": "电话",
    "active": "启用", "name": "名称", "kind": "类型", "credit_code": "统一社会信用代码",
    "filed_at": "备案日期", "contact_person": "联系人", "username": "用户名",
    "must_change_password": "须改密码", "locked_until": "锁定至", "until": "锁定至",
}


def _value_words() -> dict[str, str]:
    """Stored words (enum values) → what the pages call them."""
    from server.domain.registry.estates import COMMITTEE_LABELS, MANAGEMENT_LABELS
    from server.domain.registry.units import UNIT_KIND_LABELS
    from server.domain.registry.users import ROLE_LABELS

    words: dict[str, str] = {}
    for labels in (COMMITTEE_LABELS, MANAGEMENT_LABELS, UNIT_KIND_LABELS, ROLE_LABELS):
        words.update({member.value: label for member, label in labels.items()})
    return words


def _names(ids: set[str]) -> dict[str, str]:
    """Ids in the changes → the unit's or region's name (one query each)."""
    from server.domain.models import Company, Region

    keys = []
    for raw in ids:
        try:
            keys.append(uuid.UUID(raw))
        except ValueError:
            continue
    if not keys:
        return {}
    names = {}
    for model in (Company, Region):
        names.update({str(i): n for i, n in db.session.execute(sa.select(model.id, model.name)
                                                                .where(model.id.in_(keys)))})
    return names


@dataclass
class HistoryLine:
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]


def history_of(entity: Any, limit: int = 50) -> list[HistoryLine]:
    """Newest first: when, who (or 系统), what, and the fields' old → new values."""
    rows = db.session.execute(
        sa.select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.entity == type(entity).__tablename__, AuditEntry.entity_id == str(entity.id))
        .order_by(AuditEntry.at.desc()).limit(limit)).all()
    ids = {str(v) for entry, _ in rows for key, pair in (entry.changes or {}).items() if key.endswith("_id")
           for v in (pair if isinstance(pair, list) else [pair]) if v}
    names, words = _names(ids), _value_words()

    def readable(key: str, value: Any) -> Any:
        if isinstance(value, list):
            return [readable(key, v) for v in value]
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, str):
            return names.get(value) or words.get(value, value)
        return value

    from server.domain.finding_workflow import TRANSITIONS

    def action_label(action: str) -> str:
        step = TRANSITIONS.get(action)
        return ACTION_LABELS.get(action) or (step.label if step else action)

    return [HistoryLine(entry.at, name or "系统 system", action_label(entry.action),
                        {FIELD_LABELS.get(k, k): readable(k, v) for k, v in (entry.changes or {}).items()})
            for entry, name in rows]
