"""Every case of a Latvian name written in the nominative.

Policies and config.toml name parties, institutions and people in the nominative ("Nacionālā
apvienība", "Ilze Bērziņa"); posts use every case ("Nacionālajai apvienībai", "Ilzi Bērziņu").
Nouns decline by the paradigm the lexicon learnt for their ending (`lexicon.nouns`), so a surname
the dictionary lacks declines like the nouns that end as it does. Adjectives agree with their noun;
their endings are the closed set Latvian grammar gives (indefinite and definite, two genders, two
numbers), written out below rather than learnt, since the dictionary does not tag adjectives' cases.

Two ways to decline:
- a person's name (`person_forms`): every word is a noun of its own ("Ilze Bērziņa": both decline);
- an organisation's name (`phrase_forms`): only the head noun (the last word that declines as a
  noun) and the adjectives right before it that agree with it decline; genitives and the rest stay
  ("Zaļo un Zemnieku savienība" -> "Zaļo un Zemnieku savienībai"; "Latvija pirmajā vietā" ->
  "Latvijai pirmajā vietā").
"""

from __future__ import annotations

import re
from functools import cache

from smtool.checker.lexicon import lexicon, nouns
from smtool.checker.lexicon.nouns import Paradigm

# Adjective endings by (definite, gender, number), for each tag of lexicon.nouns.CASE_TAGS.
_ADJECTIVE: dict[tuple[bool, str, str], dict[str, str]] = {
    (True, "m", "v"): {"vn": "ais", "vg": "ā", "vd": "ajam", "va": "o", "vi": "o", "vl": "ajā", "vv": "ais"},
    (True, "f", "v"): {"vn": "ā", "vg": "ās", "vd": "ajai", "va": "o", "vi": "o", "vl": "ajā", "vv": "ā"},
    (True, "m", "d"): {"dn": "ie", "dg": "o", "dd": "ajiem", "da": "os", "di": "ajiem", "dl": "ajos"},
    (True, "f", "d"): {"dn": "ās", "dg": "o", "dd": "ajām", "da": "ās", "di": "ajām", "dl": "ajās"},
    (False, "m", "v"): {"vn": "s", "vg": "a", "vd": "am", "va": "u", "vi": "u", "vl": "ā"},
    (False, "f", "v"): {"vn": "a", "vg": "as", "vd": "ai", "va": "u", "vi": "u", "vl": "ā"},
    (False, "m", "d"): {"dn": "i", "dg": "u", "dd": "iem", "da": "us", "di": "iem", "dl": "os"},
    (False, "f", "d"): {"dn": "as", "dg": "u", "dd": "ām", "da": "as", "di": "ām", "dl": "ās"},
}  # fmt: skip
_DEFINITE_ALONE = {"ais": ("m", "v"), "ie": ("m", "d"), "ās": ("f", "d"), "ā": ("f", "v")}
"""A definite adjective used as a noun ("Progresīvie"): its ending says gender and number."""
# An indefinite masculine adjective ends in -s after a consonant, or -š ("zaļš"); "-as", "-is", "-us"
# are nouns' endings.
_INDEFINITE_MASCULINE = re.compile(r"(?:[^aeiouāēīū]s|š)$")
_WORD = re.compile(r"\S+")


def _cased(model: str, word: str) -> str:
    """`word` (lower case) capitalised as `model` is: "BĒRZIŅA", "Bērziņa" or "bērziņa"."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def noun_forms(word: str, paradigm: Paradigm) -> dict[str, str]:
    """The word's forms by tag ("vg": genitive singular), capitalised as the word is."""
    folded = word.casefold()
    out: dict[str, str] = {}
    for tag, strip, add in paradigm:
        if folded.endswith(strip):
            out[tag] = _cased(word, folded[: len(folded) - len(strip)] + add)
    return out


