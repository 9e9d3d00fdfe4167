from decimal import Decimal

import pytest

from shared_schema.scoring import compute_score


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([(5, "pass"), (5, "pass")], Decimal("100.00")),
        ([(5, "pass"), (5, "fail")], Decimal("50.00")),
        ([(5, "pass"), (5, "na")], Decimal("100.00")),
        ([(2, "pass"), (1, "fail")], Decimal("66.67")),
        ([(1, "pass"), (2, "fail")], Decimal("33.33")),
        ([], Decimal("100.00")),
        ([(3, "na")], Decimal("100.00")),
    ],
)
def test_score_counts_passed_points_over_applicable_points(answers, expected):
    assert compute_score(answers)[0] == expected


def test_unknown_result_is_refused():
    with pytest.raises(ValueError):
        compute_score([(1, "maybe")])
