"""Error pages in the site's layout, Chinese first; under /api/ errors stay JSON."""

from __future__ import annotations

import logging

from flask import render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from server.extensions import db
from server.web import bp

log = logging.getLogger("xuncha.errors")

PAGES = {
    400: ("请求有误", "Bad request", "表单已过期或内容不完整，请返回上一页刷新后重新提交。"),
    403: ("无权访问", "Forbidden", "您的账号没有查看此页面的权限。如需开通，请联系本单位管理员。"),
    404: ("页面不存在", "Not found", "您要找的页面不存在，或者您无权查看它。请检查网址，或从首页重新进入。"),
    405: ("操作方式不对", "Method not allowed", "请通过页面上的按钮操作，不要直接打开此网址。"),
    413: ("文件太大", "Too large", "上传的文件超过了大小限制，请压缩照片或分几次上传。"),
    500: ("服务器出错了", "Server error", "处理您的请求时出现了问题，已保存的数据不受影响。请稍后重试；"
                                           "如果一再出现，请把出错时间告诉管理员。"),
}


def _api_json(exc: HTTPException):
    from server.api.errors import error_response

    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)


def error_page(exc: HTTPException):
    """The layout's page for an HTTP error (JSON under /api/, as the tablets expect)."""
    status = exc.code or 500
    if request.path.startswith("/api/"):
        return _api_json(exc)
    title, english, advice = PAGES.get(status, PAGES[500])
    try:
        return render_template("web/error.html", status=status, title=title, english=english,
                               advice=advice), status
    except Exception:  # the layout itself failed (a broken database, say): plain words still
        log.exception("error page could not be rendered")
        return (f"<!doctype html><meta charset='utf-8'><title>{title}</title>"
                f"<h1>{status} {title}</h1><p>{advice}</p>", status)


for _status in PAGES:
    if _status != 500:  # below: it also rolls back and logs
        bp.app_errorhandler(_status)(error_page)


@bp.app_errorhandler(InternalServerError)
def server_error(exc: InternalServerError):
    """An unexpected failure: the transaction is rolled back, the trace goes to the log only."""
    db.session.rollback()
    original = getattr(exc, "original_exception", None)
    if original is not None:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return error_page(exc)
