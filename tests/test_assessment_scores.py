"""Scores, credit, grades, red and black lists and star ratings on a dataset with known answers
(tests/factories.assessment_world: October 2026, the template rules of docs/assessment.md)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from server.domain.assessment import (
    company_scores,
    estate_scores,
    red_black_lists,
    star_ratings,
)
from server.domain.assessment import rules as assessment_rules
from server.domain.assessment.runs import record_run
from server.domain.models import AssessmentRun
from server.domain.periods import Period
from server.extensions import db

OCTOBER = Period.month(2026, 10)


@pytest.fixture
def world(make):
    world = make.assessment_world()
    world["v1"] = make.publish_october_rules(world)
    return world


def _by_name(rows) -> dict:
    return {row.name: row for row in rows}


def test_estate_scores_and_grades(world):
    scores = estate_scores(db.session, world["office"].id, OCTOBER)
    assert [(s.name, s.score, s.grade) for s in scores] == [
        ("金色华府", Decimal("97.00"), "AAA"),
        ("翠湖雅苑", Decimal("95.00"), "AAA"),
        ("梧桐新村", Decimal("78.50"), "B"),
        ("书香名邸", Decimal("75.00"), "B"),
        ("老街小区", Decimal("60.00"), "C"),
    ]  # 枫林湾 had no inspection in October: not scored


def test_every_estate_score_shows_its_rows(world):
    e2 = _by_name(estate_scores(db.session, world["office"].id, OCTOBER))["梧桐新村"]
    assert sorted((r.kind, r.on, r.points) for r in e2.rows) == [
        ("finding", date(2026, 10, 10), Decimal("-5")),
        ("finding", date(2026, 10, 10), Decimal("-1")),
        ("inspection", date(2026, 10, 10), Decimal("90.00")),
        ("overdue", date(2026, 10, 20), Decimal("-5.5")),  # 11 whole days at 0.5
    ]
    assert e2.overdue_days == 11 and e2.open_severe == 1
    assert e2.reasons == ["检查 1 次，平均 90.00 分", "一般问题 1 项（−1.00）", "严重问题 1 项（−5.00）",
                          "整改逾期 11 天（−5.50）", "期末仍有严重问题未整改 1 项"]
    e5 = _by_name(estate_scores(db.session, world["office"].id, OCTOBER))["书香名邸"]
    # The complaint visit, the cancelled one and the one on 30 September do not count.
    assert [r.kind for r in e5.rows] == ["inspection", "finding", "overdue"]
    assert sum(r.points for r in e5.rows) == Decimal("75.00")


def test_company_scores_credit_and_grades(world):
    companies = company_scores(db.session, world["office"].id, OCTOBER)
    assert [(c.name, c.score, c.credit, c.grade, c.estates) for c in companies] == [
        ("红旗物业服务有限公司", Decimal("87.75"), Decimal("95.30"), "AAA", 2),
        ("黄河物业服务有限公司", None, Decimal("93.80"), "AA", 0),
        ("蓝天物业服务有限公司", Decimal("85.00"), Decimal("82.20"), "A", 2),
    ]
    c1 = companies[0]
    assert sorted((r.kind, r.points) for r in c1.credit_rows) == [
        ("commendation", Decimal("5")), ("escalation", Decimal("-2")),
        ("finding", Decimal("-5")), ("finding", Decimal("-0.5")), ("overdue", Decimal("-2.2")),
    ]  # the interview of 3 November belongs to November
    c2 = companies[2]
    assert [r.label_zh for r in c2.credit_rows if r.kind == "penalty"] == ["处罚：拒不整改通报批评"]


def test_household_weighting(world, make):
    rules = copy.deepcopy(world["v1"].rules)
    rules["company"]["weighting"] = "households"
    world["estates"]["E1"].households = 300  # 97 × 300 + 78.5 × 100 over 400
    world["estates"]["E2"].households = 100
    draft = assessment_rules.save_draft(db.session, world["office"].id, rules)
    scores = company_scores(db.session, world["office"].id, OCTOBER, rule_set=draft)
    c1 = _by_name(scores)["红旗物业服务有限公司"]
    assert c1.score == Decimal("92.38")


def test_red_and_black_lists(world):
    lists = red_black_lists(db.session, world["office"].id, OCTOBER, n=None)
    assert lists.rule_version == 1
    assert [(r.name, r.score) for r in lists.red_estates] == [("金色华府", Decimal("97.00")),
                                                             ("翠湖雅苑", Decimal("95.00"))]
    assert [(r.name, r.score) for r in lists.black_estates] == [("老街小区", Decimal("60.00")),
                                                               ("书香名邸", Decimal("75.00"))]
    # 黄河物业 (credit 93.80) had no estate scored in October: on neither list.
    assert [(r.name, r.score, r.grade) for r in lists.red_companies] == [
        ("红旗物业服务有限公司", Decimal("95.30"), "AAA")]
    assert [(r.name, r.score) for r in lists.black_companies] == [("蓝天物业服务有限公司", Decimal("82.20"))]
    assert lists.black_estates[1].company_name == "蓝天物业服务有限公司"
    assert "一般" not in " ".join(lists.black_estates[1].reasons)  # E5's one finding was major
    assert lists.black_estates[1].reasons[1] == "较重问题 1 项（−3.00）"
    # Three of each: nobody is both red and black, however short the lists.
    three = red_black_lists(db.session, world["office"].id, OCTOBER, n=3)
    assert [r.name for r in three.black_estates] == ["老街小区", "书香名邸", "梧桐新村"]
    assert not {r.id for r in three.red_estates} & {r.id for r in three.black_estates}


def test_star_ratings(world):
    ratings = star_ratings(db.session, world["office"].id, OCTOBER)
    assert [(r.name, r.stars) for r in ratings] == [
        ("金色华府", 5), ("翠湖雅苑", 3), ("梧桐新村", 2), ("书香名邸", 2), ("老街小区", 1)]
    held = _by_name(ratings)["翠湖雅苑"]
    assert held.reasons == ["得分 95.00", "期末有严重问题未整改 1 项，未评 5 星",
                            "期末有严重问题未整改 1 项，未评 4 星"]


def test_a_past_period_keeps_its_figures_after_a_rule_change(world, make):
    before = [(s.name, s.score) for s in estate_scores(db.session, world["office"].id, OCTOBER)]
    stricter = copy.deepcopy(world["v1"].rules)
    stricter["estate"]["finding_points"]["severe"] = 10
    v2 = make.publish_rules(world["office"], stricter, effective_from=date(2026, 11, 1))
    assert v2.version == 2
    assert [(s.name, s.score) for s in estate_scores(db.session, world["office"].id, OCTOBER)] == before
    november = _by_name(estate_scores(db.session, world["office"].id, Period.month(2026, 11)))
    assert november["枫林湾"].rows[0].kind == "inspection"  # November is scored with v2
    assert assessment_rules.rules_in_force(db.session, world["office"].id, Period.month(2026, 11)) == v2

    # An explicit re-run with v2 is recorded, and from then on the period shows v2's figures.
    run = record_run(db.session, world["office"].id, OCTOBER, v2, actor=world["inspectors"][0])
    assert db.session.get(AssessmentRun, run.id).rule_set_id == v2.id
    rerun = _by_name(estate_scores(db.session, world["office"].id, OCTOBER))
    assert rerun["翠湖雅苑"].score == Decimal("90.00") and rerun["金色华府"].score == Decimal("97.00")


def test_publishing_cannot_reach_back_before_the_last_version(world, make):
    assessment_rules.save_draft(db.session, world["office"].id, world["v1"].rules)
    with pytest.raises(assessment_rules.RulesError, match="生效日期不能早于"):
        assessment_rules.publish_draft(db.session, world["office"].id, date(2026, 9, 1),
                                       world["inspectors"][0])


def test_no_published_rules_scores_nothing(make):
    bare = make.office()
    assert estate_scores(db.session, bare.id, OCTOBER) == []
    assert red_black_lists(db.session, bare.id, OCTOBER).red_estates == []


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("credit"), "缺少 credit"),
    (lambda r: r["estate"]["finding_points"].update(severe="很多"), "estate.finding_points.severe 应为数字"),
    (lambda r: r["grades"].reverse(), "grades 应按 min 从高到低排列"),
    (lambda r: r["stars"][0].update(stars=6), "stars[].stars 应为 1 到 5"),
    (lambda r: r.update(format="other"), "不是考核细则文件"),
    (lambda r: r["estate"].update(inspection_kinds=["walk"]), "estate.inspection_kinds"),
])
def test_bad_rules_are_refused_with_the_field_named(change, message):
    rules = assessment_rules.template_rules()
    change(rules)
    with pytest.raises(assessment_rules.RulesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        assessment_rules.check_rules(rules)


def test_rules_file_round_trip():
    text = assessment_rules.rules_file(assessment_rules.template_rules())
    assert assessment_rules.parse_rules_file(text.encode()) == assessment_rules.template_rules()
    with pytest.raises(assessment_rules.RulesError, match="不是有效的 JSON"):
        assessment_rules.parse_rules_file(b"{not json")
