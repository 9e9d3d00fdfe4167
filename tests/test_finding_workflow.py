"""The finding state machine, as a table of (state, action, actor) → outcome."""

import pytest

from server.domain.finding_workflow import TRANSITIONS, TransitionRefused, transition_finding
from server.domain.models import AuditEntry, FindingStatus, Role
from server.extensions import db

S = FindingStatus


@pytest.mark.parametrize(
    ("state", "action", "role", "expected"),
    [
        (S.OPEN, "issue_notice", Role.SUPERVISOR, S.NOTIFIED),
        (S.OPEN, "issue_notice", Role.INSPECTOR, "forbidden"),
        (S.NOTIFIED, "report_rectified", Role.COMPANY, S.RECTIFIED_REPORTED),
        (S.RECTIFIED_REPORTED, "verify_fixed", Role.INSPECTOR, S.CLOSED),
        (S.RECTIFIED_REPORTED, "verify_not_fixed", Role.INSPECTOR, S.REOPENED),
        (S.OPEN, "close_on_site", Role.INSPECTOR, S.CLOSED),
        (S.NOTIFIED, "mark_overdue", None, S.OVERDUE),
        (S.OVERDUE, "escalate", None, S.ESCALATED),
        (S.CLOSED, "reopen", Role.SUPERVISOR, S.REOPENED),
        (S.CLOSED, "report_rectified", Role.COMPANY, "invalid_transition"),
        (S.OPEN, "verify_fixed", Role.COMPANY, "invalid_transition"),
        (S.NOTIFIED, "verify_fixed", Role.COMPANY, "forbidden"),
        (S.OPEN, "mark_overdue", None, "invalid_transition"),
    ],
)
def test_transition_table(make, state, action, role, expected):
    office = make.office()
    tree = make.region_tree(office)
    company = make.company(office)
    estate = make.estate(tree["community"], company)
    finding = make.finding(estate, status=state)
    actor = None
    if role is not None:
        actor = make.user(office, role, company_id=company.id if role == Role.COMPANY else None)
    if isinstance(expected, FindingStatus):
        transition_finding(finding, action, actor)
        db.session.flush()
        assert finding.status == expected
        assert (finding.closed_at is not None) == (expected == S.CLOSED)
        entry = db.session.query(AuditEntry).filter_by(entity_id=str(finding.id)).one()
        assert entry.action == action and entry.changes["to"] == expected.value
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition_finding(finding, action, actor)
        assert refused.value.code == expected
        assert finding.status == state


def test_company_user_cannot_act_on_another_companys_finding(make):
    office = make.office()
    tree = make.region_tree(office)
    ours, theirs = make.company(office), make.company(office)
    finding = make.finding(make.estate(tree["community"], theirs), status=S.NOTIFIED)
    intruder = make.user(office, Role.COMPANY, company_id=ours.id)
    with pytest.raises(TransitionRefused, match="本企业"):
        transition_finding(finding, "report_rectified", intruder)


def test_every_status_can_be_left_except_by_rule():
    reachable = {t.target for t in TRANSITIONS.values()} | {S.OPEN}
    assert reachable == set(FindingStatus)
