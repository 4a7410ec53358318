"""Generate the checker's Latvian word-form table from the Hunspell dictionary (hunspell-lv).

    python -m smtool.checker.lexicon.build /usr/share/hunspell/lv_LV.dic /usr/share/hunspell/lv_LV.aff

The dictionary lists about 66,000 stems; its affix rules make about 7 million forms, too many to load
on every start. The table keeps what the voice rules ask about (see `smtool.checker.lexicon`):

- every spelling that can be a first person singular verb, with every other analysis it can have;
- every spelling with an ending the old suffix guess fired on (-āju, -inu, -īšu ...), so a known noun
  such as "iedzīvotāju" is known and only a word the dictionary lacks falls back to the guess;
and, as sets of 32-bit hashes (membership without the spellings), every finite verb form (for "the
clause's only finite verb"), every second person plural imperative, every adjective or participle
form and every genitive. The output is deterministic:
the same dictionary gives the same bytes, which a test checks.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path

from smtool.checker.lexicon import (
    CLASSES,
    CLASSES_FILE,
    FORMS_FILE,
    GUESS_ENDINGS,
    HERE,
    form_hash,
)
from smtool.checker.lexicon.hunspell import AffixFile, expand, read_aff, read_dic
from smtool.checker.lexicon.nouns import NOUNS_FILE, Paradigm, compress, paradigm_of, table_lines

# The part of speech from the .dic's "po:" field (Latvian grammar terms, cut to their stem).
_POS = {
    "lietv": "n", "liet": "n", "darbv": "v", "darb": "v", "īpv": "a", "apstv": "r", "vietnv": "p",
    "skv": "m", "saiklis": "c", "izs": "i", "abrev": "x", "vientv": "x",
}  # fmt: skip
# "būt" (to be) is irregular and the dictionary leaves most of it out; its paradigm is closed.
_BUT = {
    "esmu": "v1vtt0", "esi": "v2vtt0", "ir": "v3xtt0", "esam": "v1dtt0", "esat": "v2dtt0",
    "nav": "v3xtt0", "biju": "v1vpt0", "biji": "v2vpt0", "bija": "v3xpt0", "bijām": "v1dpt0",
    "bijāt": "v2dpt0", "būšu": "v1vnt0", "būsi": "v2vnt0", "būs": "v3xnt0", "būsim": "v1dnt0",
    "būsiet": "v2dnt0", "būsit": "v2dnt0", "būtu": "v0xttl",
}  # fmt: skip
_VERB_TAG = re.compile(r"^[0-3][vdx][ptn][ta][0pval]$")


def analysis_code(morph: tuple[str, ...]) -> str:
    """The table's code for one analysis: a part-of-speech letter and the "is:" tag, if any.

    Tags come from the affix file: a finite verb "1vtt0" is person, number (v singular, d plural, x
    either), tense (p past, t present, n future), t plain or a reflexive, and mood (0 indicative,
    p imperative, v debitive, a relative, l conditional); a nominal "vpa" is number, paradigm and case
    (n g d a i l v). A verb's form with a nominal tag is a noun made from it ("varēšanu").
    """
    pos = "x"
    tag = ""
    reflexive = False
    added = ""
    for field in morph:
        if field.startswith("po:"):
            pos = _POS.get(re.sub(r"\d.*$", "", field[3:]), "x")
            reflexive = pos == "v" and field.endswith("a")
        elif field.startswith("is:"):
            tag = field[3:]
        elif field.startswith("sfx:"):
            added = field[4:]
    if _VERB_TAG.match(tag):
        pos = "v"  # irregular verbs (dot, iet, būt ...) have no po: field, their affixes say it
    elif pos == "v" and tag and tag[0] in "vd":
        pos = "n"
    elif reflexive and not tag and added:
        tag = _reflexive_tag(added)
    return pos + tag


def _reflexive_tag(added: str) -> str:
    """The tag the dictionary leaves off its reflexive 2nd and 3rd conjugation suffixes, from the
    ending they add ("priecājos": I rejoice; "-jošos", "-ušos", "-tos" are participles and mood)."""
    if added.endswith("os") and not added.endswith(("tos", "ošos", "ušos", "anos", "mos")):
        return "1vna0" if added.endswith("šos") else "1vta0"
    if added.endswith(("as", "ās")) and not added.endswith(("šās", "damās", "anās", "mās")):
        return "3xta0"
    if added.endswith("ieties"):
        return "2dna0" if added.endswith("sieties") else "2dtap"
    return ""


_AGREEING = ("u", "o", "os")  # adjective endings agreeing with a noun in -u or -os ("politisko uzskatu")
_PARTICIPLE = re.compile(r"(?<!āk)t(?:u|o|os)$")  # past passive participles, not comparatives


def classes_of(code: str, form: str) -> tuple[str, ...]:
    """The hashed classes an analysis puts a form in.

    Kept small on purpose: every finite verb, imperative and genitive, but of adjectives and
    participles (millions of forms) only those that can agree with a noun homograph of a verb form,
    so that "politisko uzskatu" or "iesniegto rēķinu" is read as a noun.
    """
    pos, tag = code[:1], code[1:]
    if pos == "v" and len(tag) == 5:
        return ("finite-verb", "imperative-2pl") if tag in ("2dttp", "2dtap") else ("finite-verb",)
    if pos == "a" and form.endswith(_AGREEING):
        return ("adjective",)
    if pos == "v" and not tag and _PARTICIPLE.search(form):
        return ("adjective",)  # a participle declines as an adjective; its forms carry no tag
    if pos == "n" and tag.endswith("g"):
        return ("genitive",)
    return ()


def _detailed(form: str, codes: set[str]) -> bool:
    # Spellings the voice rules read analysis by analysis: those that can be a 1sg verb, and those
    # the old suffix guess would fire on (so a known noun such as "iedzīvotāju" is not guessed at).
    return any(c.startswith("v1v") for c in codes) or form.endswith(GUESS_ENDINGS)


def _analysed(aff: AffixFile, dic: Path) -> Iterator[tuple[str, set[str], bool]]:
    """Every form of every entry, case-folded, with the analysis codes that entry gives it and
    whether a prefix ("ne-", "vis-", "jā-") made it."""
    for entry in read_dic(dic):
        stems = (entry.stem.casefold(), "ne" + entry.stem.casefold())
        for form, morph in expand(aff, entry):
            folded = form.casefold()
            code = analysis_code(morph)
            if code == "v" and folded in stems:
                code = "vinf"  # the infinitive, which is not a participle (the adjective class)
            codes = {code}
            if code.startswith("n") and code.endswith("a") and folded.endswith("u"):
                # The dictionary tags "-u" once, as the accusative singular; in the 1st, 3rd and 4th
                # declensions the genitive plural is spelt the same ("projektu", "tiesu", "tirgu").
                codes.add("ndpg")
            yield folded, codes, any(field.startswith("pfx:") for field in morph)


def build(dic: Path, aff_path: Path) -> tuple[bytes, bytes]:
    """The two data files' bytes (gzip with a fixed timestamp, so equal input gives equal bytes).

    Two passes over the expansion: the first finds the spellings to keep and fills the hashed
    classes, the second collects every analysis of the kept spellings (a noun met before the verb
    with the same spelling must not be lost, and all 7 million forms do not fit in memory at once).
    """
    aff = read_aff(aff_path)
    classes: dict[str, set[int]] = {name: set() for name in CLASSES}
    kept: set[str] = set()
    for folded, codes, prefixed in _analysed(aff, dic):
        for code in codes:
            for name in () if prefixed else classes_of(code, folded):
                classes[name].add(form_hash(folded))
        if _detailed(folded, codes):
            kept.add(folded)
    forms: dict[str, set[str]] = {form: set() for form in kept}
    for folded, codes, _ in _analysed(aff, dic):
        if folded in forms:
            forms[folded] |= codes
    for form, code in _BUT.items():
        for spelling in (form, "ne" + form) if form != "nav" else (form,):
            classes["finite-verb"].add(form_hash(spelling))
            if spelling in forms or code.startswith("v1v"):
                forms.setdefault(spelling, set()).add(code)
    lines = [f"# {line}" for line in _provenance(aff.header)]
    lines += [form + "\t" + ",".join(sorted(forms[form])) for form in sorted(forms)]
    table = ("\n".join(lines) + "\n").encode("utf-8")
    packed = array("I")
    for name in CLASSES:
        members = sorted(classes[name])
        packed.append(len(members))
        packed.extend(members)
    if sys.byteorder != "little":
        packed.byteswap()
    return _gzip(table), _gzip(packed.tobytes())


def noun_paradigms(dic: Path, aff: AffixFile) -> Iterator[tuple[str, Paradigm, bool]]:
    """Every noun entry's lemma, paradigm (plain forms, not diminutives, by number and case) and
    whether it is a proper noun (the dictionary's "po:lietv..i": Ilze, Jānis, Latvija)."""
    for entry in read_dic(dic):
        kind = next((f for f in entry.morph if f.startswith("po:liet")), None)
        if kind is None:
            continue
        tagged: list[tuple[str, str]] = []
        for form, morph in expand(aff, entry):
            if any(f.startswith("pfx:") for f in morph):
                continue
            code = analysis_code(morph)
            if len(code) == 4 and code[2] == "p":  # n, number, p(lain), case
                tagged.append((form, code[1] + code[3]))
        if tagged:
            number = "v" if any(tag[0] == "v" for _, tag in tagged) else "d"
            paradigm = paradigm_of(entry.stem, [(entry.stem, number + "n"), *tagged])
            yield entry.stem, paradigm, kind.endswith("i")


def build_nouns(dic: Path, aff_path: Path) -> bytes:
    """The noun paradigm table's bytes (see `smtool.checker.lexicon.nouns`)."""
    aff = read_aff(aff_path)
    lines = table_lines((lemma, paradigm) for lemma, paradigm, _ in noun_paradigms(dic, aff))
    header = [*_provenance(aff.header)[:3], "Columns: nominative ending, paradigm (tag=strip>add ...)."]
    return compress(header, lines)


def _provenance(header: list[str]) -> list[str]:
    version = next((h for h in header if "Version" in h), "# Version: unknown").lstrip("# ").strip()
    return [
        "Generated by python -m smtool.checker.lexicon.build from hunspell-lv (lv_LV.dic, lv_LV.aff).",
        f"Source: Latvian Hunspell dictionary by Janis Eisaks, {version}; http://dict.dv.lv",
        "Licence: LGPL-2.1-or-later (see LICENSE next to this file).",
        "Columns: form (case-folded), analyses (part of speech letter + Hunspell is: tag).",
    ]


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dic", type=Path)
    parser.add_argument("aff", type=Path)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: the package)")
    args = parser.parse_args(argv)
    nouns = build_nouns(args.dic, args.aff)
    (args.out / NOUNS_FILE).write_bytes(nouns)
    table, packed = build(args.dic, args.aff)
    (args.out / FORMS_FILE).write_bytes(table)
    (args.out / CLASSES_FILE).write_bytes(packed)
    for name, data in ((FORMS_FILE, table), (CLASSES_FILE, packed), (NOUNS_FILE, nouns)):
        print(f"{name}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
