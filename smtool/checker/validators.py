"""Validators: the closed set of checks a pattern rule may run on each match, by name.

A validator returns None to drop the match, "rule" to report it at the rule's level, or a level
("error", "warning", "suggestion") to report it at that level.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.lv import pvn

from smtool.checker.context import CheckContext
from smtool.checker.declension import person_forms

Verdict = str | None
# (match, up to 24 characters before it, up to 24 after it, context, the rule's options)
Validator = Callable[[str, str, str, CheckContext, Mapping[str, Any]], Verdict]


def lv_personal_code_checksum_ok(digits: str) -> bool:
    """True when the 11th digit is the personal code's check digit (python-stdnum's stdnum.lv.pvn,
    which validates personal codes, both the birth-date and the 32 format, as Latvian VAT numbers)."""
    return pvn.calc_check_digit_pers(digits[:10]) == digits[10]


def _birth_date_ok(digits: str) -> bool:
    # The 7th digit is the century (0: 1800s, 1: 1900s, 2: 2000s); stdnum accepts any digit there.
    if digits[6] not in "012":
        return False
    try:
        pvn.get_birth_date(digits)
    except ValidationError:
        return False
    return True


# "personas kods 120380-…", "p.k.: …", "kodu …" right before the number: the author calls it a code.
_CODE_LABEL = re.compile(
    r"(?i)(?<!\w)(?:personas\s{1,3}kod\w{0,3}|p\.\s?k\.|kod[asuāi]|personal\s{1,3}code)\s{0,3}[:\-–]?\s{0,3}$"
)


def lv_personal_code(
    match: str, before: str, after: str, ctx: CheckContext, options: Mapping[str, Any]
) -> Verdict:
    """A Latvian personal code: the 32 format or a real birth date with a valid check digit fires at
    the rule's level. With a wrong check digit it is more likely an invoice or case number of the same
    shape: a suggestion, unless the words right before it name it a personal code ("personas kods
    120380-…"). Numbers starting 4-9 (companies) and impossible dates are dropped.
    """
    digits = re.sub(r"\D", "", match)
    if len(digits) != 11 or digits[0] > "3":
        return None
    if not digits.startswith("32") and not _birth_date_ok(digits):
        return None
    if lv_personal_code_checksum_ok(digits):
        return "rule"
    return "rule" if _CODE_LABEL.search(before) else "suggestion"


def iban(match: str, before: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
    """An IBAN with a valid mod-97 check and its country's format (python-stdnum's stdnum.iban).

    Accounts at the banks in options.institution_banks (the State Treasury, TREL, holds every public
    body's accounts) are the institution's own, published for fees: dropped.
    """
    try:
        number = stdnum_iban.validate(match)
    except ValidationError:
        return None
    if number[:2] == "LV" and number[4:8] in {str(b).upper() for b in options.get("institution_banks", ())}:
        return None
    return "rule"


_UNIT_AFTER = re.compile(
    r"\s*(?:eur|euro|eiro|€|\$|gab|km|kg|m2|ha|cilvēk|iedzīvotāj|tūkst|milj|people|residents)",
    re.IGNORECASE,
)


# An ISO date ("2026-12-03") has eight digits starting with 2 and looks like a Latvian mobile number.
_DATE = re.compile(r"(?:19|20)\d\d[-./ ](?:0[1-9]|1[0-2])[-./ ](?:0[1-9]|[12]\d|3[01])")


def _digits(value: str) -> str:
    d = re.sub(r"\D", "", value)
    return d[-8:] if d.startswith("371") and len(d) == 11 else d


def phone(match: str, before: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
    """A phone number that is not allow-listed; amounts ("26 000 000 eiro") and service numbers
    (80…, 90… in Latvia, or prefixes listed in options.service_prefixes) are dropped. A Latvian
    number with a prefix in options.landline_prefixes is a suggestion: fixed lines (6…) are nearly all
    offices', and a post gives another body's hotline far more often than a person's home number,
    while a person is reached on a mobile (2…).
    """
    if _DATE.fullmatch(match):
        return None
    digits = _digits(match)
    if _UNIT_AFTER.match(after) or digits.endswith("000"):
        return None
    prefixes = tuple(options.get("service_prefixes", ("80", "90")))
    if len(digits) == 8 and digits.startswith(prefixes):
        return None
    allowed = {_digits(p) for p in ctx.allowed_phones}
    if digits in allowed:
        return None
    landlines = tuple(options.get("landline_prefixes", ()))
    latvian = not match.startswith("+") or match.startswith("+371")
    if landlines and latvian and len(digits) == 8 and digits.startswith(landlines):
        return "suggestion"
    return "rule"


def email(match: str, before: str, after: str, ctx: CheckContext, options: Mapping[str, Any]) -> Verdict:
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


def not_allowed_name(
    match: str, before: str, after: str, ctx: CheckContext, options: Mapping[str, Any]
) -> Verdict:
    """A name that is not among the officials who may be named (config allowed_names)."""
    # Any word shared with an allowed name, in any case ("Ministru Krišjāni Kariņu"), is enough: titles
    # and a first name or surname alone make whole-name comparison miss.
    allowed = _allowed_forms(ctx.allowed_names)
    for word in match.casefold().replace(".", " ").split():
        if word in allowed:
            return None
    return "rule"


@cache
def _allowed_forms(names: frozenset[str]) -> frozenset[str]:
    return frozenset(form for name in names for form in person_forms(name))


def preceded_by(
    match: str, before: str, after: str, ctx: CheckContext, options: Mapping[str, Any]
) -> Verdict:
    """Kept when the text right before the match ends with options.pattern (case-insensitive), for
    context a pattern would have to try at every position: "Nr. 5" after the name of an act."""
    # The loader compiled options.pattern for RE2 (a policy author's pattern): options["compiled"].
    return "rule" if options["compiled"].search(before) is not None else None


VALIDATORS: dict[str, Validator] = {
    "lv-personal-code": lv_personal_code,
    "iban": iban,
    "phone": phone,
    "email": email,
    "not-allowed-name": not_allowed_name,
    "preceded-by": preceded_by,
}
