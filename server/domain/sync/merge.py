"""Field-by-field merge of a pushed record into a stored row.

Free fields: the write with the greater hybrid-clock stamp wins, whichever arrives first, so
every side ends with the same value. Create-only fields never change after creation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from shared_schema.records import CREATE_ONLY, FREE

# An inspection only moves forward; a late tablet cannot pull a finished one back.
INSPECTION_STATUS_RANK = {"planned": 0, "in_progress": 1, "finished": 2, "cancelled": 2}
# Proposals the server takes only at creation; later the workflow owns the field, so a resent
# creation is not a conflict.
PROPOSAL_ONLY = {"finding": frozenset({"due_at"})}


@dataclass
class MergeOutcome:
    applied: list[str] = field(default_factory=list)
    lost: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> why it lost
    immutable: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.lost and not self.immutable


def _current(row: Any, name: str) -> Any:
    value = getattr(row, name, None)
    return getattr(value, "value", value)


def merge_fields(kind: str, row: Any, fields: dict[str, Any], clocks: dict[str, str]) -> MergeOutcome:
    """Apply `fields` onto `row` under the merge rules; returns what won and what lost."""
    outcome = MergeOutcome()
    stored = dict(row.field_clocks or {})
    for name, value in fields.items():
        if name in PROPOSAL_ONLY.get(kind, ()):
            continue
        if name in CREATE_ONLY[kind]:
            if _comparable(_current(row, name)) != _comparable(value):
                outcome.immutable.append(name)
            continue
        incoming = clocks[name]
        held = stored.get(name, "")
        if incoming == held:
            continue  # the same write again
        if incoming < held:
            outcome.lost[name] = {"server_clock": held, "your_clock": incoming}
            continue
        if kind == "inspection" and name == "status" and _goes_backwards(row.status, value):
            outcome.lost[name] = {"server_value": _current(row, name), "reason": "status_only_advances"}
            continue
        setattr(row, name, coerce(type(row), name, value))
        stored[name] = incoming
        outcome.applied.append(name)
    if outcome.applied:
        row.field_clocks = stored
    return outcome


def coerce(model: type, name: str, value: Any) -> Any:
    """Wire strings become the column's enum members, so rules see the same types as elsewhere."""
    members = enum_members(model, name)
    if members is None or value is None:
        return value
    member = members.get(value) if isinstance(value, str) else None
    if member is None:
        return _enum_class(model, name)(value)  # a member already, or a wrong value: ValueError
    return member


@functools.cache
def _enum_class(model: type, name: str) -> type | None:
    column = model.__table__.columns.get(name)
    return getattr(getattr(column, "type", None), "enum_class", None)


@functools.cache
def enum_members(model: type, name: str) -> dict[str, Any] | None:
    """{value: member} of the enum column `name` of `model`; None for any other column."""
    # A dict lookup: calling the enum class per value cost more than the rest of the record.
    enum_class = _enum_class(model, name)
    return None if enum_class is None else {member.value: member for member in enum_class}


def initial_clocks(kind: str, fields: dict[str, Any], clocks: dict[str, str]) -> dict[str, str]:
    free = FREE[kind]
    return {name: clocks[name] for name in fields if name in free}


def _goes_backwards(current: Any, new: str) -> bool:
    now = getattr(current, "value", current)
    return INSPECTION_STATUS_RANK.get(new, 0) < INSPECTION_STATUS_RANK.get(now, 0)


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if value is None:
        return None
    return str(getattr(value, "value", value))
