"""台账导入 The estate ledger import on the dashboard, for admins and supervisors.

Download the template → upload a filled .xlsx/.csv → the check report (nothing written) →
确认导入 writes it. Between check and confirm the uploaded bytes wait on the server, in a folder
of the user's own under the instance folder, named by a random token, with the SHA-256 taken at
upload checked again at confirm. The browser is not asked to send the file again: what is
written is exactly what was checked, no other file can be slipped in at confirm, and a 10 MB file
crosses a slow office line once. Confirm checks the kept file again (the database may have
changed since) and writes it in one transaction; the token then shows only its result. Uploads
are deleted after a day.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from server.domain.ledger import (
    LedgerFileError,
    LedgerPlan,
    LedgerReport,
    apply_ledger,
    read_ledger,
    validate_ledger,
    write_template,
)
from server.domain.ledger.area import keep_to_area, template_regions
from server.domain.models import OFFICE_ROLES, Office, Region, Role, User
from server.domain.rectification.deadlines import local_time
from server.extensions import db
from server.web import bp
from server.web.helpers import CsrfForm, me, now, roles_required

LEDGER_ROLES = tuple(OFFICE_ROLES)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # config LEDGER_MAX_UPLOAD_BYTES overrides
KEEP_FOR = timedelta(days=1)
SHOWN_PROBLEMS = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_FORM_EXPIRED = "页面已过期，请刷新后重新提交 (the page expired: reload it and try again)"
_NOT_FOUND = ("找不到这次上传：可能已过期（上传的文件保留一天），或不是您上传的，请重新上传 "
              "(upload not found: expired after a day, or not yours; upload the file again)")
_DAMAGED = "服务器上保存的文件已损坏，请重新上传 (the kept file is damaged: upload it again)"


# Uploads waiting for confirmation ------------------------------------------------------------

@dataclass
class LedgerUpload:
    """One uploaded file in its user's folder: `<token>.json` says what it is; the bytes sit in
    `<token>.upload`, renamed to `<token>.importing` while one confirm writes them."""

    folder: Path
    token: str
    meta: dict[str, Any]

    @property
    def data_path(self) -> Path:
        return self.folder / f"{self.token}.upload"

    @property
    def claimed_path(self) -> Path:
        return self.folder / f"{self.token}.importing"

    @property
    def meta_path(self) -> Path:
        return self.folder / f"{self.token}.json"

    @property
    def done(self) -> bool:
        return "result" in self.meta

    @property
    def importing(self) -> bool:
        return not self.done and self.claimed_path.exists()

    def matches(self, data: bytes) -> bool:
        """The bytes are the ones checked at upload (not a damaged or replaced file)."""
        return hashlib.sha256(data).hexdigest() == self.meta["sha256"]

    def kept_bytes(self) -> bytes | None:
        try:
            return self.data_path.read_bytes()
        except FileNotFoundError:
            return None

    def claim(self) -> bytes | None:
        """Take the bytes for one confirm. The rename is atomic, so of two confirms at once (a
        double click, two tabs) exactly one gets them; the other gets None."""
        try:
            os.rename(self.data_path, self.claimed_path)
        except FileNotFoundError:
            return None
        return self.claimed_path.read_bytes()

    def release(self) -> None:
        """Give the bytes back after a failed write, so the user can confirm again."""
        with contextlib.suppress(FileNotFoundError):
            os.rename(self.claimed_path, self.data_path)

    def finish(self, result: dict[str, Any]) -> None:
        """Keep the result (for a second confirm or a reload) and drop the bytes."""
        self.meta["result"] = result
        _write_atomically(self.meta_path, json.dumps(self.meta, ensure_ascii=False).encode())
        self.claimed_path.unlink(missing_ok=True)

    def remove(self) -> None:
        for path in (self.data_path, self.claimed_path, self.meta_path):
            path.unlink(missing_ok=True)


def upload_root() -> Path:
    configured = current_app.config.get("LEDGER_UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "ledger-uploads"


def _folder_of(user: User) -> Path:
    return upload_root() / user.id.hex


def keep_upload(user: User, data: bytes, filename: str, at: datetime) -> LedgerUpload:
    """Store checked bytes under a fresh random token in the user's own folder."""
    folder = _folder_of(user)
    folder.mkdir(parents=True, exist_ok=True)
    upload = LedgerUpload(folder, secrets.token_urlsafe(24), {
        "filename": filename, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
        "office_id": str(user.office_id), "uploaded_at": at.isoformat()})
    # The description first: bytes without one never exist, so the sweep finds everything.
    _write_atomically(upload.meta_path, json.dumps(upload.meta, ensure_ascii=False).encode())
    _write_atomically(upload.data_path, data)
    return upload


