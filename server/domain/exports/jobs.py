"""Background exports: a page queues a job, the scheduler runs it to a file under the
instance folder with its progress written as it goes, the page shows a bar and a link."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.exports.ledger_export import export_ledger
from server.domain.models import User
from server.domain.models.exports import ExportJob
from server.domain.problem_ledger import count_ledger, parse_filters
from server.extensions import db

LEASE = timedelta(minutes=15)
STATUS_LABELS = {"queued": "排队中 queued", "running": "正在导出 running", "done": "已完成 done",
                 "failed": "失败 failed"}


def queue_ledger_export(user: User, args: dict[str, str], *, now: datetime) -> ExportJob:
    """Queue the ledger with these URL filters (checked now, so a bad one is refused here)."""
    filters = parse_filters(args)
    job = ExportJob(office_id=user.office_id, user_id=user.id, kind="ledger", params=dict(args),
                    status="queued", rows_total=count_ledger(user, filters, now))
    db.session.add(job)
    db.session.flush()
    record_audit(user, "queue_export", job, {"kind": "ledger", "params": job.params, "rows": job.rows_total})
    return job


def claim_next_job(now: datetime) -> ExportJob | None:
    """The oldest queued job (or one whose worker's lease ran out), now leased to this worker.
    Rows are locked with SKIP LOCKED on PostgreSQL, so two workers never take the same one."""
    job = db.session.scalar(
        sa.select(ExportJob)
        .where(sa.or_(ExportJob.status == "queued",
                      sa.and_(ExportJob.status == "running", ExportJob.claimed_until < now)))
        .order_by(ExportJob.created_at).limit(1).with_for_update(skip_locked=True))
    if job is None:
        return None
    job.status, job.claimed_until, job.rows_done = "running", now + LEASE, 0
    db.session.commit()
    return job


def _set_progress(job_id: uuid.UUID, done: int) -> None:
    # Its own short transaction: the page sees the bar move while the export goes on.
    with db.engine.begin() as conn:
        conn.execute(sa.update(ExportJob).where(ExportJob.id == job_id).values(rows_done=done))


def run_export_job(job: ExportJob, folder: str, now: datetime) -> ExportJob:
    """Write the job's file into `folder`; done or failed, the job says so (never lost)."""
    os.makedirs(folder, exist_ok=True)
    user = db.session.get(User, job.user_id)
    path = os.path.join(folder, f"{job.id}.xlsx")
    job_id = job.id
    try:
        filters = parse_filters(job.params)
        rows = export_ledger(path, user, filters, now, progress=lambda n: _set_progress(job_id, n))
    except Exception as exc:  # a failed export is reported on its page, never a silent loss
        db.session.rollback()
        job = db.session.get(ExportJob, job_id)
        job.status, job.error, job.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], now
        db.session.commit()
        return job
    job = db.session.get(ExportJob, job_id)
    job.status, job.rows_done, job.rows_total = "done", rows, rows
    job.file_name, job.finished_at, job.claimed_until = os.path.basename(path), now, None
    db.session.commit()
    return job


def run_export_jobs(now: datetime, folder: str, limit: int = 3) -> int:
    """Run up to `limit` waiting jobs, one after another; returns how many ran."""
    ran = 0
    while ran < limit:
        job = claim_next_job(now)
        if job is None:
            break
        run_export_job(job, folder, now)
        ran += 1
    return ran


def job_view(job: ExportJob) -> dict[str, Any]:
    if job.status == "done":
        percent = 100
    else:
        percent = int(job.rows_done * 100 / job.rows_total) if job.rows_total else 0
    return {"label": STATUS_LABELS.get(job.status, job.status), "percent": min(percent, 100)}


def export_folder(app) -> str:
    """Where finished exports are kept: EXPORT_DIR, or exports/ in the instance folder."""
    return app.config.get("EXPORT_DIR") or os.path.join(app.instance_path, "exports")
