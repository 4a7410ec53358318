"""The morphology rule kind: loading its data, and what voice.first-person says about the classes of
error issue 16 lists (first person missed, nouns flagged), in sentences other than the pack's examples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smtool.checker import CheckContext, Engine, PolicyError, load_pack
from smtool.checker.lexicon import Analysis, lexicon
from tests.checker.test_policies import RULE, _pack

INSTITUTION = CheckContext(account_kind="institution")


def _voice(engine: Engine, text: str) -> list[tuple[str, str]]:
    return [(f.match, f.level) for f in engine.check(text, INSTITUTION) if f.rule == "voice.first-person"]


@pytest.mark.parametrize(
    "extra, message",
    [
        ('reading = "second-person"', r"reading 'second-person' unknown"),
        ('reading = "first-person-singular"\ncontext = [{ next = "@adjective", then = "other" }]', "next"),
        ('reading = "first-person-singular"\ncontext = [{ previous = "@adjective", then = "noun" }]', "then"),
        (
            'reading = "first-person-singular"\ncontext = [{ previous = "nowhere", then = "other" }]',
            "nowhere",
        ),
        ('reading = "first-person-singular"\nunsettled = "loud"', "level 'loud'"),
        (
            'reading = "first-person-singular"\ncontext = [{ also_case = ["lok"], then = "other" }]',
            "also_case",
        ),
    ],
)
def test_a_wrong_morphology_rule_is_refused_at_load(tmp_path: Path, extra: str, message: str) -> None:
    folder = _pack(tmp_path, RULE.format(id="voice.x", kind="morphology", extra=extra))
    with pytest.raises(PolicyError, match=message):
        load_pack(folder)


def test_the_lexicon_reads_person_tense_mood_and_case() -> None:
    lex = lexicon()
    assert Analysis("verb", 1, "sg", "future", "indicative", reflexive=True) in (
        lex.analyses("piedalīšos") or ()
    )
    assert Analysis("verb", 1, "sg", "past", "indicative") in (lex.analyses("redzēju") or ())
    assert {a.case for a in lex.analyses("varu") or () if a.pos == "noun"} == {"acc", "gen"}
    assert lex.analyses("esmu") and lex.is_a("ir", "finite-verb") and lex.is_a("nesaka", "finite-verb")
    assert lex.is_a("politisko", "adjective") and lex.is_a("tiesu", "genitive")


@pytest.mark.parametrize(
    "text, word",
    [
        ("Vakar sveicu kolēģus jubilejā.", "sveicu"),
        ("Rīt aizbraukšu uz Kuldīgu.", "aizbraukšu"),
        ("🎉 Apsveicu visus absolventus!", "Apsveicu"),
        ("- Atklāju jauno sporta zāli.", "Atklāju"),
        ("Ceru, ka tiksimies.", "Ceru"),
        ("Es šo priekšlikumu atbalstu.", "atbalstu"),
        ("Vakar priecājos par skolēnu panākumiem.", "priecājos"),
        ("Šodien devos uz Rēzekni.", "devos"),
    ],
)
def test_first_person_verbs_fire(engine: Engine, text: str, word: str) -> None:
    assert (word, "error") in _voice(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "Lūdzam samaksāt rēķinu līdz 15. datumam.",
        "Valsts atbalstu saņems 400 uzņēmumi.",
        "Izpildvaru un tiesu varu nošķir Satversme.",
        "Pārbaudām uzņēmuma maksātspēju.",
        "Gājēju ietve Liepājas ielā ir slēgta.",
        "Liepāju apmeklēs prezidents.",
        "Sniedzam atbalstu jaunajiem vecākiem.",
    ],
)
def test_nouns_spelt_like_first_person_verbs_stay_quiet(engine: Engine, text: str) -> None:
    assert _voice(engine, text) == []


@pytest.mark.parametrize(
    "text, word, level",
    [
        # The clause has no finite verb: a locative plural is likelier than "I am led", but unsure.
        ("Piešķirti 2 miljoni eiro skolu remontiem novados.", "novados", "suggestion"),
        ("Bezmaksas pusdienas skolēniem novados.", "novados", "suggestion"),
        # An indeclinable attribute the dictionary lacks (lv_supplement.tsv), in a headline or a list.
        ("Papildu brīvdienas 1. klases skolēniem.", "Papildu", "suggestion"),
        ("Ievērojiet norādes, pagaidu luksoforus un zīmes.", "pagaidu", "suggestion"),
        # "es" in the clause settles it as the verb, as does the previous word for the noun.
        ("Es vienmēr vados pēc likuma.", "vados", "error"),
    ],
)
def test_a_locative_or_indeclinable_homograph_without_a_finite_verb_is_a_suggestion(
    engine: Engine, text: str, word: str, level: str
) -> None:
    assert any(a.case in ("loc", "indeclinable") for a in lexicon().analyses(word) or ())
    assert (word, level) in _voice(engine, text)
    assert [w for w, _ in _voice(engine, text) if w != "Es"] == [word]


def test_an_unknown_verb_falls_back_to_the_ending_guess_as_a_warning(engine: Engine) -> None:
    # "čatoju" (I chat) is not in the dictionary; its ending is a first person one.
    assert lexicon().analyses("čatoju") is None
    assert _voice(engine, "Vakar čatoju ar iedzīvotājiem.") == [("čatoju", "warning")]
