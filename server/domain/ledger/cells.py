"""Reading one spreadsheet cell into a domain value, or a short Chinese reason why not.

Cells arrive as openpyxl gives them (str, int, float, datetime, bool, None) or as CSV text;
every function here accepts both, so a ledger reads the same whichever way it was saved.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from server.domain.credit_code import CreditCodeError, validate_credit_code

EXCEL_ERRORS = {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"}
# Excel counts days from 1899-12-30 (its 1900 leap-year bug is before any date we accept).
EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST_DATE = date(1980, 1, 1)


class CellError(ValueError):
    """The cell cannot be used; the message is the reason shown to the operator."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_key(text: str) -> str:
    """The form two names are compared in: full-width folded, no spaces, case-free.

    `阳光花园（一期）` and `阳光花园(一期) ` are the same estate to a person, so to us too.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"\s+", "", folded)


def _check_excel_error(value: Any) -> None:
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise CellError(f"单元格是Excel错误值{value.strip()}")


def text(value: Any, max_length: int) -> str | None:
    """Trimmed text with inner runs of spaces collapsed; numbers are written without '.0'."""
    if is_blank(value):
        return None
    _check_excel_error(value)
    if isinstance(value, bool):
        raise CellError("应为文字，不能是TRUE/FALSE")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    result = re.sub(r"\s+", " ", str(value)).strip()
    if len(result) > max_length:
        raise CellError(f"不能超过{max_length}个字，实际{len(result)}个")
    return result


def _number_text(value: Any, units: tuple[str, ...]) -> str:
    raw = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    for unit in units:
        if raw.endswith(unit):
            return raw[: -len(unit)]
    return raw


def integer(value: Any, lowest: int, highest: int, units: tuple[str, ...] = ()) -> int | None:
    if is_blank(value):
        return None
    _check_excel_error(value)
    if isinstance(value, bool | datetime | date):
        raise CellError("应为整数")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError("应为整数，不能有小数")
        number = int(value)
    else:
        raw = _number_text(value, units)
        if not re.fullmatch(r"[+-]?\d+(\.0*)?", raw):
            raise CellError("应为整数")
        number = int(raw.split(".")[0])
    if number < lowest:
        raise CellError(f"不能小于{lowest}")
    if number > highest:
        raise CellError(f"不能大于{highest}，请核对")
    return number


def decimal(value: Any, lowest: Decimal, highest: Decimal, places: int,
            units: tuple[str, ...] = ()) -> Decimal | None:
    if is_blank(value):
        return None
    _check_excel_error(value)
    if isinstance(value, bool | datetime | date):
        raise CellError("应为数字")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(_number_text(value, units))
    except InvalidOperation:
        raise CellError("应为数字") from None
    if not number.is_finite():
        raise CellError("应为数字")
    if number < lowest:
        raise CellError(f"不能小于{lowest}")
    if number > highest:
        raise CellError(f"不能大于{highest}，请核对")
    return number.quantize(Decimal(1).scaleb(-places))


def real(value: Any, lowest: float, highest: float, label: str) -> float | None:
    """A float in a closed range; `label` names the range in the reason (e.g. 中国境内)."""
    if is_blank(value):
        return None
    _check_excel_error(value)
    if isinstance(value, bool | datetime | date):
        raise CellError("应为数字")
    try:
        number = float(value) if isinstance(value, int | float) else float(_number_text(value, ("°",)))
    except ValueError:
        raise CellError("应为数字") from None
    if not lowest <= number <= highest:
        raise CellError(f"应在{lowest:g}至{highest:g}之间（{label}）")
    return number


_DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def date_value(value: Any, today: date) -> date | None:
    """A calendar date from an Excel date, an Excel day number or year-month-day text."""
    if is_blank(value):
        return None
    _check_excel_error(value)
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, bool):
        raise CellError("应为日期，如2024-03-01")
    elif isinstance(value, int | float):
        # A date cell that lost its date format shows up as Excel's day number.
        if not float(value).is_integer() or value < 0:
            raise CellError("应为日期，如2024-03-01")
        result = _excel_day(int(value))
    else:
        result = _parse_date_text(str(value))
    if result < EARLIEST_DATE:
        raise CellError(f"日期早于{EARLIEST_DATE.year}年，请核对")
    if result > today:
        raise CellError("日期晚于今天")
    return result


def _excel_day(number: int) -> date:
    # 8-digit numbers are dates typed as 20240301 and stored as a number.
    if 19000101 <= number <= 29991231:
        return _parse_date_text(str(number))
    try:
        return EXCEL_EPOCH + timedelta(days=number)
    except OverflowError:
        raise CellError("应为日期，如2024-03-01") from None


def _parse_date_text(raw: str) -> date:
    cleaned = unicodedata.normalize("NFKC", raw).strip()
    cleaned = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", cleaned)  # a time part says nothing here
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                raise CellError(f"日期不存在：{raw.strip()}") from None
    raise CellError("应为日期，如2024-03-01、2024/3/1或2024年3月1日")


def year(value: Any, today: date) -> int | None:
    if is_blank(value):
        return None
    _check_excel_error(value)
    is_date = isinstance(value, datetime | date)
    number = value.year if is_date else integer(value, 0, 10_000, units=("年",))
    if not 1900 <= number <= today.year:
        raise CellError(f"应在1900至{today.year}之间")
    return number


def choice(value: Any, mapping: dict[str, Any], allowed: str) -> Any:
    """One of a closed set of words; `mapping` is keyed by normalise_key of each accepted word."""
    if is_blank(value):
        return None
    _check_excel_error(value)
    found = mapping.get(normalise_key(str(value)))
    if found is None:
        raise CellError(f"应为{allowed}之一")
    return found


def credit_code(value: Any) -> str | None:
    if is_blank(value):
        return None
    _check_excel_error(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel keeps 15 significant digits, so an all-digit code typed into a number cell has
        # already lost its tail: the only fix is to retype it into a text cell.
        raise CellError("被Excel存成了数字，末几位已丢失；请将该列设为文本后重新填写")
    try:
        return validate_credit_code(unicodedata.normalize("NFKC", str(value)).replace(" ", ""))
    except CreditCodeError as exc:
        # The column is already named beside the reason.
        raise CellError(str(exc).removeprefix("统一社会信用代码")) from None


_PHONE_CHARS = re.compile(r"[0-9+\-()（）/、,，;；转 ]+")


def phone(value: Any, max_length: int) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = text(value, max_length)
    digits = sum(ch.isdigit() for ch in result)
    if not _PHONE_CHARS.fullmatch(result) or digits < 7:
        raise CellError("联系电话格式不正确")
    return result
