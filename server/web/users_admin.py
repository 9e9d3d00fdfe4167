"""账号管理 Admins create, edit, deactivate and reset accounts of their office; views only read
the form and call one service (server.domain.registry)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for

from server.domain.models import Company, Office, Region, Role, User
from server.domain.registry import (
    AccountRefused,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
    unlock_user,
    update_user,
)
from server.domain.registry.history import history_of
from server.domain.registry.users import ROLE_LABELS, AccountFields
from server.extensions import db
from server.web import bp
from server.web.form_input import check_csrf, optional_uuid, save_or_refusal
from server.web.helpers import CsrfForm, get_or_404, me, now, roles_required

PAGE = 200


def _fields() -> AccountFields:
    form = request.form
    return AccountFields(display_name=form.get("display_name", ""), role=form.get("role", ""),
                         region_id=optional_uuid(form.get("region_id")),
                         company_id=optional_uuid(form.get("company_id")),
                         email=form.get("email", ""), phone=form.get("phone", ""))


def _choices() -> dict:
    office_id = me().office_id
    regions = db.session.scalars(sa.select(Region).where(Region.office_id == office_id,
                                                         Region.deleted_at.is_(None)).order_by(Region.code)).all()
    companies = db.session.scalars(sa.select(Company).where(Company.office_id == office_id,
                                                            Company.deleted_at.is_(None))
                                   .order_by(Company.kind, Company.name)).all()
    return {"regions": regions, "companies": companies, "roles": list(Role), "role_labels": ROLE_LABELS}


def _account(user_id: str) -> User:
    user = get_or_404(User, user_id)
    if user.office_id != me().office_id:
        abort(404)
    return user


@bp.get("/admin/users")
@roles_required(Role.ADMIN)
def users():
    """账号管理 Accounts of my office, by role and name; ?q= searches name and username."""
    query = sa.select(User).where(User.office_id == me().office_id)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(sa.or_(User.username.contains(q, autoescape=True),
                                   User.display_name.contains(q, autoescape=True)))
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    rows = db.session.scalars(query.order_by(User.active.desc(), User.role, User.username).limit(PAGE)).all()
    return render_template("web/users.html", users=rows, q=q, role=role, now=now(), **_choices())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    """新建账号 A new account; its temporary password is shown once, here."""
    form = CsrfForm()
    if request.method == "POST":
        check_csrf()
        try:
            user, password = create_user(db.session.get(Office, me().office_id), me(),
                                         request.form.get("username", ""), _fields(),
                                         request.form.get("password", "").strip() or None)
        except AccountRefused as exc:
            db.session.rollback()
            return render_template("web/user_form.html", user=None, form=form, error=str(exc),
                                   values=request.form, **_choices()), 422
        db.session.commit()
        return temporary_password_page(user, password, created=True)
    return render_template("web/user_form.html", user=None, form=form, error=None, values={}, **_choices())


@bp.route("/admin/users/<user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: str):
    """编辑账号 Name, role, area, company and contacts; the actions below the form."""
    user = _account(user_id)
    form, error = CsrfForm(), None
    if request.method == "POST":
        check_csrf()
        error = save_or_refusal(lambda: update_user(user, me(), _fields()))
        if error is None:
            flash(f"已保存 {user.display_name} 的账号 (saved)", "ok")
            return redirect(url_for("web.edit_user", user_id=user.id))
    values = request.form if error else {
        "display_name": user.display_name, "role": user.role.value, "email": user.email, "phone": user.phone,
        "region_id": str(user.region_id or ""), "company_id": str(user.company_id or "")}
    return render_template("web/user_form.html", user=user, form=form, error=error, values=values,
                           history=history_of(user),
                           locked=bool(user.locked_until and user.locked_until > now()),
                           **_choices()), 422 if error else 200


def temporary_password_page(user: User, password: str, created: bool) -> Response:
    """Shown once, never cached: the password is not kept anywhere in clear."""
    response = make_response(render_template("web/user_password.html", user=user, password=password,
                                             created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


def _action(user_id: str, act) -> object:
    user = _account(user_id)
    check_csrf()
    try:
        result = act(user)
    except AccountRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("web.edit_user", user_id=user.id))
    db.session.commit()
    return result


@bp.post("/admin/users/<user_id>/reset")
@roles_required(Role.ADMIN)
def reset_user_password(user_id: str):
    """重置密码 A temporary password the person must change at first login (shown once)."""
    result = _action(user_id, lambda u: (u, reset_password(u, me())))
    if not isinstance(result, tuple):
        return result
    user, password = result
    return temporary_password_page(user, password, created=False)


def _state_change(user_id: str, act, done: str):
    result = _action(user_id, act)
    if isinstance(result, User):
        flash(f"{done} {result.display_name}", "ok")
        return redirect(url_for("web.edit_user", user_id=result.id))
    return result


@bp.post("/admin/users/<user_id>/unlock")
@roles_required(Role.ADMIN)
def unlock(user_id: str):
    """解锁 Lift a lockout after too many wrong passwords."""
    return _state_change(user_id, lambda u: unlock_user(u, me()), "已解锁 (unlocked)")


@bp.post("/admin/users/<user_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate(user_id: str):
    """停用 The account can no longer log in; its history stays."""
    return _state_change(user_id, lambda u: deactivate_user(u, me()), "已停用 (deactivated)")


@bp.post("/admin/users/<user_id>/reactivate")
@roles_required(Role.ADMIN)
def reactivate(user_id: str):
    """启用 again, with a new temporary password."""
    result = _action(user_id, lambda u: reactivate_user(u, me()))
    if not isinstance(result, tuple):
        return result
    user, password = result
    return temporary_password_page(user, password, created=False)
