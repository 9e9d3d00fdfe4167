"""星级评定 One to five stars per estate from its score band and the band's conditions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from server.domain.assessment.rules import rules_in_force
from server.domain.assessment.scoring import EstateScore, estate_scores
from server.domain.models import RuleSet
from server.domain.periods import Period


@dataclass(frozen=True)
class StarRating:
    estate_id: uuid.UUID
    name: str
    company_name: str
    stars: int
    score: Decimal
    reasons: list[str]  # why not one star more, when a condition held it back
    name_key: str = ""  # pinyin sort key of the name


def _band_for(score: EstateScore, bands: list[dict[str, Any]]) -> tuple[int, list[str]]:
    held_back: list[str] = []
    for band in bands:
        if score.score < Decimal(str(band["min_score"])):
            continue
        missing = []
        if band.get("no_open_severe") and score.open_severe:
            missing.append(f"期末有严重问题未整改 {score.open_severe} 项，未评 {band['stars']} 星")
        if "max_overdue_days" in band and score.overdue_days > Decimal(str(band["max_overdue_days"])):
            missing.append(f"整改逾期 {score.overdue_days} 天，未评 {band['stars']} 星")
        if not missing:
            return int(band["stars"]), held_back
        held_back.extend(missing)
    return int(bands[-1]["stars"]), held_back


def star_ratings(session: Session, office_id: uuid.UUID, period: Period,
                 region_code_prefix: str | None = None, *,
                 rule_set: RuleSet | None = None) -> list[StarRating]:
    """Stars of every scored estate, most stars first, then by score, ties in pinyin order of the name."""
    chosen = rule_set or rules_in_force(session, office_id, period)
    if chosen is None:
        return []
    ratings = []
    for score in estate_scores(session, office_id, period, region_code_prefix, rule_set=chosen):
        stars, held_back = _band_for(score, chosen.rules["stars"])
        ratings.append(StarRating(score.estate_id, score.name, score.company_name, stars, score.score,
                                  [f"得分 {score.score}", *held_back], score.name_key))
    return sorted(ratings, key=lambda r: (-r.stars, -r.score, r.name_key))


def star_history(session: Session, office_id: uuid.UUID, period: Period, count: int = 4
                 ) -> list[tuple[Period, dict[uuid.UUID, int]]]:
    """Stars per estate for `period` and the `count - 1` periods before it, newest first."""
    history = []
    for _ in range(count):
        history.append((period, {r.estate_id: r.stars for r in star_ratings(session, office_id, period)}))
        period = period.previous()
    return history
