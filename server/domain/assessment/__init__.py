"""量化考核 Quantitative assessment: scoring rules per office, estate and company scores, credit,
grades, red and black lists and star ratings (docs/assessment.md)."""

from server.domain.assessment.lists import ListRow, RedBlackLists, red_black_lists
from server.domain.assessment.rules import RulesError, rules_in_force
from server.domain.assessment.scoring import (
    CompanyScore,
    EstateScore,
    ScoreRow,
    company_scores,
    estate_scores,
)
from server.domain.assessment.stars import StarRating, star_history, star_ratings

__all__ = [
    "CompanyScore",
    "EstateScore",
    "ListRow",
    "RedBlackLists",
    "RulesError",
    "ScoreRow",
    "StarRating",
    "company_scores",
    "estate_scores",
    "red_black_lists",
    "rules_in_force",
    "star_history",
    "star_ratings",
]
