"""The 18-character unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

# Letters I, O, S, V and Z are never used, so they cannot be mistaken for digits.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(ValueError):
    """The code is malformed; the message says why in a short sentence."""


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Return the normalised code, or raise CreditCodeError with the reason."""
    code = (raw or "").strip().upper()
    if len(code) != 18:
        raise CreditCodeError(f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        raise CreditCodeError(f"统一社会信用代码含非法字符：{''.join(sorted(set(bad)))}")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"统一社会信用代码校验位错误：应为{expected}，实际为{code[17]}")
    return code


def make_credit_code(registration_body: str, region_code: str, body: str) -> str:
    """Build a valid code from its parts (used by the demo city and tests)."""
    first17 = f"{registration_body}{region_code}{body}"
    if len(first17) != 17:
        raise CreditCodeError("the parts of a credit code must add up to 17 characters")
    return first17 + check_character(first17)
