"""The reason a supervisor must give for a decision (撤销、延期 …): one rule for all of them."""

from __future__ import annotations

from server.domain.finding_workflow import TransitionRefused


def required_reason(reason: str | None, what: str, limit: int = 500) -> str:
    """The reason, trimmed; refused when empty or longer than `limit` characters.
    `what` names the reason in Chinese (撤销理由, 延期理由)."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused("invalid_input", f"请填写{what} (a reason is required)")
    if len(reason) > limit:
        raise TransitionRefused("invalid_input", f"{what}不能超过 {limit} 字")
    return reason
