"""Writing the audit log; every state-changing service calls record_audit."""

from __future__ import annotations

import uuid
from typing import Any

from server.domain.jsonable import jsonable
from server.domain.models import AuditEntry, User
from server.extensions import db


def record_audit(
    actor: User | None,
    action: str,
    entity: Any,
    changes: dict[str, Any] | None = None,
    office_id: uuid.UUID | None = None,
) -> AuditEntry:
    """Add an audit entry for `action` on `entity`; the caller owns the transaction."""
    entry = AuditEntry(
        office_id=office_id or getattr(entity, "office_id", None) or getattr(actor, "office_id", None),
        actor_id=actor.id if actor else None,
        action=action,
        entity=type(entity).__tablename__,
        entity_id=str(_entity_key(entity)),
        changes=jsonable(changes or {}),
    )
    db.session.add(entry)
    # What was done may concern someone: the notifications plan their messages from it.
    from server.domain.rectification.notifications import after_audit

    after_audit(actor, action, entity, changes or {})
    return entry


def _entity_key(entity: Any) -> Any:
    return getattr(entity, "id", None) or getattr(entity, "sha256", None)