def _gender(paradigm: Paradigm) -> str:
    # Masculine datives end in -m (-am, -im, -um, -iem); feminine ones in -i (-ai, -ei, -ij) or -ām.
    for tag, _, add in paradigm:
        if tag in ("vd", "dd"):
            return "m" if add.endswith("m") and not add.endswith(("ām", "ēm", "īm")) else "f"
    return "m"


def _number(paradigm: Paradigm) -> str:
    return "v" if any(tag == "vn" for tag, _, _ in paradigm) else "d"


def _adjective_stem(word: str, gender: str, number: str) -> tuple[str, bool] | None:
    """The stem of an adjective in the nominative agreeing with (gender, number), and whether it is
    definite; None when the word is not such an adjective (or is a noun's genitive: "Saskaņas")."""
    folded = word.casefold()
    if lexicon().is_a(folded, "genitive"):
        return None
    for definite in (True, False):
        ending = _ADJECTIVE[(definite, gender, number)][number + "n"]
        if not definite and (gender, number) == ("m", "v"):
            if not _INDEFINITE_MASCULINE.search(folded):
                continue
            ending = folded[-1]  # -s or -š
        if folded.endswith(ending) and len(folded) > len(ending) + 1:
            return folded[: len(folded) - len(ending)], definite
    return None


def _adjective_forms(word: str, stem: str, definite: bool, gender: str, number: str) -> dict[str, str]:
    forms = {tag: _cased(word, stem + end) for tag, end in _ADJECTIVE[(definite, gender, number)].items()}
    forms[number + "n"] = word  # "zaļš", not the table's "-s"
    return forms


@cache
def phrase_forms(phrase: str) -> tuple[str, ...]:
    """The phrase in every case the lexicon can give its head noun (the phrase itself first)."""
    words = _WORD.findall(phrase)
    if not words:
        return ()
    table = nouns()
    head = None
    for i in range(len(words) - 1, -1, -1):
        paradigm = table.paradigm(words[i])
        if paradigm is not None and not words[i].casefold().endswith(("ais", "ie")):
            head = i
            break
    variants: list[dict[str, str]] = [{} for _ in words]
    if head is None:
        # No noun: a definite adjective standing for one ("Progresīvie").
        last = words[-1].casefold()
        ending = next((e for e in sorted(_DEFINITE_ALONE, key=len, reverse=True) if last.endswith(e)), None)
        if ending is None or len(last) <= len(ending) + 1:
            return (phrase,)
        gender, number = _DEFINITE_ALONE[ending]
        variants[-1] = _adjective_forms(words[-1], last[: -len(ending)], True, gender, number)
        start = len(words) - 1
    else:
        paradigm = table.paradigm(words[head]) or ()
        gender, number = _gender(paradigm), _number(paradigm)
        variants[head] = noun_forms(words[head], paradigm)
        start = head
        while start > 0:
            found = _adjective_stem(words[start - 1], gender, number)
            if found is None:
                break
            start -= 1
            variants[start] = _adjective_forms(words[start], found[0], found[1], gender, number)
    # The head's own number only, and no vocative: a post does not address a party.
    last = variants[head if head is not None else len(words) - 1]
    tags = [t for t in last if t[0] == number and t[1] != "v"]
    out = [phrase]
    for tag in tags:
        form = " ".join(
            v.get(tag, w) if i >= start else w for i, (w, v) in enumerate(zip(words, variants, strict=True))
        )
        if form not in out:
            out.append(form)
    return tuple(out)


@cache
def person_forms(name: str) -> frozenset[str]:
    """Every case-folded form of every word of a person's name ("Ilze Bērziņa" -> ilze, ilzes, ilzei,
    ilzi, ilzē, bērziņa, bērziņas, ...): names decline word by word."""
    table = nouns()
    out: set[str] = set()
    for word in _WORD.findall(name):
        out.add(word.casefold())
        paradigm = table.paradigm(word)
        if paradigm is not None:
            out.update(f.casefold() for tag, f in noun_forms(word, paradigm).items() if tag[0] == "v")
    return frozenset(out)
