"""The Latvian lexicon: what a word form can be, from a table generated from hunspell-lv.

`build.py` writes two files next to this module from the Latvian Hunspell dictionary (LGPL-2.1, see
LICENSE and README.md here): `lv_forms.tsv.gz`, the spellings the voice rules read analysis by
analysis, and `lv_classes.u32.gz`, sets of 32-bit hashes of every form in a class (finite verb,
imperative, adjective or participle, genitive) for questions that need only a yes or a no, and
`lv_nouns.tsv.gz`, how nouns decline by their ending (see nouns.py). Each is read once per process,
on first use.
"""

from __future__ import annotations

import gzip
import re
import sys
import zlib
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from smtool.checker.lexicon.nouns import NounParadigms, read_nouns

HERE = Path(__file__).resolve().parent
FORMS_FILE = "lv_forms.tsv.gz"
CLASSES_FILE = "lv_classes.u32.gz"
SUPPLEMENT_FILE = "lv_supplement.tsv"
# Endings the suffix guess fires on; the table holds every known form with one of them.
GUESS_ENDINGS = ("āju", "ājos", "ēju", "ējos", "īju", "ījos", "oju", "ojos", "inu", "īšu", "ēšu", "āšu")
FIRST_PERSON_ENDINGS = ("u", "os")
"""Every first person singular form ends so (tests/checker/test_lexicon_paradigms.py checks it): other
words need no lookup."""
FIRST_PERSON_WORD = re.compile(r"(?<![\w'’-])\w+(?:u|os)(?![\w'’-])", re.IGNORECASE)
"""A word with one of FIRST_PERSON_ENDINGS: one scan finds the few words worth looking up."""
CLASSES = ("finite-verb", "imperative-2pl", "adjective", "genitive")
"""The hashed classes, in the order they are stored."""

_TENSES = {"p": "past", "t": "present", "n": "future"}
_MOODS = {"0": "indicative", "p": "imperative", "v": "debitive", "a": "relative", "l": "conditional"}
_POS = {"n": "noun", "v": "verb", "a": "adjective", "r": "adverb", "p": "pronoun", "m": "numeral",
        "c": "conjunction", "i": "interjection", "x": "other"}  # fmt: skip
_CASES = {"n": "nom", "g": "gen", "d": "dat", "a": "acc", "i": "ins", "l": "loc", "v": "voc"}
_NUMBERS = {"v": "sg", "d": "pl", "x": ""}


def form_hash(form: str) -> int:
    """A stable 32-bit hash of a case-folded form (CRC-32: fast in C, the same on every platform)."""
    return zlib.crc32(form.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Analysis:
    """One reading of a word form. Fields that do not apply are "" (person 0: none)."""

    pos: str  # noun verb adjective adverb pronoun numeral conjunction interjection other
    person: int = 0
    number: str = ""  # sg pl ("" either or none)
    tense: str = ""  # past present future
    mood: str = ""  # indicative imperative debitive relative conditional infinitive
    reflexive: bool = False
    case: str = ""  # nom gen dat acc ins loc voc

    @property
    def first_person_singular(self) -> bool:
        return self.pos == "verb" and self.person == 1 and self.number == "sg"


@cache
def parse_code(code: str) -> Analysis:
    """The Analysis a table code stands for (see build.analysis_code)."""
    pos, tag = _POS.get(code[:1], "other"), code[1:]
    if pos == "verb" and len(tag) == 5:
        return Analysis(
            pos, int(tag[0]), _NUMBERS[tag[1]], _TENSES[tag[2]], _MOODS[tag[4]], reflexive=tag[3] == "a"
        )
    if tag == "inf":
        return Analysis(pos, mood="infinitive")
    if tag == "0":
        return Analysis(pos, case="indeclinable")  # from lv_supplement.tsv: "papildu", "pagaidu"
    if len(tag) in (3, 4) and tag[0] in "vd":
        return Analysis(pos, number=_NUMBERS[tag[0]], case=_CASES.get(tag[-1], ""))
    return Analysis(pos)


@dataclass(frozen=True)
class Lexicon:
    """The loaded table: detailed analyses for some spellings, hashed classes for all."""

    forms: dict[str, str]
    classes: dict[str, array[int]]

    def analyses(self, word: str) -> tuple[Analysis, ...] | None:
        """Every reading of `word` the table holds, or None when it holds none (which, for a word
        without one of GUESS_ENDINGS or a first person reading, does not mean the word is unknown)."""
        codes = self.forms.get(word.casefold())
        if codes is None:
            return None
        return tuple(parse_code(c) for c in codes.split(","))

    def is_a(self, word: str, name: str) -> bool:
        """True when the form belongs to the hashed class `name` (rarely, a hash collision: about one
        word in ten thousand falsely is a finite verb). The classes hold forms without the negative
        prefix "ne-", which every verb and adjective takes: "nesaka" is found as "saka"."""
        folded = word.casefold()
        members = self.classes[name]
        for form in (folded, folded[2:]) if folded.startswith("ne") else (folded,):
            h = form_hash(form)
            i = bisect_left(members, h)
            if i < len(members) and members[i] == h:
                return True
        return False


def read_lexicon(folder: Path = HERE) -> Lexicon:
    """Read the data files. Raises OSError when they are missing."""
    text = gzip.decompress((folder / FORMS_FILE).read_bytes()).decode("utf-8")
    body = text[text.index("\n", text.rindex("\n#") + 1) + 1 :] if text.startswith("#") else text
    # One split in C over "form<TAB>codes<NEWLINE>..." pairs: a loop over 120,000 lines took 3x longer.
    cells = body.rstrip("\n").replace("\n", "\t").split("\t")
    forms = dict(zip(cells[0::2], cells[1::2], strict=True))
    for form, codes in read_supplement().items():  # hand-written: always the package's own
        forms[form] = ",".join(filter(None, (forms.get(form), codes)))
    packed = array("I")
    packed.frombytes(gzip.decompress((folder / CLASSES_FILE).read_bytes()))
    if sys.byteorder != "little":
        packed.byteswap()
    classes: dict[str, array[int]] = {}
    at = 0
    for name in CLASSES:
        count = packed[at]
        classes[name] = packed[at + 1 : at + 1 + count]
        at += 1 + count
    return Lexicon(forms, classes)


def read_supplement(folder: Path = HERE) -> dict[str, str]:
    """Readings the dictionary lacks, written by hand in `lv_supplement.tsv`: form, tab, codes."""
    out: dict[str, str] = {}
    for line in (folder / SUPPLEMENT_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            form, _, codes = line.partition("\t")
            out[form.strip()] = codes.strip()
    return out


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon, read on first use and kept for the life of the process."""
    return read_lexicon()


@cache
def nouns() -> NounParadigms:
    """The shipped noun paradigms by ending (for declining names), read on first use."""
    return read_nouns(HERE)
