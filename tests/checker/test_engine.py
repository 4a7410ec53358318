"""Behaviour a communicator would notice: what fires, where, and what stays quiet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtool.checker import CheckContext, Engine, RecentPost, Waiver, apply_waivers, blocking, match_hash
from smtool.checker.validators import lv_personal_code_checksum_ok
from tests.checker.test_findings import FINDING_KEYS

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
INST = CheckContext(account_kind="institution", account_id="vk", institution_name="Valsts kanceleja", now=NOW)


def rules(engine: Engine, text: str, ctx: CheckContext = INST) -> set[str]:
    return {f.rule for f in engine.check(text, ctx)}


@pytest.mark.parametrize(
    "text",
    [
        "Uzskatu, ka tas ir pareizi.",
        "Esmu pārsteigts.",
        "Biju Cēsīs.",
        "Apskatīju jauno skolu.",
        "Iekļāvu to plānā.",
        "Nepiekrītu tam.",
        "Rīt runāšu ar ministru.",
        "Priecājos par rezultātu.",
        "Mana komanda strādā.",
        "I'm glad.",
        "This is my view.",
    ],
)
def test_first_person_on_an_institution_account_is_an_error(engine: Engine, text: str) -> None:
    found = [f for f in engine.check(text, INST) if f.rule == "voice.first-person"]
    assert found and found[0].level == "error"


@pytest.mark.parametrize(
    "text",
    [
        "ES atbalsts iedzīvotājiem.",
        "Jūs domājat pareizi.",
        "Viņš domāja citādi.",
        "Mēs domājam par jums.",
        "Ministrs: „Es uzskatu, ka tā ir.”",
        "Darba devēju un pircēju tiesības.",
        "Iedzīvotāju skaits aug.",
        "Sniedzam informāciju par māju.",
        "The man in the photo is our director.",
    ],
)
def test_first_person_stays_quiet_on_eu_quotes_and_other_persons(engine: Engine, text: str) -> None:
    assert "voice.first-person" not in rules(engine, text)


def test_findings_point_into_the_original_text(engine: Engine) -> None:
    text = "Labdien!\nŠodien  apmeklēju skolu."
    f = next(f for f in engine.check(text, INST) if f.rule == "voice.first-person")
    assert text[f.start : f.end] == f.match == "apmeklēju"
    assert (f.line, f.col) == (2, 9)
    assert list(f.to_dict()) == FINDING_KEYS


def test_only_a_substitution_gives_a_replacement_an_editor_may_paste(engine: Engine) -> None:
    swap = next(f for f in engine.check("Lūdzam veikt pārbaudi.", INST) if f.replacement)
    assert swap.rule.startswith("plain-language") and swap.replacement == swap.suggestion
    advice = next(f for f in engine.check("Es domāju, ka tā ir.", INST) if f.suggestion)
    assert advice.rule == "voice.first-person" and advice.replacement is None
    assert "replacement" in advice.to_dict()


def test_messages_in_latvian_and_english(engine: Engine) -> None:
    en = engine.check("Es", INST, lang="en")[0].message
    lv = engine.check("Es", INST, lang="lv")[0].message
    assert "First person" in en and "Pirmā persona" in lv


def test_authorization_depends_on_the_author(engine: Engine) -> None:
    ctx = CheckContext(account_kind="institution", spokespeople=frozenset({"karlis"}), author="anna", now=NOW)
    assert "authorization.not-spokesperson" in rules(engine, "Aicinām pieteikties.", ctx)
    ok = CheckContext(
        account_kind="institution", spokespeople=frozenset({"karlis"}), author="karlis", now=NOW
    )
    assert "authorization.not-spokesperson" not in rules(engine, "Aicinām pieteikties.", ok)


@pytest.mark.parametrize(
    ("code", "ok"), [("120380-12348", True), ("120380-12345", False), ("32123456789", None)]
)
def test_personal_code_check_digit(code: str, ok: bool | None) -> None:
    digits = code.replace("-", "")
    if ok is not None:
        assert lv_personal_code_checksum_ok(digits) is ok


def test_personal_code_levels(engine: Engine) -> None:
    levels = {
        f.match: f.level
        for f in engine.check("A 120380-12348 B 120380-12345 C 321234-56789 D 999999-12345", INST)
        if f.rule == "personal-data.personal-code"
    }
    # A wrong check digit (120380-12345, 321234-56789) is more likely an invoice number: a suggestion.
    assert levels == {"120380-12348": "error", "120380-12345": "suggestion", "321234-56789": "suggestion"}


def test_a_fixed_line_not_allow_listed_is_a_suggestion_and_a_mobile_a_warning(engine: Engine) -> None:
    levels = {
        f.match: f.level
        for f in engine.check("Zvaniet 67120011, +371 67120011 vai 29123456; +44 20 7946 0958.", INST)
        if f.rule == "personal-data.phone"
    }
    # Fixed lines (6...) are offices' hotlines far more often than a person's number.
    assert levels == {
        "67120011": "suggestion",
        "+371 67120011": "suggestion",
        "29123456": "warning",
        "+44 20 7946 0958": "warning",
    }


def test_allow_lists(engine: Engine) -> None:
    ctx = CheckContext(
        allowed_phones=frozenset({"+371 67082800"}), allowed_email_domains=frozenset({"vk.gov.lv"}), now=NOW
    )
    assert not {"personal-data.phone", "personal-data.email"} & rules(
        engine, "Zvaniet 67082800, rakstiet anna@vk.gov.lv.", ctx
    )
    assert {"personal-data.phone", "personal-data.email"} <= rules(
        engine, "Zvaniet 29123456, rakstiet anna@gmail.com.", ctx
    )


def test_x_counts_every_url_as_23(engine: Engine) -> None:
    ctx = CheckContext(platform="x", now=NOW)
    long_url = "https://www.vk.gov.lv/" + "a" * 300
    assert "length.platform-limit" not in rules(
        engine, "Aicinām lasīt jaunos noteikumus par pieteikšanos: " + long_url, ctx
    )
    assert "length.platform-limit" in rules(engine, "Aicinām pieteikties. " * 15, ctx)
    assert "length.platform-limit" not in rules(
        engine, "Aicinām pieteikties. " * 15, CheckContext(platform="facebook", now=NOW)
    )


def test_burst_of_posts_and_near_duplicates(engine: Engine) -> None:
    recent = [RecentPost(NOW - timedelta(minutes=m), "vk", "x") for m in (5, 10, 20, 30, 40)]
    ctx = CheckContext(account_id="vk", recent_posts=recent, now=NOW)
    assert "burst.cadence" in rules(engine, "Aicinām pieteikties.", ctx)
    old = CheckContext(account_id="vk", recent_posts=recent[:2], now=NOW)
    assert "burst.cadence" not in rules(engine, "Aicinām pieteikties.", old)


def test_the_pre_election_period_is_stricter(engine: Engine) -> None:
    text = "Tiekamies ar kandidātu Rīgā."
    assert "political.election-period" not in rules(engine, text)
    period = CheckContext(election_period=(date(2025, 3, 1), date(2025, 10, 3)), now=NOW)
    assert "political.election-period" in rules(engine, text, period)


def test_waivers_cover_one_exact_match_until_it_changes_or_expires(engine: Engine) -> None:
    text = "Šodien apmeklēju skolu."
    findings = engine.check(text, INST)
    target = next(f for f in findings if f.rule == "voice.first-person")
    waiver = Waiver(
        target.rule, match_hash(target, text), "quoted minister", "karlis", NOW + timedelta(days=1)
    )
    waived = engine.check(text, INST, waivers=[waiver])
    assert not blocking(waived)
    assert next(f for f in waived if f.rule == "voice.first-person").waiver_reason == "quoted minister"
    changed = "Šodien apmeklēju Cēsu skolu un runāju ar skolēniem."
    assert blocking(engine.check(changed, INST, waivers=[waiver]))
    expired = apply_waivers(findings, [waiver], NOW + timedelta(days=2), text)
    assert blocking(expired)


def test_a_swap_and_its_waiver_hold_however_the_phrase_is_spaced_or_capitalised(engine: Engine) -> None:
    # Pasted from a word processor: no-break spaces, a line break, capitals; the same two words.
    typed = ["Lūdzam veikt pārbaudi.", "Lūdzam VEIKT\u00a0\n  pārbaudi.", "Veikt\u202fpārbaudi."]
    found = [next(f for f in engine.check(t, INST) if f.rule == "plain-language.officialese") for t in typed]
    assert [f.replacement for f in found] == ["pārbaudīt"] * 3
    assert len({match_hash(f, t) for f, t in zip(found, typed, strict=True)}) == 1


def test_match_hash_is_stable_and_occurrence_sensitive(engine: Engine) -> None:
    text = "Es un vēlreiz es."
    a, b = [f for f in engine.check(text, INST) if f.rule == "voice.first-person"]
    assert match_hash(a, text) == match_hash(a, text)
    assert match_hash(a, text) != match_hash(b, text)


def test_triage_of_incoming_text(engine: Engine) -> None:
    t = engine.triage("Jūs esat zagļi! Mans kods 120380-12348, kad atbildēsiet?")
    assert t.flags.abuse and t.flags.personal_data and t.flags.question and not t.flags.spam
    assert "120380-12348" not in t.redacted and len(t.redacted) == len(
        "Jūs esat zagļi! Mans kods 120380-12348, kad atbildēsiet?"
    )
    assert engine.triage("Nopelni ar crypto! bit.ly/abc").flags.spam
    assert engine.triage("Paldies par informāciju.").flags == type(t.flags)()


TRIAGED = [
    "Jūs esat zagļi! Mans kods 120380-12348, kad atbildēsiet?",
    "Nopelni ar crypto! bit.ly/abc",
    "Paldies par informāciju.",
    "Kad būs pabalsts? Rakstiet uz janis@example.lv",
    "Nopelni ar crypto! bit.ly/abc",
    "",
]


@pytest.mark.parametrize("ctx", [None, INST])
def test_triage_flags_of_a_page_are_each_texts_triage_flags(engine: Engine, ctx: CheckContext | None) -> None:
    # Ingest stores a page at a time through triage_flags: the flags must be triage()'s, in order.
    assert engine.triage_flags(TRIAGED, ctx) == [engine.triage(t, ctx).flags for t in TRIAGED]


@given(st.lists(st.text(max_size=80), max_size=5))
@settings(max_examples=50, deadline=None)
def test_triage_flags_agree_with_triage_for_any_text(engine: Engine, texts: list[str]) -> None:
    assert engine.triage_flags(texts) == [engine.triage(t).flags for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x1b[31m",
        "\ud800\udfff lone",
        "Es" * 10,
        "Mixed Кириллица ąčę Latviešu 漢字 🙂",
        "a\u0301" * 50,
        "\u202eEs uzskatu",
    ],
)
def test_bad_input_never_raises(engine: Engine, text: str) -> None:
    for f in engine.check(text, INST):
        assert 0 <= f.start <= f.end <= len(text)


def test_a_megabyte_of_text_is_checked(engine: Engine) -> None:
    text = ("Aicinām iedzīvotājus pieteikties kursiem līdz 31. martam. " * 18000)[:1_000_000]
    findings = engine.check(text, CheckContext(platform="x", now=NOW))
    assert any(f.rule == "length.platform-limit" for f in findings)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=200))
def test_offsets_always_index_the_original(engine: Engine, text: str) -> None:
    for f in engine.check(text, INST):
        assert 0 <= f.start <= f.end <= len(text)
        assert text[f.start : f.end] == f.match


def test_messages_follow_the_posts_own_language_unless_asked(engine: Engine) -> None:
    lv = engine.check("Es uzskatu, ka tas ir labs lēmums.", INST)
    en = engine.check("I think this is a good decision.", INST)
    assert "Pirmā persona" in next(f.message for f in lv if f.rule == "voice.first-person")
    assert "First person" in next(f.message for f in en if f.rule == "voice.first-person")
    asked = engine.check("Es uzskatu, ka tas ir labs lēmums.", INST, lang="en")
    assert "First person" in next(f.message for f in asked if f.rule == "voice.first-person")


def test_a_post_in_a_language_without_messages_gets_the_institutions(engine: Engine) -> None:
    # Russian and Lithuanian posts have no messages of their own; Latvian staff read the findings.
    found = engine.check("Я считаю, что это правильно. Мой ответ: да!!!", INST)
    assert found and all(
        f.message == g.message
        for f, g in zip(
            found, engine.check("Я считаю, что это правильно. Мой ответ: да!!!", INST, lang="lv"), strict=True
        )
    )
    english_institution = CheckContext(account_kind="institution", languages=("en",), now=NOW)
    found = engine.check("Я считаю, что это правильно!!!", english_institution)
    assert found == engine.check("Я считаю, что это правильно!!!", english_institution, lang="en")
