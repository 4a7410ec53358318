"""Names written in the nominative match in every case: parties in policies, officials in config."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtool.checker import CheckContext, Engine, PolicyError, load_pack
from smtool.checker.declension import person_forms, phrase_forms
from tests.checker.test_policies import RULE, _pack

INSTITUTION = CheckContext(account_kind="institution")


@pytest.mark.parametrize(
    "name, forms",
    [
        # An adjective agreeing with its noun declines with it (definite, feminine).
        ("Nacionālā apvienība", ["Nacionālās apvienības", "Nacionālajai apvienībai", "Nacionālo apvienību"]),
        # Definite masculine; a noun of the first declension.
        ("Apvienotais saraksts", ["Apvienotā saraksta", "Apvienotajam sarakstam", "Apvienotajā sarakstā"]),
        # Genitives before the head stay as they are.
        ("Zaļo un Zemnieku savienība", ["Zaļo un Zemnieku savienībai", "Zaļo un Zemnieku savienību"]),
        ("Saskaņas Centrs", ["Saskaņas Centram", "Saskaņas Centrā"]),
        # The head is the noun, not what follows it.
        ("Latvija pirmajā vietā", ["Latvijas pirmajā vietā", "Latvijai pirmajā vietā"]),
        # A definite adjective standing for a noun (plural).
        ("Progresīvie", ["Progresīvo", "Progresīvajiem", "Progresīvos"]),
        # Indefinite masculine in -š.
        ("Zaļš saraksts", ["Zaļa saraksta", "Zaļam sarakstam"]),
    ],
)
def test_an_organisation_declines_its_head_and_agreeing_adjectives(name: str, forms: list[str]) -> None:
    declined = phrase_forms(name)
    assert declined[0] == name
    for form in forms:
        assert form in declined


def test_a_genitive_before_the_head_is_not_taken_for_an_adjective() -> None:
    # "novada" ends like a feminine adjective but is a noun's genitive: it never changes.
    assert all(f.startswith("Jelgavas novada ") for f in phrase_forms("Jelgavas novada pašvaldība"))


def test_a_persons_name_declines_word_by_word_including_names_the_dictionary_lacks() -> None:
    forms = person_forms("Ilze Bērziņa")
    assert {"ilzi", "ilzei", "ilzes", "bērziņu", "bērziņai", "bērziņas"} <= forms
    assert {"krišjāņa", "krišjānim", "kariņam", "kariņu"} <= person_forms("Krišjānis Kariņš")


def test_a_name_in_any_case_is_an_allowed_official(engine: Engine) -> None:
    text = "Ministrei Ilzei Ozolai diagnosticēts insults."
    allowed = CheckContext(account_kind="institution", allowed_names=frozenset({"Ilze Ozola"}))
    hits = [f.rule for f in engine.check(text, allowed)]
    assert "personal-data.special-category" not in hits
    assert "personal-data.special-category" in [f.rule for f in engine.check(text, INSTITUTION)]


@pytest.mark.parametrize(
    "text",
    [
        "Paldies Nacionālajai apvienībai par atbalstu!",
        "Aicinām atbalstīt Jauno Vienotību.",
        "Progresīvajiem ir laba programma.",
        "Tikšanās ar Zaļo un Zemnieku savienību.",
    ],
)
def test_a_party_in_any_case_is_partisan(engine: Engine, text: str) -> None:
    assert "political.partisan" in [f.rule for f in engine.check(text, INSTITUTION)]


def test_a_capitalised_name_does_not_match_the_common_word(engine: Engine) -> None:
    text = "Ieviešam progresīvos risinājumus un jaunu vienotību pakalpojumos."
    assert "political.partisan" not in [f.rule for f in engine.check(text, INSTITUTION)]


def test_names_in_a_pack_are_declined_at_load(tmp_path: Path) -> None:
    folder = _pack(
        tmp_path, RULE.format(id="x.names", kind="existence", extra='names.lv = ["Jūrmalas dome"]')
    )
    engine = Engine([load_pack(folder)])
    found = engine.check("Iesniegums Jūrmalas domei.", CheckContext(account_kind="personal"))
    assert [f.match for f in found] == ["Jūrmalas domei"]


@pytest.mark.parametrize(
    "text",
    [
        "Manuprāt, Valsts ieņēmumu dienestam jāmaina kārtība.",
        "Manuprāt, Valsts ieņēmumu dienesta darbinieki strādā lēni.",
    ],
)
def test_the_institution_is_named_in_any_case(engine: Engine, text: str) -> None:
    ctx = CheckContext(account_kind="personal", institution_name="Valsts ieņēmumu dienests")
    assert "voice.no-disclaimer" in [f.rule for f in engine.check(text, ctx)]
    unrelated = CheckContext(account_kind="personal", institution_name="Valsts kase")
    assert "voice.no-disclaimer" not in [f.rule for f in engine.check(text, unrelated)]


def test_a_word_class_the_lexicon_lacks_is_refused_at_load(tmp_path: Path) -> None:
    extra = 'tokens.lv = ["balso*"]\nword_class = "imperative"'
    folder = _pack(tmp_path, RULE.format(id="x.class", kind="existence", extra=extra))
    with pytest.raises(PolicyError, match="word_class must be one of"):
        load_pack(folder)


@pytest.mark.parametrize(
    "text",
    [
        "Ilzi Bērziņu hospitalizēja pēc insulta.",  # accusative
        "Jānim Ozolam diagnosticēts diabēts.",  # dative, second and first declension
        "Diagnoze Ilzei Bērziņai apstiprināta.",  # a capitalised trigger right before the name
    ],
)
def test_a_named_person_in_any_case_with_health_details_is_special_category(
    engine: Engine, text: str
) -> None:
    assert "personal-data.special-category" in [f.rule for f in engine.check(text, INSTITUTION)]
