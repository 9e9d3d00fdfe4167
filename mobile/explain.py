"""One readable, Chinese-first sentence for anything a tablet action can fail with.

Screens show `explain(exc)` in a toast or on the page; nothing the inspector sees is a raw
exception text or a traceback.
"""

from __future__ import annotations

import sqlite3

from mobile.checklist import ChecklistError
from mobile.findings import FindingError
from mobile.photos import PhotoError
from mobile.store import ImmutableField, InvalidRecord, NotPaired, StoreBusy
from mobile.sync.transport import (
    DeviceRevoked,
    PleaseUpdate,
    RequestRefused,
    SyncError,
    TransientError,
    Unauthorized,
)

UNREACHABLE = "连不上服务器，请检查网络和服务器地址 (cannot reach the server: check the network and address)"
REVOKED = "此平板已被停用，本机数据已清除，请重新配对 (tablet revoked; its data was wiped: pair again)"


def explain(exc: BaseException) -> str:
    if isinstance(exc, (ChecklistError, FindingError, PhotoError)):
        return str(exc)
    if isinstance(exc, DeviceRevoked):
        return REVOKED
    if isinstance(exc, PleaseUpdate):
        return "应用版本过旧，请更新后再同步，数据仍在本机 (please update the app; your data stays here)"
    if isinstance(exc, Unauthorized):
        return "登录已失效，请重新配对 (this tablet's login is no longer valid: pair again)"
    if isinstance(exc, TransientError):
        return f"{UNREACHABLE}: {exc.message}"
    if isinstance(exc, RequestRefused) and exc.code == "pairing_refused":
        return f"配对被拒绝：{exc.message} (pairing refused: wrong name, password or code)"
    if isinstance(exc, SyncError):
        return f"服务器拒绝了请求：{exc.message} (the server refused: {exc.code})"
    if isinstance(exc, NotPaired):
        return "平板尚未配对 (this tablet is not paired)"
    if isinstance(exc, (InvalidRecord, ImmutableField)):
        return f"内容不符合要求：{exc} (not accepted)"
    if isinstance(exc, (StoreBusy, sqlite3.OperationalError)):
        return ("本机数据库忙，请稍后重试，已保存的内容没有丢失 "
                "(the tablet's database is busy: try again; nothing saved was lost)")
    if isinstance(exc, OSError):
        return f"读写文件失败：{exc.strerror or exc} (file error)"
    return f"操作失败：{exc} (failed)"
