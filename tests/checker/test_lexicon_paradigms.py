"""Tests generated from the lexicon, not written alongside the rule.

Every spelling the dictionary (hunspell-lv, expanded by smtool/checker/lexicon/build.py) gives as a
first person singular verb form, in every paradigm, tense, mood and with the negative prefix, is put
in a sentence frame and must fire voice.first-person; every such spelling that can also be something
other than a verb (a noun, an adjective) is put in a noun frame and must stay quiet, and in two verb
contexts (with "es", as the clause's only verb) must fire. `pytest -s` prints how many were covered.
"""

from __future__ import annotations

from smtool.checker import CheckContext, Engine
from smtool.checker.lexicon import FIRST_PERSON_ENDINGS, lexicon
from smtool.checker.morphology import MorphologyRule
from smtool.checker.rules import Rule
from smtool.checker.text import Doc

RULE = "voice.first-person"
VERB_FRAME = "Šodien {} to ar prieku."  # "ar" (with) is also a verb form: it must not count
# A preposition before it and a finite verb of another person in the clause: a noun by both rules.
NOUN_FRAME = "Sniedzam informāciju par {} un tā nozīmi."
INSTITUTION = CheckContext(account_kind="institution")


def _fires(rule: Rule, text: str, word: str) -> bool:
    doc = Doc(text)
    start = text.index(word)
    return any(raw.start == start for raw in rule.run(doc, INSTITUTION))


def _listed(rule: Rule, word: str) -> bool:
    assert isinstance(rule, MorphologyRule)
    return any(m.find(Doc(word), INSTITUTION) for m in rule.matchers)


def _first_person_forms() -> tuple[list[str], list[str]]:
    """Every 1sg spelling, and those of them that can also be something other than a verb."""
    lex = lexicon()
    verbs: list[str] = []
    homographs: list[str] = []
    for form in sorted(lex.forms):
        readings = lex.analyses(form) or ()
        if any(a.first_person_singular for a in readings):
            verbs.append(form)
            # Also another word ("uzskatu": views) or another person's verb ("ceļos": will travel).
            if any(a.pos != "verb" or a.person not in (0, 1) for a in readings):
                homographs.append(form)
    return verbs, homographs


def test_every_first_person_singular_form_fires_in_a_verb_frame(engine: Engine) -> None:
    rule = engine.rule(RULE)
    verbs, homographs = _first_person_forms()
    plain = sorted(set(verbs) - set(homographs))  # homographs: the context tests below
    missed = [f for f in plain if not _fires(rule, VERB_FRAME.format(f), f)]
    print(f"\n{len(plain):,} first person singular forms in a verb frame; {len(missed)} missed")
    assert len(verbs) >= 100_000
    assert all(f.endswith(FIRST_PERSON_ENDINGS) for f in verbs)  # the checker looks up only these
    assert not missed[:20]


def test_every_noun_or_adjective_homograph_is_quiet_in_a_noun_frame(engine: Engine) -> None:
    rule = engine.rule(RULE)
    _, homographs = _first_person_forms()
    # Possessives in the rule's word list ("manu": my, or I inherit) fire as words, whatever they are.
    listed = {f for f in homographs if _listed(rule, f)}
    flagged = [f for f in homographs if f not in listed and _fires(rule, NOUN_FRAME.format(f), f)]
    print(f"\n{len(homographs):,} homographs in a noun frame; {len(flagged)} flagged")
    assert len(homographs) >= 500
    assert listed == {"manu", "manos"}
    assert not flagged[:20]


def test_the_same_homographs_fire_as_the_clause_verb(engine: Engine) -> None:
    # "Es" in the clause or no other finite verb: the context rules read the verb.
    rule = engine.rule(RULE)
    _, homographs = _first_person_forms()
    lex = lexicon()
    cases = [("Es arī {} to.", f) for f in homographs]
    # As the clause's only verb, when the spelling is not also another person's verb.
    cases += [
        ("{}, ka tas ir labi.", f)
        for f in homographs
        if all(a.person in (0, 1) for a in lex.analyses(f) or ())
    ]
    missed = [(frame, f) for frame, f in cases if not _fires(rule, frame.format(f), f)]
    print(f"\n{len(cases):,} homographs in verb contexts; {len(missed)} missed")
    assert not missed[:20]
