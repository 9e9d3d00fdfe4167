"""小区资料与单位 The office's register: edit an estate's record; companies and responsible units
(street offices, communities, self-managing work units) with their estates. Supervisors and
admins edit; every change is in the audit log and shown as the record's history."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from server.domain.models import OFFICE_ROLES, CommitteeStatus, Company, Estate, ManagementType, Office, User
from server.domain.rectification.access import can_see_estate, estates_in_scope
from server.domain.rectification.deadlines import local_time
from server.domain.registry import AccountRefused
from server.domain.registry.estates import COMMITTEE_LABELS, MANAGEMENT_LABELS, EstateFields, update_estate
from server.domain.registry.history import history_of
from server.domain.registry.units import (
    UNIT_KIND_LABELS,
    UNITS_FOR_MANAGEMENT,
    UnitFields,
    create_unit,
    update_unit,
)
from server.domain.registry.users import ROLE_LABELS
from server.extensions import db
from server.web import bp
from server.web.form_input import check_csrf, optional_uuid, save_or_refusal
from server.web.helpers import CsrfForm, get_or_404, me, roles_required

OFFICE = tuple(OFFICE_ROLES)


@bp.app_context_processor
def _register_labels():
    return {"unit_kind_labels": UNIT_KIND_LABELS, "management_labels": MANAGEMENT_LABELS,
            "committee_labels": COMMITTEE_LABELS, "local_time": local_time}


def _units() -> list[Company]:
    return db.session.scalars(sa.select(Company).where(Company.office_id == me().office_id,
                                                       Company.deleted_at.is_(None))
                              .order_by(Company.kind, Company.name_pinyin)).all()


@bp.route("/estates/<estate_id>/edit", methods=["GET", "POST"])
@roles_required(*OFFICE)
def edit_estate(estate_id: str):
    """小区资料 Management type, the unit its notices go to, size, committee, address."""
    estate = get_or_404(Estate, estate_id)
    if not can_see_estate(me(), estate):
        abort(404)
    form, error = CsrfForm(), None
    if request.method == "POST":
        check_csrf()
        fields = request.form
        error = save_or_refusal(lambda: update_estate(estate, me(), EstateFields(
            management_type=fields.get("management_type", ""),
            company_id=optional_uuid(fields.get("company_id")),
            households=fields.get("households", "0"), floor_area=fields.get("floor_area", "0"),
            buildings=fields.get("buildings", "0"), committee_status=fields.get("committee_status", ""),
            address=fields.get("address", ""))))
        if error is None:
            flash(f"已保存「{estate.name}」的小区资料 (estate saved)", "ok")
            return redirect(url_for("web.estate", estate_id=estate.id))
    values = request.form if error else {
        "management_type": estate.management_type.value, "company_id": str(estate.company_id or ""),
        "households": estate.households, "floor_area": estate.floor_area, "buildings": estate.buildings,
        "committee_status": estate.committee_status.value, "address": estate.address}
    return render_template("web/estate_edit.html", estate=estate, form=form, error=error, values=values,
                           units=_units(), management_types=list(ManagementType),
                           committees=list(CommitteeStatus), allowed=UNITS_FOR_MANAGEMENT,
                           history=history_of(estate)), 422 if error else 200


@bp.get("/companies")
@roles_required(*OFFICE)
def companies():
    """企业与责任单位 Companies and responsible units, searched, filtered and paged (the list
    itself is the dashboard's: server.domain.dashboard.company_list)."""
    from server.domain.dashboard.company_list import company_page, parse_company_filters
    from server.domain.problem_ledger import LedgerFilterError
    from server.web.helpers import now

    try:
        filters = parse_company_filters(request.args)
    except LedgerFilterError as exc:
        return render_template("web/companies.html", error=str(exc), filters=None, rows=[], cursor=None,
                               kinds=list(UNIT_KIND_LABELS)), 400
    rows, cursor = company_page(me(), filters, now())
    return render_template("web/companies.html", error=None, filters=filters, rows=rows, cursor=cursor,
                           kinds=list(UNIT_KIND_LABELS))


def _unit_fields() -> UnitFields:
    form = request.form
    raw_date = form.get("filed_at", "").strip()
    try:
        filed = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise AccountRefused("invalid_input", "备案日期格式应为 2024-03-01 (malformed date)") from None
    return UnitFields(name=form.get("name", ""), kind=form.get("kind", ""),
                      credit_code=form.get("credit_code", ""),
                      filed_at=filed, contact_person=form.get("contact_person", ""),
                      phone=form.get("phone", ""), address=form.get("address", ""))


@bp.route("/companies/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new_company():
    """新建单位 A company or a responsible unit."""
    form = CsrfForm()
    if request.method == "POST":
        check_csrf()
        try:
            unit = create_unit(db.session.get(Office, me().office_id), me(), _unit_fields())
        except AccountRefused as exc:
            db.session.rollback()
            return render_template("web/company.html", unit=None, form=form, error=str(exc),
                                   values=request.form), 422
        db.session.commit()
        flash(f"已新建「{unit.name}」 (unit created)", "ok")
        return redirect(url_for("web.company", company_id=unit.id))
    return render_template("web/company.html", unit=None, form=form, error=None,
                           values={"kind": request.args.get("kind", "property_company")})


@bp.route("/companies/<company_id>", methods=["GET", "POST"])
@roles_required(*OFFICE)
def company(company_id: str):
    """一个单位 Its record (credit code, contacts), its estates, its accounts, its history."""
    unit = get_or_404(Company, company_id)
    if unit.office_id != me().office_id:
        abort(404)
    form, error = CsrfForm(), None
    if request.method == "POST":
        check_csrf()
        error = save_or_refusal(lambda: update_unit(unit, me(), _unit_fields()))
        if error is None:
            flash(f"已保存「{unit.name}」 (saved)", "ok")
            return redirect(url_for("web.company", company_id=unit.id))
    values = request.form if error else {
        "name": unit.name, "kind": unit.kind.value, "credit_code": unit.credit_code,
        "filed_at": unit.filed_at.isoformat() if unit.filed_at else "", "contact_person": unit.contact_person,
        "phone": unit.phone, "address": unit.address}
    scope = estates_in_scope(me()).with_only_columns(Estate.id)
    estates = db.session.scalars(sa.select(Estate).where(Estate.company_id == unit.id, Estate.id.in_(scope))
                                 .order_by(Estate.name_pinyin)).all()
    accounts = db.session.scalars(sa.select(User).where(User.company_id == unit.id)
                                  .order_by(User.active.desc(), User.username)).all()
    return render_template("web/company.html", unit=unit, form=form, error=error, values=values,
                           estates=estates, accounts=accounts, role_labels=ROLE_LABELS,
                           history=history_of(unit)), 422 if error else 200
