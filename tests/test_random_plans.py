"""Double-random plans: the draw is reproducible from its seed, fair over many seeds, never
sends a recused inspector or last time's inspectors, and confirms into tablet tasks."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from itertools import combinations

import pytest

from server.domain.finding_workflow import TransitionRefused
from server.domain.models import InspectionKind, InspectionStatus, PlanStatus
from server.domain.periods import Period
from server.domain.random_plans import (
    DrawError,
    PoolFilters,
    confirm_plan,
    draw_new_plan,
    draw_plan,
    plan_figures,
    record_recusal,
    verify_plan,
)
from server.extensions import db

NOW = datetime(2026, 11, 20, 2, 0)
DRAWS = 2000
# Chi-square critical values at p = 0.001 (the seeds are fixed, so the test is deterministic;
# the bound says the draw is not visibly biased, with a generous margin).
CHI2_999 = {5: 20.52, 11: 31.26, 14: 36.12}


def chi_square(counts: Counter, cells: list, expected: float) -> float:
    return sum((counts[c] - expected) ** 2 / expected for c in cells)


@pytest.fixture
def world(make):
    return make.plans_world()


def test_the_same_seed_draws_the_same_plan_and_verifies(world):
    filters = PoolFilters(region_code_prefix=world["tree"]["district"].code)
    first = draw_new_plan(
        world["supervisor"], "十一月双随机", 4, date(2026, 11, 25), filters, seed="2026-11-xyz"
    )
    second = draw_new_plan(
        world["supervisor"], "同种子再抽", 4, date(2026, 11, 25), filters, seed="2026-11-xyz"
    )
    other = draw_new_plan(world["supervisor"], "另一种子", 4, date(2026, 11, 25), filters, seed="another")
    pairs = [[(e.estate_id, e.inspector_ids) for e in plan.entries] for plan in (first, second, other)]
    assert pairs[0] == pairs[1] and pairs[0] != pairs[2]
    assert len(first.estate_pool) == 12 and len(first.inspector_pool) == 6
    assert verify_plan(first).matches
    # Someone who tampers with the stored draw is caught by the re-draw.
    first.entries[0].inspector_ids = sorted({*first.inspector_pool} - {*first.entries[0].inspector_ids})[:2]
    assert not verify_plan(first).matches


def test_draws_are_fair_over_many_seeds():
    estates = [f"e{n:02d}" for n in range(12)]
    inspectors = [f"i{n}" for n in range(6)]
    estate_counts, inspector_counts, pair_counts = Counter(), Counter(), Counter()
    for n in range(DRAWS):
        for entry in draw_plan(f"fair-{n}", estates, inspectors, {}, 4):
            estate_counts[entry.estate_id] += 1
            inspector_counts.update(entry.inspector_ids)
            pair_counts[entry.inspector_ids] += 1
    assert chi_square(estate_counts, estates, DRAWS * 4 / 12) < CHI2_999[11]
    assert chi_square(inspector_counts, inspectors, DRAWS * 4 * 2 / 6) < CHI2_999[5]
    pairs = [tuple(p) for p in combinations(inspectors, 2)]
    assert set(pair_counts) == set(pairs)  # every pair can be drawn
    assert chi_square(pair_counts, pairs, DRAWS * 4 / len(pairs)) < CHI2_999[14]


def test_recused_and_last_time_inspectors_are_never_drawn(world, make):
    boss, (a, b, c, d, *_rest) = world["supervisor"], world["inspectors"]
    target = world["estates"][0]
    record_recusal(boss, a, "亲属在该小区物业公司任职", estate=target)
    record_recusal(boss, b, "曾在该企业任职", company_id=world["companies"][1].id)
    last = make.inspection(
        world["estates"][2],
        world["template"],
        inspectors=[c, d],
        status=InspectionStatus.FINISHED,
        finished_at=datetime(2026, 10, 8, 3, 0),
    )
    db.session.flush()
    plan = draw_new_plan(boss, "回避检验", 12, date(2026, 11, 25), PoolFilters(), seed="s")
    barred = plan.exclusions
    assert barred[str(target.id)][str(a.id)] == "recused"
    company_estates = [e for e in world["estates"] if e.company_id == world["companies"][1].id]
    assert all(barred[str(e.id)][str(b.id)] == "recused" for e in company_estates)
    assert barred[str(last.estate_id)] == {str(c.id): "last_time", str(d.id): "last_time"}
    for n in range(300):
        for entry in draw_plan(f"r{n}", plan.estate_pool, plan.inspector_pool, barred, 12):
            assert not set(entry.inspector_ids) & set(barred.get(entry.estate_id, {}))


def test_the_pool_follows_the_filters(world, make):
    boss = world["supervisor"]
    make.inspection(
        world["estates"][5],
        world["template"],
        inspectors=world["inspectors"][:2],
        status=InspectionStatus.FINISHED,
        finished_at=datetime(2026, 11, 2, 3, 0),
    )
    company = world["companies"][0]
    plan = draw_new_plan(
        boss,
        "筛选",
        2,
        date(2026, 11, 25),
        PoolFilters(company_ids=[company.id], not_inspected_since=date(2026, 11, 1)),
        seed="f",
    )
    expected = {str(e.id) for e in world["estates"] if e.company_id == company.id} - {
        str(world["estates"][5].id)
    }
    assert set(plan.estate_pool) == expected and plan.filters["not_inspected_since"] == "2026-11-01"


def test_a_draw_that_cannot_be_made_is_refused_with_a_reason(world):
    with pytest.raises(TransitionRefused, match="只有 12 个"):
        draw_new_plan(world["supervisor"], "太多", 13, date(2026, 11, 25), PoolFilters(), seed="x")
    with pytest.raises(DrawError, match="不足两人"):
        draw_plan("x", ["e1"], ["i1", "i2"], {"e1": {"i1": "recused"}}, 1)
    with pytest.raises(TransitionRefused, match="督导或管理员"):
        draw_new_plan(world["inspectors"][0], "越权", 1, date(2026, 11, 25), PoolFilters())


def test_a_confirmed_plan_becomes_planned_random_inspections(world):
    boss = world["supervisor"]
    plan = draw_new_plan(boss, "确认", 3, date(2026, 11, 25), PoolFilters(), seed="c")
    visits = confirm_plan(plan, boss, NOW)
    assert plan.status == PlanStatus.CONFIRMED and len(visits) == 3
    for entry, visit in zip(plan.entries, visits, strict=True):
        assert visit.kind == InspectionKind.RANDOM and visit.status == InspectionStatus.PLANNED
        assert visit.estate_id == entry.estate_id and visit.template_id == world["template"].id
        assert sorted(str(i) for i in visit.inspector_ids) == sorted(entry.inspector_ids)
        assert visit.planned_for == datetime(2026, 11, 25, 1, 0)  # 09:00 in China
        assert visit.server_seq > 0  # stamped, so the pair's tablets pull it
    with pytest.raises(TransitionRefused, match="草稿"):
        confirm_plan(plan, boss, NOW)
    visits[0].status, visits[0].finished_at = InspectionStatus.FINISHED, NOW
    db.session.flush()
    figures = plan_figures(db.session, world["office"].id, Period.month(2026, 11))
    assert (figures.plans_drawn, figures.estates_drawn, figures.inspected, figures.findings) == (1, 3, 1, 0)
    assert plan_figures(db.session, world["office"].id, Period.month(2026, 10)).plans_drawn == 0


def test_a_star_band_keeps_only_the_estates_rated_within_it(world, make):
    make.publish_rules(world["office"])
    good, poor = world["estates"][0], world["estates"][1]
    for estate, score in ((good, 98), (poor, 60)):
        make.inspection(estate, world["template"], inspectors=world["inspectors"][:2],
                        status=InspectionStatus.FINISHED, score=score, max_score=100,
                        started_at=datetime(2026, 10, 9, 1, 0), finished_at=datetime(2026, 10, 9, 3, 0))
    db.session.flush()
    low = PoolFilters(star_period=Period.parse("2026-10"), min_stars=1, max_stars=2)
    plan = draw_new_plan(world["supervisor"], "低星级小区", 1, date(2026, 11, 25), low, seed="stars")
    assert plan.estate_pool == [str(poor.id)] and plan.filters["star_period"] == "2026-10"
    high = PoolFilters(star_period=Period.parse("2026-10"), min_stars=4, max_stars=5)
    plan = draw_new_plan(world["supervisor"], "高星级小区", 1, date(2026, 11, 25), high, seed="stars")
    assert plan.estate_pool == [str(good.id)]


def test_an_estate_no_pair_may_visit_leaves_the_pool_instead_of_failing_the_draw(make):
    world = make.plans_world(estates=3, inspectors=2)
    boss, (a, _b) = world["supervisor"], world["inspectors"]
    record_recusal(boss, a, "亲属任职", estate=world["estates"][0])
    plan = draw_new_plan(boss, "两人检查组", 2, date(2026, 11, 25), PoolFilters(), seed="p")
    assert str(world["estates"][0].id) not in plan.estate_pool and len(plan.estate_pool) == 2
    assert plan.filters["unpaired"] == [str(world["estates"][0].id)] and verify_plan(plan).matches
