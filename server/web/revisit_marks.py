"""Marks every page that lists revisits (回头看) can use: how late a pending one is."""

from __future__ import annotations

from server.domain.models import Revisit
from server.domain.rectification.notifications import revisit_days_late
from server.web import bp
from server.web.helpers import now


@bp.app_template_global()
def days_late(revisit: Revisit) -> int:
    """`{% if days_late(v) %}` → 已逾期N天."""
    return revisit_days_late(revisit, now())
