"""红黑榜 The best (red) and worst (black) estates and companies of a month or quarter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from server.domain.assessment.rules import rules_in_force
from server.domain.assessment.scoring import period_scores
from server.domain.models import RuleSet
from server.domain.periods import Period


@dataclass(frozen=True)
class ListRow:
    """One estate or company on a list; only public facts (names, figures, reasons)."""

    id: uuid.UUID
    name: str
    score: Decimal
    grade: str
    reasons: list[str]
    company_name: str = ""  # for an estate: who manages it
    name_key: str = ""  # pinyin sort key: ties on a list go by it


@dataclass(frozen=True)
class RedBlackLists:
    period: Period
    rule_version: int | None
    red_estates: list[ListRow]
    black_estates: list[ListRow]
    red_companies: list[ListRow]
    black_companies: list[ListRow]


def _pick(rows: list[ListRow], n: int, lists: dict[str, Any]) -> tuple[list[ListRow], list[ListRow]]:
    """Top n (at or above red_min_score) and bottom n (below black_below_score), never one row on
    both lists; `rows` come best first."""
    red_min, black_below = lists.get("red_min_score"), lists.get("black_below_score")
    red = [r for r in rows if red_min is None or r.score >= Decimal(str(red_min))][:n]
    on_red = {r.id for r in red}
    worst_first = sorted(rows, key=lambda r: (r.score, r.name_key))
    black = [r for r in worst_first if r.id not in on_red
             and (black_below is None or r.score < Decimal(str(black_below)))][:n]
    return red, black


def red_black_lists(session: Session, office_id: uuid.UUID, period: Period, n: int | None = 10,
                    region_code_prefix: str | None = None, *,
                    rule_set: RuleSet | None = None) -> RedBlackLists:
    """The period's lists with the rules in force for it; `n=None` takes the rules' `lists.n`."""
    chosen = rule_set or rules_in_force(session, office_id, period)
    if chosen is None:
        return RedBlackLists(period, None, [], [], [], [])
    lists = chosen.rules["lists"]
    n = int(lists["n"]) if n is None else n
    estate_rows, company_rows = period_scores(session, office_id, period, region_code_prefix, rule_set=chosen)
    estates = [ListRow(s.estate_id, s.name, s.score, s.grade, s.reasons, s.company_name, s.name_key)
               for s in estate_rows]
    # Companies are ranked by credit on the lists (the figure their grade comes from).
    # A company none of whose estates was scored (nobody inspected them) is on neither list.
    companies = [ListRow(c.company_id, c.name, c.credit, c.grade, c.reasons, name_key=c.name_key)
                 for c in company_rows if c.score is not None]
    red_estates, black_estates = _pick(estates, n, lists)
    red_companies, black_companies = _pick(companies, n, lists)
    return RedBlackLists(period, chosen.version, red_estates, black_estates, red_companies, black_companies)
