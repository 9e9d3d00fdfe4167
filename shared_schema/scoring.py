"""The inspection score (量化考核), computed the same way on the tablet and on the server.

Each item carries points. A passed item earns its points, a failed one earns none, and a
not-applicable item leaves the reckoning, so an estate without lifts is not punished for
having no lift records. The score is on a 100-point scale, rounded half-up to 2 decimals.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

PASS, FAIL, NA = "pass", "fail", "na"


def compute_score(answers: Iterable[tuple[int | Decimal, str]]) -> tuple[Decimal, Decimal]:
    """Return (score out of 100, applicable points) for (item points, result) pairs.

    Unanswered items are not passed in: the caller decides whether an inspection is complete.
    With nothing applicable the score is 100 (nothing was found wanting).
    """
    earned = Decimal(0)
    applicable = Decimal(0)
    for points, result in answers:
        value = Decimal(points)
        if result == NA:
            continue
        if result not in (PASS, FAIL):
            raise ValueError(f"unknown answer result {result!r}")
        applicable += value
        if result == PASS:
            earned += value
    if applicable == 0:
        return Decimal("100.00"), applicable
    score = (earned * 100 / applicable).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return score, applicable
