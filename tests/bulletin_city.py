"""A small city with known bulletin figures for November 2026 and the year 2026.

Two districts (东城区: 阳光花园, 翠湖雅苑; 西城区: 远山小区), three problem categories, deadlines met
and missed, and rows on the edges of the month in China's time (a finding found at 00:30 on
1 November counts for November; one found at 23:30 on 31 October does not). The expected
figures are written out below by hand, from the rows, not computed by the code under test.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.domain.models import (
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Escalation,
    EscalationKind,
    FindingStatus,
    InspectionStatus,
    Notice,
    NoticeStatus,
    Revisit,
    RevisitResult,
    RevisitStatus,
    Role,
    Satisfaction,
)
from server.extensions import db
from tests import factories as make

FIRE, WIRES, CLUTTER = "消防通道占用", "飞线充电", "楼道堆放杂物"
S = FindingStatus


def cn(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    """A China local time as the stored naive UTC."""
    return datetime(year, month, day, hour, minute) - timedelta(hours=8)


# Figure → (total, 东城区, 西城区), November 2026.
NOVEMBER = {
    "estates_inspected": (3, 2, 1), "inspections": (5, 3, 2), "notices_issued": (3, 2, 1),
    "findings_found": (6, 4, 2), "findings_rectified": (3, 2, 1), "findings_due": (6, 5, 1),
    "findings_on_time": (3, 2, 1), "findings_closed": (4, 3, 1),
    "revisits_done": (4, 3, 1), "revisits_passed": (3, 2, 1), "revisits_failed": (1, 1, 0),
    "urges": (2, 2, 0), "interviews": (1, 1, 0), "penalties": (0, 0, 0),
}
NOVEMBER_RATES = {"rectification_rate": ("50.0%", "50.0%", "50.0%"),
                  "on_time_rate": ("50.0%", "40.0%", "100.0%"),
                  "revisit_pass_rate": ("75.0%", "66.7%", "100.0%")}
# Category → (found, rectified, due, on time, closed), most found first.
NOVEMBER_CATEGORIES = [(FIRE, (3, 3, 3, 2, 3)), (WIRES, (2, 0, 1, 0, 0)), (CLUTTER, (1, 0, 2, 1, 1))]

# Channel → (received, resolved, resolution rate, on time, satisfied); the last row is the total.
NOVEMBER_COMPLAINTS = [("12345热线", (3, 2, "66.7%", 1, 1)), ("来电", (1, 1, "100.0%", 1, 1)),
                       ("现场来访", (0, 0, "—", 0, 0)), ("网络舆情", (0, 0, "—", 0, 0)),
                       ("领导批示", (0, 0, "—", 0, 0)), ("合计", (4, 3, "75.0%", 2, 2))]
YEAR_COMPLAINTS = [("12345热线", (3, 2, "66.7%", 1, 1)), ("来电", (1, 1, "100.0%", 1, 1)),
                   ("现场来访", (0, 0, "—", 0, 0)), ("网络舆情", (1, 1, "100.0%", 1, 1)),
                   ("领导批示", (0, 0, "—", 0, 0)), ("合计", (5, 4, "80.0%", 3, 3))]
COMPLAINANTS = [("周女士", "13900001111"), ("吴先生", "13900002222"), ("郑女士", "13900003333"),
                ("王先生", "13900004444"), ("冯女士", "13900005555")]

YEAR = {
    "estates_inspected": (3, 2, 1), "inspections": (7, 4, 3), "notices_issued": (4, 2, 2),
    "findings_found": (10, 6, 4), "findings_rectified": (8, 4, 4), "findings_due": (9, 6, 3),
    "findings_on_time": (4, 2, 2), "findings_closed": (8, 4, 4),
    "revisits_done": (5, 3, 2), "revisits_passed": (4, 2, 2), "revisits_failed": (1, 1, 0),
    "urges": (2, 2, 0), "interviews": (1, 1, 0), "penalties": (1, 0, 1),
}
YEAR_RATES = {"rectification_rate": ("80.0%", "66.7%", "100.0%"),
              "on_time_rate": ("44.4%", "33.3%", "66.7%"),
              "revisit_pass_rate": ("80.0%", "66.7%", "100.0%")}
# 飞线充电 (fei) before 楼道堆放杂物 (lou): categories found as often come in pinyin order.
YEAR_CATEGORIES = [(FIRE, (4, 4, 4, 2, 4)), (WIRES, (3, 1, 3, 1, 1)), (CLUTTER, (3, 3, 2, 1, 3))]
# Month → (found, closed) for the months with any.
YEAR_TREND = {"2026-03": (1, 1), "2026-06": (1, 0), "2026-07": (0, 1), "2026-10": (2, 0),
              "2026-11": (6, 4), "2026-12": (0, 2)}


def build_city() -> dict:
    """Commit the city; return the ids and names the tests need (as plain values)."""
    office = make.office(name="示例市住房和城乡建设局", short_name="示住建")
    city = make.region(office, name="示例市")
    east, west = make.region(office, city, name="东城区"), make.region(office, city, name="西城区")
    east_community = make.region(office, make.region(office, east, name="东一街道"), name="东一社区")
    west_community = make.region(office, make.region(office, west, name="西一街道"), name="西一社区")
    sunny = make.company(office, name="阳光物业服务有限公司")
    hill = make.company(office, name="远山物业有限公司")
    e1 = make.estate(east_community, sunny, name="阳光花园")
    e2 = make.estate(east_community, sunny, name="翠湖雅苑")
    e3 = make.estate(west_community, hill, name="远山小区")
    inspector = make.user(office, Role.INSPECTOR, display_name="赵检查")
    supervisor = make.user(office, Role.SUPERVISOR, display_name="钱督导")
    east_supervisor = make.user(office, Role.SUPERVISOR, region_id=east.id, display_name="孙督导")
    admin = make.user(office, Role.ADMIN, display_name="李管理")

    def finding(estate, category, found, due, closed=None, **kw):
        kw.setdefault("status", S.CLOSED if closed else S.NOTIFIED)
        return make.finding(estate, category=category, found_at=found, due_at=due, closed_at=closed,
                            reported_by_id=inspector.id, **kw)

    end_of = (23, 59)
    f1 = finding(e1, FIRE, cn(11, 3), cn(11, 10, *end_of), cn(11, 8))
    f2 = finding(e1, FIRE, cn(11, 5), cn(11, 12, *end_of), cn(11, 15))
    finding(e1, WIRES, cn(11, 20), cn(12, 4, *end_of))  # f3: open, due in December
    f4 = finding(e2, WIRES, cn(11, 1, 0, 30), cn(11, 8, *end_of), status=S.ESCALATED)
    finding(e2, CLUTTER, cn(10, 25), cn(11, 2, *end_of), cn(11, 1))  # f5
    finding(e2, CLUTTER, cn(10, 31, 23, 30), cn(11, 30, *end_of), cn(12, 1, 1, 0))  # f6
    f7 = finding(e3, FIRE, cn(11, 10), cn(11, 17, *end_of), cn(11, 17))
    finding(e3, CLUTTER, cn(11, 28), None, cn(12, 2))  # f8: no deadline
    f9 = finding(e3, WIRES, cn(3, 10), cn(3, 17, *end_of), cn(3, 16))
    f10 = finding(e3, FIRE, cn(6, 1), cn(6, 8, *end_of), cn(7, 1))
    finding(e1, FIRE, cn(11, 6), cn(11, 13), deleted_at=cn(11, 7))  # deleted: never counts
    finding(e1, FIRE, cn(12, 31, 23, 0, year=2025), None)  # 2025 in China's time, 15:00 UTC

    other = make.office(name="别市住建局")
    other_tree = make.region_tree(other)
    make.finding(make.estate(other_tree["community"], name="别市小区"), found_at=cn(11, 10))

    def visit(estate, finished, status=InspectionStatus.FINISHED, **kw):
        make.inspection(estate, inspectors=[inspector], status=status, started_at=finished,
                        finished_at=finished if status == InspectionStatus.FINISHED else None, **kw)

    for estate, when in ((e1, cn(11, 3)), (e1, cn(11, 20)), (e2, cn(11, 1)), (e3, cn(11, 10)),
                         (e3, cn(11, 28)), (e3, cn(3, 10)), (e2, cn(10, 25))):
        visit(estate, when)
    visit(e1, cn(11, 25), InspectionStatus.PLANNED, planned_for=cn(11, 25))
    visit(e2, cn(11, 26), InspectionStatus.CANCELLED)
    visit(e3, cn(12, 31, 23, 0, year=2025))

    numbers = iter(range(1, 100))

    def notice(estate, issued, cancelled=None):
        db.session.add(Notice(office_id=office.id, estate_id=estate.id, company_id=estate.company_id,
                              region_code=estate.region_code, year=issued.year, number=next(numbers),
                              issued_at=issued, cancelled_at=cancelled,
                              status=NoticeStatus.CANCELLED if cancelled else NoticeStatus.ISSUED))

    notice(e1, cn(11, 3))
    notice(e2, cn(11, 1), cancelled=cn(12, 1))  # cancelled after November: counts for November
    notice(e3, cn(11, 10))
    notice(e3, cn(11, 28), cancelled=cn(11, 29))  # cancelled within November: never counts
    notice(e3, cn(3, 10))
    notice(e2, cn(10, 25))

    def revisit(finding, done, result, status=RevisitStatus.DONE):
        db.session.add(Revisit(finding_id=finding.id, region_code=finding.region_code, status=status,
                               result=result, done_at=done, due_at=done, inspector_id=inspector.id))

    revisit(f1, cn(11, 8), RevisitResult.FIXED)
    revisit(f2, cn(11, 13), RevisitResult.NOT_FIXED)
    revisit(f2, cn(11, 15), RevisitResult.FIXED)
    revisit(f7, cn(11, 17), RevisitResult.FIXED)
    revisit(f4, None, None, RevisitStatus.PENDING)
    revisit(f9, cn(3, 16), RevisitResult.FIXED)
    revisit(f10, cn(6, 20), None, RevisitStatus.CANCELLED)

    def escalate(finding, kind, when):
        db.session.add(Escalation(finding_id=finding.id, company_id=finding.estate.company_id, kind=kind,
                                  decided_at=when, credit_points=5))

    escalate(f4, EscalationKind.URGE, cn(11, 10))
    escalate(f4, EscalationKind.INTERVIEW, cn(11, 20))
    escalate(f2, EscalationKind.URGE, cn(11, 14))
    escalate(f10, EscalationKind.PENALTY, cn(6, 20))
    people = iter(COMPLAINANTS)

    def complaint(estate, channel, received, due, replied=None, closed=None, satisfaction=None):
        name, phone = next(people)
        db.session.add(Complaint(
            office_id=office.id, estate_id=estate.id, region_code=estate.region_code, channel=channel,
            received_at=received, due_at=due, text="反映楼道堆物", complainant_name=name,
            complainant_phone=phone, replied_at=replied, closed_at=closed, satisfaction=satisfaction,
            status=ComplaintStatus.CLOSED if closed else ComplaintStatus.RECEIVED))

    hotline, phone, online = ComplaintChannel.HOTLINE_12345, ComplaintChannel.PHONE, ComplaintChannel.ONLINE
    complaint(e1, hotline, cn(11, 2), cn(11, 9), cn(11, 5), cn(11, 6), Satisfaction.SATISFIED)
    complaint(e2, hotline, cn(11, 10), cn(11, 17), cn(11, 20), cn(11, 21), Satisfaction.UNSATISFIED)
    complaint(e3, hotline, cn(11, 25), cn(12, 2))
    complaint(e1, phone, cn(11, 12), cn(11, 19), cn(11, 13), cn(11, 14), Satisfaction.BASICALLY)
    complaint(e3, online, cn(10, 20), cn(10, 27), cn(10, 21), cn(10, 22), Satisfaction.SATISFIED)
    db.session.commit()
    return {
        "office_id": office.id, "east_code": east.code, "west_code": west.code,
        "supervisor": supervisor.username, "east_supervisor": east_supervisor.username,
        "inspector": inspector.username, "admin": admin.username,
        "estates": {e.name: str(e.id) for e in (e1, e2, e3)},
    }
