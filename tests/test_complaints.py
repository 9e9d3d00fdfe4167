"""Complaints: deadlines by channel on the work calendar, the verification task, reply and
closure, figures by channel, and the 12345 import (all rows valid or nothing written)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from server.domain.complaints import (
    close_complaint,
    complaints_by_channel,
    file_as_finding,
    record_complaint,
    reply_to_complaint,
    send_for_verification,
    task_day,
)
from server.domain.complaints.hotline_import import HEADERS, import_hotline
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import (
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    InspectionKind,
    InspectionStatus,
    Role,
    WorkCalendarDay,
)
from server.domain.periods import Period
from server.extensions import db

# Monday 2 November 2026, 10:00 in China.
MONDAY = datetime(2026, 11, 2, 2, 0)


@pytest.fixture
def world(make):
    return make.plans_world(estates=3, inspectors=2)


def complaint(world, channel="hotline_12345", at=MONDAY, **kw) -> Complaint:
    return record_complaint(
        world["supervisor"],
        world["estates"][0],
        channel,
        kw.pop("text", "楼道堆满杂物"),
        at,
        kw.pop("name", "李女士"),
        kw.pop("phone", "13700001111"),
        **kw,
    )


def test_the_deadline_counts_the_channels_working_days_on_the_office_calendar(world):
    # 5 working days after Monday 2 Nov is Monday 9 Nov; an office holiday on Wed 4 Nov moves it.
    assert complaint(world).due_at == datetime(2026, 11, 9, 15, 59, 59)
    assert complaint(world, "on_site").due_at == datetime(2026, 11, 5, 15, 59, 59)
    db.session.add(WorkCalendarDay(office_id=world["office"].id, day=date(2026, 11, 4), is_workday=False))
    db.session.flush()
    assert complaint(world).due_at == datetime(2026, 11, 10, 15, 59, 59)


def test_bad_fields_are_refused_with_reasons(world):
    with pytest.raises(TransitionRefused, match="投诉内容"):
        complaint(world, text="  ")
    with pytest.raises(TransitionRefused, match="电话"):
        complaint(world, phone="call me")
    with pytest.raises(TransitionRefused, match="渠道"):
        complaint(world, channel="pigeon")
    with pytest.raises(TransitionRefused, match="督导或管理员"):
        record_complaint(world["inspectors"][0], world["estates"][0], "phone", "x", MONDAY)
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_a_complaint_goes_to_a_tablet_task_then_reply_and_closure(world):
    c = complaint(world, "phone")
    visit = send_for_verification(
        c,
        world["inspectors"],
        task_day(date(2026, 11, 3)),
        world["supervisor"],
        MONDAY,
        template=world["template"],
    )
    assert (visit.kind, visit.status, visit.complaint_channel) == (
        InspectionKind.COMPLAINT,
        InspectionStatus.PLANNED,
        ComplaintChannel.PHONE,
    )
    assert "楼道堆满杂物" in visit.note and "李女士" not in visit.note and "13700001111" not in visit.note
    assert c.status == ComplaintStatus.VERIFYING
    with pytest.raises(TransitionRefused, match="先答复"):
        close_complaint(c, "satisfied", world["supervisor"], MONDAY)
    reply_to_complaint(c, "经核查已督促物业清理", world["supervisor"], datetime(2026, 11, 4, 2, 0))
    close_complaint(c, "basically", world["supervisor"], datetime(2026, 11, 5, 2, 0))
    assert c.status == ComplaintStatus.CLOSED and c.replied_on_time
    with pytest.raises(TransitionRefused, match="已办结"):
        reply_to_complaint(c, "再答复", world["supervisor"], MONDAY)


def test_a_complaint_can_be_filed_straight_as_a_finding(world):
    c = complaint(world)
    finding = file_as_finding(c, "楼道堆放杂物", "major", "3栋", world["supervisor"], MONDAY)
    assert c.finding_id == finding.id and finding.description.startswith("投诉：")
    assert "李女士" not in finding.description


def test_figures_by_channel_count_received_resolved_on_time_and_satisfied(world):
    boss = world["supervisor"]
    on_time = complaint(world)
    reply_to_complaint(on_time, "已处理", boss, datetime(2026, 11, 3, 2, 0))
    close_complaint(on_time, "satisfied", boss, datetime(2026, 11, 3, 3, 0))
    late = complaint(world)
    reply_to_complaint(late, "已处理", boss, datetime(2026, 11, 20, 2, 0))
    close_complaint(late, "unsatisfied", boss, datetime(2026, 11, 20, 3, 0))
    complaint(world)  # still open
    complaint(world, "leader_instruction")
    complaint(world, "phone", at=datetime(2026, 10, 30, 2, 0))  # October: not counted
    rows = {
        r.channel: r for r in complaints_by_channel(db.session, world["office"].id, Period.month(2026, 11))
    }
    hotline = rows[ComplaintChannel.HOTLINE_12345]
    assert (hotline.label_zh, hotline.received, hotline.resolved, hotline.on_time, hotline.satisfied) == (
        "12345热线",
        3,
        2,
        1,
        1,
    )
    assert hotline.resolution_rate == Decimal("66.7") and hotline.on_time_rate == Decimal("33.3")
    assert rows[ComplaintChannel.LEADER_INSTRUCTION].received == 1
    assert rows[ComplaintChannel.PHONE].received == 0 and rows[ComplaintChannel.PHONE].resolution_rate is None
    other = complaints_by_channel(
        db.session, world["office"].id, Period.month(2026, 11), region_code_prefix="999"
    )
    assert sum(r.received for r in other) == 0


def hotline_csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(HEADERS)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_valid_hotline_export_imports_every_row(world, make):
    names = [e.name for e in world["estates"]]
    data = hotline_csv(
        [
            ["T-1", "2026-11-02 10:00", names[0], "", "电梯经常停运", "赵先生", "13500000001"],
            ["T-2", "2026/11/03 08:15", names[1], "", "夜间噪音扰民", "", ""],
        ]
    )
    result = import_hotline(world["supervisor"], data, "12345.csv")
    assert result.ok and len(result.imported) == 2
    first = result.imported[0]
    assert (first.reference, first.channel, first.complainant_phone) == (
        "T-1",
        ComplaintChannel.HOTLINE_12345,
        "13500000001",
    )
    assert first.received_at == datetime(2026, 11, 2, 2, 0)
    xlsx = make.ledger_xlsx([], headers=HEADERS)  # a header only: nothing below it
    assert "没有任何数据" in import_hotline(world["supervisor"], xlsx, "t.xlsx").file_error


def test_a_hotline_export_with_bad_rows_writes_nothing_and_names_each_problem(world):
    name = world["estates"][0].name
    data = hotline_csv(
        [
            ["T-1", "2026-11-02 10:00", name, "", "电梯停运", "", ""],
            ["T-1", "2026-11-02 11:00", name, "", "重复工单", "", ""],
            ["T-3", "昨天", "不存在的小区", "", "内容", "", "abc"],
            ["", "2026-11-02 10:00", name, "", "", "", ""],
        ]
    )
    result = import_hotline(world["supervisor"], data, "12345.csv")
    assert not result.ok and not result.imported
    found = {(p.row, p.column) for p in result.problems}
    assert {
        (3, "工单编号"),
        (4, "受理时间"),
        (4, "小区名称"),
        (4, "联系电话"),
        (5, "工单编号"),
        (5, "诉求内容"),
    } == found
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0
    assert (
        "缺少必填列"
        in import_hotline(world["supervisor"], "小区名称,联系电话\n甲,1\n".encode(), "x.csv").file_error
    )


def test_companies_and_inspectors_cannot_handle_complaints(world, make):
    company_user = make.user(world["office"], Role.COMPANY, company_id=world["companies"][0].id)
    c = complaint(world)
    for outsider in (company_user, world["inspectors"][0]):
        with pytest.raises(TransitionRefused):
            reply_to_complaint(c, "x", outsider, MONDAY)


def test_an_export_with_only_the_required_columns_under_a_title_row_imports(world, make):
    rows = [
        ["某区12345工单导出"],
        ["工单号", "来电时间", "涉及小区", "来电内容"],
        ["X-1", datetime(2026, 11, 2, 10, 0), world["estates"][0].name, "电梯停运"],
    ]
    result = import_hotline(world["supervisor"], make.checklist_xlsx(rows[1:], headers=rows[0]), "x.xlsx")
    assert result.ok, (result.file_error, result.problems)
    [complaint] = result.imported
    assert complaint.reference == "X-1" and complaint.received_at == datetime(2026, 11, 2, 2, 0)
    assert "找不到表头" in import_hotline(world["supervisor"], b"a,b\n1,2\n", "x.csv").file_error
