"""A complaint and a double-random plan reach the inspectors' tablets (the real tablet core
against the real server over HTTP) and come back finished; the complaint then closes."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from uuid import UUID

import sqlalchemy as sa

from mobile.checklist import Checklist
from mobile.fieldday import camera_jpeg
from mobile.photos import process_photo
from server.domain.complaints import (
    close_complaint,
    complaints_by_channel,
    record_complaint,
    reply_to_complaint,
    send_for_verification,
    task_day,
)
from server.domain.models import Complaint, ComplaintStatus, Finding, Inspection, InspectionPlan, User
from server.domain.models.base import utcnow
from server.domain.periods import Period
from server.domain.random_plans import PoolFilters, confirm_plan, draw_new_plan, plan_figures
from server.extensions import db
from tests import factories, mobile_helpers
from tests.mobile_helpers import engine_for, new_tablet

live_server = mobile_helpers.live_server  # fixture


def _world(app) -> dict:
    with app.app_context():
        world = factories.plans_world(estates=4, inspectors=2)
        out = {
            "office": world["office"].id,
            "supervisor": world["supervisor"].id,
            "inspectors": [u.username for u in world["inspectors"]],
            "estate": world["estates"][0].id,
            "template": world["template"].id,
        }
        db.session.commit()
        return out


def _finish_on_tablet(store, inspection_id: str, fail_first: bool) -> None:
    checklist = Checklist.open(store, inspection_id)
    for n, item_id in enumerate(checklist.items):
        checklist.answer(item_id, "fail" if fail_first and n == 0 else "pass")
        if fail_first and n == 0:
            photo = process_photo(
                camera_jpeg(3, 800, 600), store.photo_dir, estate="抽查小区", location="2栋"
            )
            checklist.attach_photo(item_id, photo)
    checklist.finish()


def test_a_complaint_flows_to_a_tablet_task_and_back_to_closure(live_server, tmp_path):
    app = live_server.app
    world = _world(app)
    with app.app_context():
        boss = db.session.get(User, world["supervisor"])
        inspector = db.session.scalar(sa.select(User).where(User.username == world["inspectors"][0]))
        estate = db.session.get(factories.Estate, world["estate"])
        complaint = record_complaint(
            boss, estate, "hotline_12345", "2栋电动车在楼道充电", utcnow(), "钱先生", "13600002222", "T-9"
        )
        template = db.session.get(factories.ChecklistTemplate, world["template"])
        send_for_verification(
            complaint, [inspector], task_day(date.today()), boss, utcnow(), template=template
        )
        complaint_id, task_id = complaint.id, str(complaint.inspection_id)
        db.session.commit()

    store = new_tablet(tmp_path / "tablet", live_server, SimpleNamespace(username=world["inspectors"][0]))
    engine_for(store).run()
    [task] = [r for r in Checklist.unfinished(store) if r.id == task_id]
    assert task["kind"] == "complaint" and task["status"] == "planned"
    assert task["complaint_channel"] == "hotline_12345" and "电动车" in task["note"]
    # The tablet never holds the complainant's name or phone.
    assert "钱先生" not in str(task.data) and "13600002222" not in str(task.data)
    _finish_on_tablet(store, task_id, fail_first=True)
    engine_for(store).run()

    with app.app_context():
        visit = db.session.get(Inspection, UUID(task_id))
        assert visit.status.value == "finished"
        [finding] = db.session.scalars(sa.select(Finding).where(Finding.inspection_id == visit.id)).all()
        boss = db.session.get(User, world["supervisor"])
        complaint = db.session.get(Complaint, complaint_id)
        reply_to_complaint(complaint, "已核实，责令物业清理楼道充电车辆", boss, utcnow())
        close_complaint(complaint, "satisfied", boss, utcnow())
        db.session.commit()
        assert complaint.status == ComplaintStatus.CLOSED and finding.estate_id == world["estate"]
        today = utcnow().date()
        figures = {
            r.channel.value: r
            for r in complaints_by_channel(db.session, world["office"], Period.month(today.year, today.month))
        }
        assert (figures["hotline_12345"].received, figures["hotline_12345"].resolved) == (1, 1)


def test_a_confirmed_plan_reaches_each_pair_and_its_results_come_back(live_server, tmp_path):
    app = live_server.app
    world = _world(app)
    with app.app_context():
        boss = db.session.get(User, world["supervisor"])
        plan = draw_new_plan(boss, "平板联调", 2, date.today(), PoolFilters(), seed="tablet")
        confirm_plan(plan, boss, utcnow())
        plan_id, planned = plan.id, {str(e.inspection_id) for e in plan.entries}
        db.session.commit()
    # Two inspectors: every entry's pair is both of them, so each tablet gets every visit.
    stores = [
        new_tablet(tmp_path / name, live_server, SimpleNamespace(username=name))
        for name in world["inspectors"]
    ]
    for store in stores:
        engine_for(store).run()
        assert {r.id for r in Checklist.unfinished(store) if r["kind"] == "random"} == planned
    for task_id in sorted(planned):
        _finish_on_tablet(stores[0], task_id, fail_first=False)
    engine_for(stores[0]).run()
    with app.app_context():
        plan = db.session.get(InspectionPlan, plan_id)
        assert all(
            e.inspection.status.value == "finished" and e.inspection.score is not None for e in plan.entries
        )
        today = date.today()
        figures = plan_figures(db.session, world["office"], Period.month(today.year, today.month))
        assert (figures.plans_drawn, figures.estates_drawn, figures.inspected) == (1, 2, 2)
