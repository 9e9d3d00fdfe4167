"""A small city for the dashboard tests: two estates in a supervisor's district, one in
another district, findings in every state with known dates (the clock is NOW)."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.domain.models import FindingStatus, InspectionStatus, Role, Severity
from server.extensions import db
from tests import factories as make

NOW = datetime(2026, 3, 18, 2, 0)  # a Wednesday, 10:00 in China
S = FindingStatus


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def build_city() -> dict:
    """Commit the city and return ids and usernames (strings) for the tests."""
    office = make.office(name="测试市住房和城乡建设局")
    tree = make.region_tree(office)
    street2 = make.region(office, tree["district"], name="第二街道")
    community2 = make.region(office, street2, name="第二社区")
    far_district = make.region(office, tree["city"], name="远方区")
    far_community = make.region(office, make.region(office, far_district, name="远方街道"), name="远方社区")
    sunny = make.company(office, name="阳光物业服务有限公司")
    lake = make.company(office, name="翠湖物业管理有限公司")
    checklist = make.template(office)
    estate1 = make.estate(tree["community"], sunny, name="阳光花园")
    estate2 = make.estate(community2, lake, name="翠湖雅苑")
    estate3 = make.estate(far_community, sunny, name="远方小区")
    supervisor = make.user(office, Role.SUPERVISOR, region_id=tree["district"].id, display_name="王督导")
    far = make.user(office, Role.SUPERVISOR, region_id=far_district.id)
    inspector = make.user(office, Role.INSPECTOR, region_id=tree["district"].id, display_name="李检查")
    company_user = make.user(office, Role.COMPANY, company_id=sunny.id)

    def finding(estate, **kw):
        kw.setdefault("reported_by_id", inspector.id)
        return make.finding(estate, **kw)

    f = {
        "open": finding(estate1, found_at=ago(2), due_at=None, location="12栋东单元",
                        description="楼道内堆放纸箱和旧家具"),
        "overdue": finding(estate1, status=S.OVERDUE, category="飞线充电", found_at=ago(20), due_at=ago(5),
                           location="5栋", description="5栋楼道私拉电线充电"),
        "escalated": finding(estate1, status=S.ESCALATED, category="消防通道占用", found_at=ago(40),
                             due_at=ago(30), severity=Severity.SEVERE, description="东门消防通道停车"),
        "notified": finding(estate1, status=S.NOTIFIED, found_at=ago(3), due_at=ago(-5)),
        "closed": finding(estate1, status=S.CLOSED, found_at=ago(10), due_at=ago(-1), closed_at=ago(1)),
        "closed_late": finding(estate1, status=S.CLOSED, found_at=ago(12), due_at=ago(4), closed_at=ago(2)),
        "lake": finding(estate2, category="飞线充电", found_at=ago(1), due_at=None, location="1栋",
                        description="电动车飞线充电", severity=Severity.MINOR, reported_by_id=None),
        "far": finding(estate3, found_at=ago(1), due_at=None, description="远方的问题"),
    }
    done = make.inspection(estate1, inspectors=[inspector], status=InspectionStatus.FINISHED,
                           started_at=ago(2), finished_at=ago(2), score=92, max_score=100)
    db.session.commit()
    ids = {k: str(v.id) for k, v in f.items()}
    return {
        "office": str(office.id), "findings": ids,
        "estates": [str(estate1.id), str(estate2.id), str(estate3.id)],
        "district_code": tree["district"].code, "street2_code": street2.code,
        "supervisor": supervisor.username, "far": far.username, "inspector": inspector.username,
        "inspector_id": str(inspector.id), "company": company_user.username,
        "sunny": str(sunny.id), "lake": str(lake.id), "inspection": str(done.id),
        "checklist": str(checklist.id),
    }
