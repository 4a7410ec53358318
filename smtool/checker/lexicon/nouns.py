"""Noun paradigms by ending, learnt from the dictionary's nouns, for declining names.

A name in a policy or in config.toml is written in the nominative ("Nacionālā apvienība", "Ilze
Bērziņa"), but a post uses every case ("Nacionālajai apvienībai", "Ilzi Bērziņu"). Latvian nouns
decline by their ending (the declension shows in the last letters of the nominative), so the table
maps endings to the way nouns with that ending decline, learnt from every noun of hunspell-lv,
proper names (Ilze, Jānis, Latvija) included: a surname the dictionary lacks ("Bērziņa") declines
like the nouns that end as it does ("meitiņa").

Table file `lv_nouns.tsv.gz`: `#` header lines, then one line per ending: the ending (case-folded),
a tab, and the paradigm: for each number and case the dictionary tags, `tag=strip>add` (strip the
nominative's last letters, add these), separated by spaces. Tags are number (v singular, d plural)
and case (n g d a i l v). Only endings whose majority paradigm differs from that of the one-letter
shorter ending are stored: a lookup takes the longest stored ending of the word.

`build_nouns` is build-time code (`python -m smtool.checker.lexicon.build`); `read_nouns` and
`NounParadigms` run in the checker.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NOUNS_FILE = "lv_nouns.tsv.gz"
MAX_ENDING = 5
CASE_TAGS = ("vn", "vg", "vd", "va", "vi", "vl", "vv", "dn", "dg", "dd", "da", "di", "dl")
"""Number and case, singular first; the instrumental is rarely tagged (it is the accusative's form in
the singular and the dative's in the plural)."""

Paradigm = tuple[tuple[str, str, str], ...]
"""(tag, strip, add) for each number and case the paradigm knows."""


def _change(lemma: str, form: str) -> tuple[str, str]:
    common = 0
    for a, b in zip(lemma, form, strict=False):
        if a != b:
            break
        common += 1
    return lemma[common:], form[common:]


def paradigm_of(lemma: str, forms: Iterable[tuple[str, str]]) -> Paradigm:
    """The paradigm of one noun from its (form, tag) pairs (tags as in CASE_TAGS); for a tag with
    several forms, the first in sorted order, so the result does not depend on the input's order."""
    by_tag: dict[str, str] = {}
    for form, tag in sorted(forms):
        by_tag.setdefault(tag, form)
    folded = lemma.casefold()
    return tuple((tag, *_change(folded, by_tag[tag].casefold())) for tag in CASE_TAGS if tag in by_tag)


def encode(paradigm: Paradigm) -> str:
    return " ".join(f"{tag}={strip}>{add}" for tag, strip, add in paradigm)


def decode(text: str) -> Paradigm:
    out = []
    for cell in text.split():
        tag, _, change = cell.partition("=")
        strip, _, add = change.partition(">")
        out.append((tag, strip, add))
    return tuple(out)


def table_lines(nouns: Iterable[tuple[str, Paradigm]]) -> list[str]:
    """The table's lines (without header) from every noun's lemma and paradigm."""
    counts: dict[str, Counter[str]] = {}
    for lemma, paradigm in nouns:
        if not paradigm:
            continue
        folded = lemma.casefold()
        code = encode(paradigm)
        for k in range(1, min(MAX_ENDING, len(folded) - 1) + 1):
            counts.setdefault(folded[-k:], Counter())[code] += 1
    majority = {ending: _majority(c) for ending, c in counts.items()}
    lines = []
    for ending in sorted(majority):
        parent = majority.get(ending[1:]) if len(ending) > 1 else None
        if majority[ending] != parent:
            lines.append(f"{ending}\t{majority[ending]}")
    return lines


def _majority(counter: Counter[str]) -> str:
    # Ties go to the alphabetically first paradigm: the table must not depend on the input's order.
    best = max(counter.values())
    return min(code for code, n in counter.items() if n == best)


def compress(header: list[str], lines: list[str]) -> bytes:
    text = "\n".join([f"# {h}" for h in header] + lines) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


@dataclass(frozen=True)
class NounParadigms:
    """Endings and their paradigms."""

    endings: dict[str, Paradigm]

    def paradigm(self, word: str) -> Paradigm | None:
        """The paradigm of the longest stored ending of `word` (a nominative), or None."""
        folded = word.casefold()
        for k in range(min(MAX_ENDING, len(folded) - 1), 0, -1):
            found = self.endings.get(folded[-k:])
            if found is not None:
                return found
        return None


def read_nouns(folder: Path) -> NounParadigms:
    """Read the table. Raises OSError when it is missing."""
    text = gzip.decompress((folder / NOUNS_FILE).read_bytes()).decode("utf-8")
    endings: dict[str, Paradigm] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            ending, _, code = line.partition("\t")
            endings[ending] = decode(code)
    return NounParadigms(endings)
