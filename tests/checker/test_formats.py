"""Formats the checker recognises through the standards' own libraries and data, tested on cases those
sources provide rather than on sentences written alongside the rules: python-stdnum's numbers, the
Public Suffix List bundled with publicsuffixlist, twitter-text's conformance file and Unicode's emoji
list (from the emoji package)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import emoji
import publicsuffixlist
import pytest
from stdnum import iban as stdnum_iban
from stdnum.lv import pvn

from smtool.checker import CheckContext, Engine
from smtool.checker.rules import x_weighted_length
from smtool.checker.text import Doc, is_domain, quote_spans
from smtool.checker.xlength import MAX_WEIGHTED_LENGTH, weighted_length

INST = CheckContext(account_kind="institution", platform="x")
TWITTER_TEXT = Path(__file__).with_name("data") / "twitter_text_weighted_length.json"


def levels(engine: Engine, text: str, rule: str, ctx: CheckContext = INST) -> list[str]:
    return [f.level for f in engine.check(text, ctx) if f.rule == rule]


# --- personal codes and IBANs (python-stdnum) ------------------------------------------------------------


def _personal_codes(n: int) -> list[str]:
    """Valid codes made by stdnum's own check-digit function: birth dates across three centuries and
    the 32 format."""
    rng = random.Random(16)
    codes = []
    for _ in range(n):
        born = date(1890, 1, 1) + timedelta(days=rng.randrange(365 * 130))
        century = str((born.year - 1800) // 100)
        body = f"{born:%d%m}{born.year % 100:02d}{century}{rng.randrange(1000):03d}"
        codes.append(body + pvn.calc_check_digit_pers(body))
        new = f"32{rng.randrange(10**8):08d}"
        codes.append(new + pvn.calc_check_digit_pers(new))
    return codes


def test_stdnum_personal_codes_are_errors_and_a_wrong_check_digit_a_suggestion(engine: Engine) -> None:
    codes = _personal_codes(100)
    assert all(pvn.is_valid(c) for c in codes)
    for code in codes:
        shown = f"{code[:6]}-{code[6:]}"
        assert levels(engine, f"Iesniedzējs {shown} pieteicās.", "personal-data.personal-code") == ["error"]
        wrong = shown[:-1] + str((int(shown[-1]) + 1) % 10)
        assert not pvn.is_valid(wrong)
        assert levels(engine, f"Rēķins {wrong} apmaksāts.", "personal-data.personal-code") == ["suggestion"]
        # Named a personal code, a typo in it is still one.
        assert levels(engine, f"Personas kods {wrong}.", "personal-data.personal-code") == ["error"]
    print(f"{len(codes)} personal codes and as many wrong check digits")


@pytest.mark.parametrize("number", ["40003521600", "161375-19997", "999999-12345"])
def test_company_numbers_and_impossible_dates_are_not_personal_codes(engine: Engine, number: str) -> None:
    # stdnum's own examples: a company's VAT number and an invalid birth date (month 13).
    assert levels(engine, f"Numurs {number}.", "personal-data.personal-code") == []


def _ibans(n: int) -> list[str]:
    rng = random.Random(97)
    out = []
    for _ in range(n):
        bban = rng.choice(["HABA", "UNLA", "PARX", "RIKO"]) + f"{rng.randrange(10**13):013d}"
        out.append("LV" + stdnum_iban.calc_check_digits("LV00" + bban) + bban)
    return out


def test_ibans_with_a_valid_mod_97_check_are_found_and_others_are_not(engine: Engine) -> None:
    # stdnum's documented examples of other countries, and Latvian ones with stdnum's check digits.
    numbers = ["GR16 0110 1050 0000 1054 7023 795", "BE31435411161155", *_ibans(50)]
    for number in numbers:
        assert stdnum_iban.is_valid(number)
        assert levels(engine, f"Ziedojumiem: {number}", "personal-data.iban") == ["warning"]
        compact = stdnum_iban.compact(number)
        wrong = compact[:-1] + str((int(compact[-1]) + 1) % 10)
        assert levels(engine, f"Ziedojumiem: {wrong}", "personal-data.iban") == []
    print(f"{len(numbers)} IBANs")


def test_state_treasury_accounts_are_the_institution_s_own(engine: Engine) -> None:
    bban = "TREL" + "2190458019000"
    number = "LV" + stdnum_iban.calc_check_digits("LV00" + bban) + bban
    assert levels(engine, f"Nodevu maksājiet uz kontu {number}.", "personal-data.iban") == []


def test_no_date_of_a_year_is_a_phone_number(engine: Engine) -> None:
    day = date(2026, 1, 1)
    texts = 0
    while day.year == 2026:
        for shown in (day.isoformat(), f"{day.day}.{day.month}.{day.year}.", f"{day:%d.%m.%Y}."):
            assert levels(engine, f"Termiņš: {shown} plkst. 12.00", "personal-data.phone") == []
            texts += 1
        day += timedelta(days=1)
    assert levels(engine, "Zvaniet Annai 29123456.", "personal-data.phone") == ["warning"]
    print(f"{texts} dates")


# --- links without a scheme (Public Suffix List) ---------------------------------------------------------


def _icann_suffixes() -> list[str]:
    """The ICANN section of the list the package bundles (the one the checker reads)."""
    data = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat").read_text(encoding="utf-8")
    icann = data.split("===END ICANN DOMAINS===")[0]
    return [
        line
        for line in icann.splitlines()
        if line and not line.startswith(("//", "*", "!")) and line.isascii() and line.islower()
    ]


def test_a_name_under_any_public_suffix_is_a_link() -> None:
    suffixes = _icann_suffixes()
    sample = suffixes[::25]
    for suffix in sample:
        assert is_domain(f"example.{suffix}/path"), suffix
        doc = Doc(f"Skatiet example.{suffix}/path")
        assert [doc.text[s:e] for s, e in doc.masks["url"]] == [f"example.{suffix}/path"]
    print(f"{len(sample)} of {len(suffixes)} ICANN suffixes")


@pytest.mark.parametrize("word", ["nolikums.pdf", "tabula.xlsx", "foto.jpg", "dati.csv", "v1.2", "3.5"])
def test_file_names_and_numbers_are_not_links(word: str) -> None:
    assert Doc(f"Pielikumā {word} un vēl teksts").masks["url"] == []


@pytest.mark.parametrize("post", ["bit.ly/3xYzAbc", "ej.uz/pieteikums", "example.gov.lv/lv/jaunumi"])
def test_a_post_of_one_link_without_a_scheme_is_a_bare_link(engine: Engine, post: str) -> None:
    assert levels(engine, post, "bare-link.no-commentary") == ["warning"]


def test_abbreviations_are_not_links() -> None:
    assert Doc("Dalībnieki, t.sk. skolēni, piedalās.").masks["url"] == []


# --- X's weighted length (twitter-text v3) ---------------------------------------------------------------


def _conformance() -> list[dict[str, object]]:
    return list(json.loads(TWITTER_TEXT.read_text(encoding="utf-8"))["cases"])


@pytest.mark.parametrize("case", _conformance(), ids=lambda c: str(c["description"])[:60])
def test_twitter_text_conformance_weighted_length(case: dict[str, object]) -> None:
    assert x_weighted_length(Doc(str(case["text"]))) == case["weightedLength"]


def test_every_emoji_in_unicode_s_list_weighs_two() -> None:
    heavy = [e for e in emoji.EMOJI_DATA if weighted_length(e, ()) != 2]
    assert heavy == []
    print(f"{len(emoji.EMOJI_DATA)} emoji and emoji sequences")


def test_a_post_within_x_s_limit_is_not_too_long(engine: Engine) -> None:
    flag = "🇱🇻"
    family = "👨\u200d👩\u200d👧\u200d👦"
    text = "Svētku sveicieni! " + (flag + family) * 65  # 18 + 65 * 4 = 278 weighted, 18 + 65 * 13 code points
    assert x_weighted_length(Doc(text)) == 278 <= MAX_WEIGHTED_LENGTH
    assert levels(engine, text, "length.platform-limit") == []
    assert levels(engine, text + flag, "length.platform-limit") == []  # 280: the limit itself
    assert levels(engine, text + flag * 2, "length.platform-limit") == ["error"]


# --- quotes ----------------------------------------------------------------------------------------------

QUOTED = [
    "“Es uzskatu, ka tas ir pareizi.”",
    "„Es uzskatu, ka tas ir pareizi.”",
    "„Es uzskatu, ka tas ir pareizi.“",
    "«Es uzskatu, ka tas ir pareizi.»",
    "‘Es uzskatu, ka tas ir pareizi.’",
    "‚Es uzskatu, ka tas ir pareizi.‘",
    '"Es uzskatu, ka tas ir pareizi."',
]


@pytest.mark.parametrize("quoted", QUOTED)
def test_every_quote_pair_is_quoted_speech(engine: Engine, quoted: str) -> None:
    text = f"Ministre Ilze Bērziņa sacīja: {quoted} Aicinām pieteikties."
    assert [text[s:e] for s, e in quote_spans(text)] == [quoted]
    assert levels(engine, text, "voice.first-person") == []
    assert levels(engine, quoted.strip('“”„«»‘’‚"'), "voice.first-person") != []


@pytest.mark.parametrize(
    "speaker",
    ["Ministrs", "Ministre Ilze Bērziņa", "Veselības ministre I. Bērziņa", "Jānis Ozols", "The Minister"],
)
def test_a_speaker_s_colon_opens_quoted_speech(engine: Engine, speaker: str) -> None:
    assert levels(engine, f"{speaker}: es esmu gandarīts par paveikto.", "voice.first-person") == []


def test_an_apostrophe_does_not_close_a_single_quote() -> None:
    text = "She said ‘I don’t know’ and left."
    assert [text[s:e] for s, e in quote_spans(text)] == ["‘I don’t know’"]


def test_a_label_with_a_colon_is_not_a_speaker(engine: Engine) -> None:
    assert levels(engine, "Svarīgi: esmu pārliecināts, ka izdosies.", "voice.first-person") != []
