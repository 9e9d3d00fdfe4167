"""导出任务 A background export's page (progress bar, then a download link) and its file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO

from flask import abort, current_app, render_template, send_file

from server.domain.exports.jobs import export_folder, job_view
from server.domain.exports.xlsx import XLSX_MIME
from server.domain.models import FIELD_ROLES, ExportJob
from server.domain.rectification.deadlines import local_date
from server.web import bp
from server.web.helpers import get_or_404, me, roles_required


def send_xlsx(write: Callable[[IO[bytes]], int], download_name: str):
    """Write an export to a temporary file (constant memory) and stream it as a download."""
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - send_file closes it
    write(spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIME, as_attachment=True, download_name=download_name)


def _my_job(job_id: str) -> ExportJob:
    job = get_or_404(ExportJob, job_id)
    if job.user_id != me().id:
        abort(404)  # another person's export does not exist, as far as this user can tell
    return job


@bp.get("/exports/<job_id>")
@roles_required(*FIELD_ROLES)
def export_job(job_id: str):
    """导出进度: how far the export is; the page reloads itself until the file is ready."""
    job = _my_job(job_id)
    return render_template("web/export_job.html", job=job, view=job_view(job))


@bp.get("/exports/<job_id>/file")
@roles_required(*FIELD_ROLES)
def export_file(job_id: str):
    job = _my_job(job_id)
    path = os.path.join(export_folder(current_app), job.file_name)
    if job.status != "done" or not job.file_name or not os.path.exists(path):
        abort(404)
    name = f"问题台账-{local_date(job.finished_at).isoformat()}.xlsx"
    return send_file(path, mimetype=XLSX_MIME, as_attachment=True, download_name=name)
