"""Words for code values, Chinese first: what the CLI prints and the screens may show."""

from __future__ import annotations

RESULT_NAMES = {"pass": "合格 pass", "fail": "不合格 fail", "na": "不适用 n/a"}
SEVERITY_NAMES = {"minor": "一般 minor", "major": "较重 major", "severe": "严重 severe"}
DUE_NAMES = {"overdue": "已逾期 overdue", "today": "今天到期 due today", "upcoming": "未到期 upcoming"}
STATUS_NAMES = {
    # inspections
    "planned": "计划中 planned", "in_progress": "进行中 in progress", "finished": "已完成 finished",
    "cancelled": "已取消 cancelled",
    # findings
    "open": "待处理 open", "notified": "已发通知 notified", "rectified_reported": "企业已反馈 reported fixed",
    "overdue": "已逾期 overdue", "reopened": "重新打开 reopened", "escalated": "已督办 escalated",
    "closed": "已销号 closed",
    # revisits
    "pending": "待复查 pending", "done": "已复查 done",
}
REVISIT_RESULT_NAMES = {"fixed": "已整改 fixed", "not_fixed": "未整改 not fixed"}


def name_of(table: dict[str, str], code: str | None) -> str:
    """The words for a code; the code itself when it is new to this app version; "—" for none."""
    if not code:
        return "—"
    return table.get(code, code)
