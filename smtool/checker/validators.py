"""Validators: the closed set of checks a pattern rule may run on each match, by name.

A validator returns None to drop the match, "rule" to report it at the rule's level, or a level
("error", "warning", "suggestion") to report it at that level.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from smtool.checker.context import CheckContext

Verdict = str | None
Validator = Callable[[str, str, CheckContext, Mapping[str, Any]], Verdict]

_WEIGHTS = (1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def lv_personal_code_checksum_ok(digits: str) -> bool:
    """True when the 11th digit is (1101 - sum(d_i * w_i)) mod 11 over the first ten digits."""
    total = sum(int(d) * w for d, w in zip(digits[:10], _WEIGHTS, strict=True))
    return (1101 - total) % 11 == int(digits[10])


def _birth_date_ok(digits: str) -> bool:
    day, month, year, century = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), digits[6]
    if century not in "012":
        return False
    try:
        date(1800 + 100 * int(century) + year, month, day)
    except ValueError:
        return False
    return True


def lv_personal_code(match: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
    """A Latvian personal code: the 32 format or a real birth date with a valid check digit fires at
    the rule's level; a real birth date with a wrong check digit is a warning; anything else is dropped.
    """
    digits = re.sub(r"\D", "", match)
    if len(digits) != 11:
        return None
    if digits.startswith("32"):
        return "rule"
    if not _birth_date_ok(digits):
        return None
    return "rule" if lv_personal_code_checksum_ok(digits) else "warning"


_UNIT_AFTER = re.compile(
    r"\s*(?:eur|euro|eiro|€|\$|gab|km|kg|m2|ha|cilvēk|iedzīvotāj|tūkst|milj|people|residents)",
    re.IGNORECASE,
)


def _digits(value: str) -> str:
    d = re.sub(r"\D", "", value)
    return d[-8:] if d.startswith("371") and len(d) == 11 else d


def phone(match: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
    """A phone number that is not allow-listed; amounts ("26 000 000 eiro") and service numbers
    (80…, 90… in Latvia, or prefixes listed in options.service_prefixes) are dropped.
    """
    digits = _digits(match)
    if _UNIT_AFTER.match(after) or digits.endswith("000"):
        return None
    prefixes = tuple(options.get("service_prefixes", ("80", "90")))
    if len(digits) == 8 and digits.startswith(prefixes):
        return None
    allowed = {_digits(p) for p in ctx.allowed_phones}
    return None if digits in allowed else "rule"


def email(match: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
    """An e-mail address outside the allow-listed domains; role addresses (info@, prese@, options.
    role_local_parts) are not personal data and are dropped.
    """
    local, _, domain = match.lower().rpartition("@")
    if local in {str(p).lower() for p in options.get("role_local_parts", ())}:
        return None
    for entry in ctx.allowed_email_domains:
        allowed = entry.lower().lstrip("@")
        if domain == allowed or domain.endswith("." + allowed):
            return None
    return "rule"


def not_allowed_name(match: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
    """A name that is not among the officials who may be named (config allowed_names)."""
    # Any word shared with an allowed name is enough: inflection and titles ("Ministrs Krišjānis")
    # make whole-name comparison miss.
    allowed = {w[:-2] if len(w) > 5 else w for n in ctx.allowed_names for w in n.casefold().split()}
    for word in match.casefold().replace(".", " ").split():
        if (word[:-2] if len(word) > 5 else word) in allowed:
            return None
    return "rule"


VALIDATORS: dict[str, Validator] = {
    "lv-personal-code": lv_personal_code,
    "phone": phone,
    "email": email,
    "not-allowed-name": not_allowed_name,
}
