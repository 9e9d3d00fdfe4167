"""One readable, Chinese-first sentence for anything a tablet action can fail with.

Screens show `explain(exc)` in a toast or on the page; nothing the inspector sees is a raw
exception text or a traceback. What the server or the network said is worded once, by the sync
engine's `failure_message`; this adds the tablet's own errors.
"""

from __future__ import annotations

import sqlite3

from mobile.checklist import ChecklistError
from mobile.findings import FindingError
from mobile.photos import PhotoError
from mobile.store import ImmutableField, InvalidRecord, NotPaired, StoreBusy
from mobile.sync.engine import REVOKED, failure_message
from mobile.sync.transport import RequestRefused, SyncError

__all__ = ["REVOKED", "explain"]


def explain(exc: BaseException) -> str:
    if isinstance(exc, (ChecklistError, FindingError, PhotoError)):
        return str(exc)
    if isinstance(exc, RequestRefused) and exc.code == "pairing_refused":
        return f"配对被拒绝：{exc.message} (pairing refused: wrong name, password or code)"
    if isinstance(exc, NotPaired):
        return "平板尚未配对 (this tablet is not paired)"
    if isinstance(exc, (InvalidRecord, ImmutableField)):
        return f"内容不符合要求：{exc} (not accepted)"
    if isinstance(exc, sqlite3.OperationalError):
        return ("本机数据库忙，请稍后重试，已保存的内容没有丢失 "
                "(the tablet's database is busy: try again; nothing saved was lost)")
    if isinstance(exc, (SyncError, StoreBusy, OSError)):
        return failure_message(exc)
    return f"操作失败：{exc} (failed)"
