"""Writing the audit log; every state-changing service calls record_audit."""

from __future__ import annotations

import uuid
from typing import Any

from server.domain.jsonable import jsonable
from server.domain.models import AuditEntry, User
from server.domain.models.base import utcnow
from server.extensions import db


def record_audit(
    actor: User | None,
    action: str,
    entity: Any,
    changes: dict[str, Any] | None = None,
    office_id: uuid.UUID | None = None,
) -> AuditEntry:
    """Add an audit entry for `action` on `entity`; the caller owns the transaction."""
    entry = AuditEntry(**audit_values(actor, action, entity, changes, office_id))
    db.session.add(entry)
    after_audit_entry(actor, action, entity, changes)
    return entry


def audit_values(
    actor: User | None,
    action: str,
    entity: Any,
    changes: dict[str, Any] | None = None,
    office_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """The columns of an audit entry, for record_audit and for a caller that inserts the row
    itself (a photo upload writes it beside the photo's row, without the ORM's flush)."""
    return {
        "id": uuid.uuid4(),
        "office_id": office_id or getattr(entity, "office_id", None) or getattr(actor, "office_id", None),
        "actor_id": actor.id if actor else None,
        "at": utcnow(),
        "action": action,
        "entity": type(entity).__tablename__,
        "entity_id": str(_entity_key(entity)),
        "changes": jsonable(changes or {}),
    }


def after_audit_entry(actor: User | None, action: str, entity: Any, changes: dict[str, Any] | None) -> None:
    """What was done may concern someone: the notifications plan their messages from it."""
    from server.domain.rectification.notifications import after_audit

    after_audit(actor, action, entity, changes or {})


def _entity_key(entity: Any) -> Any:
    return getattr(entity, "id", None) or getattr(entity, "sha256", None)
