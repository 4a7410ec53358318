"""Tests generated from the lexicon, not written alongside the rule.

Every spelling the dictionary (hunspell-lv, expanded by smtool/checker/lexicon/build.py) gives as a
first person singular verb form, in every paradigm, tense, mood and with the negative prefix, is put
in a sentence frame and must fire voice.first-person; every such spelling that can also be something
other than a verb (a noun, an adjective) is put in a noun frame and must stay quiet, and in two verb
contexts (with "es", as the clause's only verb) must fire. `pytest -s` prints how many were covered.
"""

from __future__ import annotations

from smtool.checker import CheckContext, Engine
from smtool.checker.lexicon import lexicon
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
            if any(a.pos != "verb" for a in readings):
                homographs.append(form)
    return verbs, homographs


def test_every_first_person_singular_form_fires_in_a_verb_frame(engine: Engine) -> None:
    rule = engine.rule(RULE)
    verbs, _ = _first_person_forms()
    missed = [f for f in verbs if not _fires(rule, VERB_FRAME.format(f), f)]
    print(f"\n{len(verbs):,} first person singular forms in a verb frame; {len(missed)} missed")
    assert len(verbs) >= 100_000
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
    frames = ("Es arī {} to.", "{}, ka tas ir labi.")
    missed = [(frame, f) for f in homographs for frame in frames if not _fires(rule, frame.format(f), f)]
    print(f"\n{len(homographs) * len(frames):,} homographs in verb contexts; {len(missed)} missed")
    assert not missed[:20]
