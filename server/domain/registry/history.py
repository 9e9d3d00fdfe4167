"""A record's history from the audit log, for the pages that edit it."""

from __future__ import annotations

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
}


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
    return [HistoryLine(entry.at, name or "系统 system", ACTION_LABELS.get(entry.action, entry.action),
                        entry.changes or {}) for entry, name in rows]
