"""The ground rules every later feature relies on."""

import pytest

from server.domain.checklists import (
    TemplateFrozenError,
    copy_template_as_new_version,
    publish_template,
)
from server.domain.credit_code import CreditCodeError, make_credit_code, validate_credit_code
from server.domain.models import TemplateStatus
from server.extensions import db


def test_every_synced_row_gets_a_rising_change_number(make):
    office = make.office()
    tree = make.region_tree(office)
    estate = make.estate(tree["community"])
    db.session.commit()
    assert 0 < tree["city"].server_seq < tree["community"].server_seq < estate.server_seq
    before = estate.server_seq
    estate.households = 999
    db.session.commit()
    assert estate.server_seq > before


def test_published_template_cannot_be_edited_but_can_be_copied(make):
    office = make.office()
    draft = make.template(office, published=False)
    publish_template(draft)
    db.session.commit()
    draft.items[0].points = 99
    with pytest.raises(TemplateFrozenError):
        db.session.commit()
    db.session.rollback()
    copy = copy_template_as_new_version(draft)
    copy.items[0].points = 99
    db.session.commit()
    assert (copy.version, copy.status, copy.items[0].points) == (2, TemplateStatus.DRAFT, 99)
    assert draft.items[0].points == 5


def test_published_template_refuses_new_items(make):
    office = make.office()
    tpl = make.template(office)
    db.session.commit()
    from server.domain.models import ChecklistItem, Severity

    tpl.sections[0].items.append(ChecklistItem(
        position=9, code="9", text="新增", category="其他", points=1,
        default_severity=Severity.MINOR, rectification_days=3))
    with pytest.raises(TemplateFrozenError):
        db.session.commit()


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        (make_credit_code("91", "320505", "MA1MXY312"), True),
        ("91320505MA1MXY312A", None),  # check character recomputed below
        ("91320505MA1MXYZ1", False),  # too short
        ("91320505MA1MXY312I", False),  # I is never used
    ],
)
def test_credit_code_check_character(code, ok):
    if ok is None:
        good = make_credit_code("91", "320505", "MA1MXY312")
        wrong = good[:17] + ("0" if good[17] != "0" else "1")
        with pytest.raises(CreditCodeError, match="校验位"):
            validate_credit_code(wrong)
    elif ok:
        assert validate_credit_code(code.lower()) == code
    else:
        with pytest.raises(CreditCodeError):
            validate_credit_code(code)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_widely_published_sample_codes_validate(code):
    assert validate_credit_code(code) == code