def find_upload(user: User, token: str, at: datetime) -> LedgerUpload | None:
    """The user's own upload under `token`, unless it has expired; another user's is not found."""
    if not _TOKEN.fullmatch(token):
        return None
    folder = _folder_of(user)
    meta = _read_meta(folder / f"{token}.json")
    if meta is None or meta.get("office_id") != str(user.office_id):
        return None
    upload = LedgerUpload(folder, token, meta)
    if _expired(meta, at):
        upload.remove()
        return None
    return upload


def sweep_uploads(at: datetime) -> int:
    """Delete every user's uploads older than KEEP_FOR; returns how many went."""
    root = upload_root()
    if not root.is_dir():
        return 0
    removed = 0
    for meta_path in root.glob("*/*.json"):
        meta = _read_meta(meta_path)
        if meta is None or _expired(meta, at):
            LedgerUpload(meta_path.parent, meta_path.stem, meta or {}).remove()
            removed += 1
    # Half-written files left by a crash; they carry no upload time, so their own age decides.
    stale = time.time() - KEEP_FOR.total_seconds()
    for leftover in root.glob("*/*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < stale:
                leftover.unlink()
    return removed


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and "uploaded_at" in meta and "sha256" in meta else None


def _expired(meta: dict[str, Any], at: datetime) -> bool:
    try:
        return at - datetime.fromisoformat(meta["uploaded_at"]) > KEEP_FOR
    except (TypeError, ValueError):
        return True


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


# Checking --------------------------------------------------------------------------------------

def check_ledger(data: bytes, filename: str, user: User) -> LedgerPlan:
    """Read and check a ledger against the user's office and area; raises LedgerFileError."""
    table = read_ledger(data, filename)
    plan = validate_ledger(table, db.session.get(Office, user.office_id))
    keep_to_area(plan, table, user)
    return plan


def _upload_limit() -> int:
    limit = int(current_app.config.get("LEDGER_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES))
    app_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, app_limit) if app_limit else limit


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


def _clean_filename(raw: str) -> str:
    """The name as the user knows it; some browsers send the whole Windows path."""
    name = re.split(r"[\\/]", raw)[-1].strip()
    return name[-100:] or "台账"


# Pages -----------------------------------------------------------------------------------------

def _upload_page(error: str | None = None, status: int = 200):
    user = me()
    area = db.session.get(Region, user.region_id) if user.region_id and user.role != Role.ADMIN else None
    # No form object here: building one would parse the body again, which after a refused
    # oversized upload raises 413 once more.
    return render_template("web/ledger.html", error=error, area=area,
                           max_mb=_megabytes(_upload_limit())), status


def _report_page(report: LedgerReport, token: str | None, seconds: float, rechecked: bool = False):
    return render_template("web/ledger_report.html", report=report, token=token, seconds=seconds,
                           problems=report.sorted_errors()[:SHOWN_PROBLEMS], shown=SHOWN_PROBLEMS,
                           rechecked=rechecked)


@bp.get("/ledger")
@roles_required(*LEDGER_ROLES)
def ledger_import():
    """台账导入 The template to fill in, and the form to upload it."""
    sweep_uploads(now())
    return _upload_page()


@bp.get("/ledger/template.xlsx")
@roles_required(*LEDGER_ROLES)
def ledger_template():
    """台账模板 The empty ledger workbook, listing the communities the user may import into."""
    out = io.BytesIO()
    write_template(out, template_regions(me()))
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name="小区台账模板.xlsx")


@bp.post("/ledger/check")
@roles_required(*LEDGER_ROLES)
def ledger_check():
    """校验 Check an uploaded ledger and show the report; nothing is written."""
    limit = _upload_limit()
    request.max_content_length = limit
    db.session.commit()  # end the login check's transaction before the body is read
    try:
        form_ok = CsrfForm().validate_on_submit()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        mb = _megabytes(limit)
        return _upload_page(f"文件超过{mb}MB，请拆分成几个文件分批导入 (the file is larger than {mb} MB: "
                            "split it and import the parts one by one)", 413)
    if not form_ok:
        return _upload_page(_FORM_EXPIRED, 400)
    if upload is None or not upload.filename:
        return _upload_page("请选择要上传的台账文件 (choose a ledger file)", 400)
    filename = _clean_filename(upload.filename)
    data = upload.read()
    started = time.perf_counter()
    try:
        plan = check_ledger(data, filename, me())
    except LedgerFileError as exc:
        db.session.rollback()
        return _upload_page(f"{filename}：{exc}", 400)
    seconds = time.perf_counter() - started
    db.session.rollback()  # checking writes nothing; leave no transaction behind
    token = keep_upload(me(), data, filename, now()).token if plan.report.ok else None
    current_app.logger.info("ledger check by %s: %s rows in %.1f s, %s problems", me().username,
                            plan.report.rows, seconds, len(plan.report.errors))
    return _report_page(plan.report, token, seconds)


@bp.get("/ledger/<token>")
@roles_required(*LEDGER_ROLES)
def ledger_upload(token: str):
    """一次上传 Its import result once confirmed; before that, its check report, checked again."""
    upload = find_upload(me(), token, now())
    if upload is None:
        return _upload_page(_NOT_FOUND, 404)
    if upload.done or upload.importing:
        return render_template("web/ledger_done.html", upload=upload, result=upload.meta.get("result"),
                               local_time=local_time, parse_time=datetime.fromisoformat)
    data = upload.kept_bytes()
    if data is None or not upload.matches(data):
        upload.remove()
        return _upload_page(_DAMAGED, 409)
    started = time.perf_counter()
    try:
        plan = check_ledger(data, upload.meta["filename"], me())
    except LedgerFileError as exc:
        db.session.rollback()
        upload.remove()
        return _upload_page(f"{upload.meta['filename']}：{exc}", 400)
    db.session.rollback()
    if not plan.report.ok:
        upload.remove()
    return _report_page(plan.report, token if plan.report.ok else None, time.perf_counter() - started,
                        rechecked=True)


@bp.post("/ledger/<token>/confirm")
@roles_required(*LEDGER_ROLES)
def ledger_confirm(token: str):
    """确认导入 Check the kept file again and write it, all in one transaction."""
    if not CsrfForm().validate_on_submit():
        return _upload_page(_FORM_EXPIRED, 400)
    upload = find_upload(me(), token, now())
    if upload is None:
        return _upload_page(_NOT_FOUND, 404)
    if upload.done:
        flash("这份台账已经导入过，没有再次写入 (already imported; nothing written again)", "info")
        return redirect(url_for("web.ledger_upload", token=token))
    data = upload.claim()
    if data is None:
        flash("这份台账正在导入或已导入，没有再次写入 (already being imported; nothing written again)",
              "info")
        return redirect(url_for("web.ledger_upload", token=token))
    if not upload.matches(data):
        upload.remove()
        return _upload_page(_DAMAGED, 409)
    started = time.perf_counter()
    try:
        plan = check_ledger(data, upload.meta["filename"], me())
        if not plan.report.ok:
            db.session.rollback()
            upload.remove()
            return _report_page(plan.report, None, time.perf_counter() - started, rechecked=True)
        report = apply_ledger(plan, me())
        db.session.commit()
    except LedgerFileError as exc:  # it was readable at the check; only a changed reader gets here
        db.session.rollback()
        upload.remove()
        return _upload_page(f"{upload.meta['filename']}：{exc}", 400)
    except SQLAlchemyError:
        db.session.rollback()
        upload.release()
        current_app.logger.exception("ledger import by %s failed", me().username)
        # Most likely someone changed the same estates or companies meanwhile; a retry re-checks.
        flash("写入数据库失败，已全部回滚，请重新确认导入 (database write failed and was rolled back: "
              "confirm again)", "error")
        return redirect(url_for("web.ledger_upload", token=token))
    except BaseException:
        db.session.rollback()
        upload.release()
        raise
    seconds = time.perf_counter() - started
    upload.finish({
        "summary": report.summary(), "where": report.where(), "rows": report.rows,
        "estates": report.estates.to_dict(), "companies": report.companies.to_dict(),
        "warnings": [w.line() for w in report.warnings], "seconds": round(seconds, 1),
        "by": me().display_name, "at": now().isoformat()})
    current_app.logger.info("ledger import by %s: %s rows in %.1f s", me().username, report.rows, seconds)
    return redirect(url_for("web.ledger_upload", token=token))
