"""Read a Hunspell dictionary (.dic and .aff) and expand every entry into its word forms.

Only what the Latvian dictionary uses is implemented: one-character flags, SFX and PFX classes with
strip, add, condition and morphological fields, continuation flags on affixes (two suffix levels and
a prefix's own flags), cross products of a prefix and a suffix, NEEDAFFIX and CIRCUMFIX. Each form
comes with the morphological fields of its stem and of every affix applied, so the caller can read
part of speech (`po:`) and inflection (`is:`) from them, and `pfx:` and `sfx:` with what each
affix added.
Build-time code: the checker never runs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Affix:
    """One line of an SFX or PFX class."""

    flag: str
    strip: str
    add: str
    condition: re.Pattern[str]
    flags: frozenset[str]
    morph: tuple[str, ...]
    cross: bool


@dataclass
class AffixFile:
    """The affix classes of an .aff file, by flag, and the special flags it declares."""

    suffixes: dict[str, list[Affix]] = field(default_factory=dict)
    prefixes: dict[str, list[Affix]] = field(default_factory=dict)
    need_affix: str = ""
    circumfix: str = ""
    header: list[str] = field(default_factory=list)


def _condition(cond: str, suffix: bool) -> re.Pattern[str]:
    # Hunspell conditions are a restricted regex (letters and [..] / [^..] classes); "." is any.
    body = "" if cond == "." else cond
    return re.compile(body + "$" if suffix else "^" + body)


def read_aff(path: Path) -> AffixFile:
    """Parse an .aff file. Raises ValueError on a line it cannot read."""
    aff = AffixFile()
    remaining: dict[str, int] = {}
    cross: dict[str, bool] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("#"):
            aff.header.append(raw)
            continue
        parts = raw.split()
        if not parts:
            continue
        if parts[0] == "NEEDAFFIX":
            aff.need_affix = parts[1]
        elif parts[0] == "CIRCUMFIX":
            aff.circumfix = parts[1]
        elif parts[0] in ("SFX", "PFX"):
            kind, flag = parts[0], parts[1]
            key = kind + flag
            if remaining.get(key, 0) == 0:
                cross[key] = parts[2] == "Y"
                remaining[key] = int(parts[3])
                continue
            if len(parts) < 5:
                raise ValueError(f"{path}: cannot read {raw!r}")
            remaining[key] -= 1
            strip = "" if parts[2] == "0" else parts[2]
            add, _, flags = parts[3].partition("/")
            add = "" if add == "0" else add
            affix = Affix(
                flag, strip, add, _condition(parts[4], kind == "SFX"), frozenset(flags),
                tuple(parts[5:]), cross[key],
            )  # fmt: skip
            table = aff.suffixes if kind == "SFX" else aff.prefixes
            table.setdefault(flag, []).append(affix)
    return aff


@dataclass(frozen=True)
class Entry:
    """A .dic line: the stem, its flags and its morphological fields."""

    stem: str
    flags: frozenset[str]
    morph: tuple[str, ...]


def read_dic(path: Path) -> Iterator[Entry]:
    """The entries of a .dic file (its first line, the count, is skipped)."""
    with path.open(encoding="utf-8") as lines:
        next(lines)
        for raw in lines:
            parts = raw.split()
            if not parts:
                continue
            stem, _, flags = parts[0].partition("/")
            yield Entry(stem, frozenset(flags), tuple(parts[1:]))


Form = tuple[str, tuple[str, ...]]
"""A word form and the morphological fields of its stem and affixes."""


def _suffixed(word: str, affix: Affix) -> str | None:
    if not affix.condition.search(word) or not word.endswith(affix.strip):
        return None
    base = word[: len(word) - len(affix.strip)] if affix.strip else word
    return base + affix.add


def _prefixed(word: str, affix: Affix) -> str | None:
    if not affix.condition.search(word) or not word.startswith(affix.strip):
        return None
    return affix.add + word[len(affix.strip) :]


def _suffix_forms(
    aff: AffixFile, word: str, flags: frozenset[str], morph: tuple[str, ...]
) -> Iterator[tuple[str, frozenset[str], tuple[str, ...], bool]]:
    """What one or two suffix levels make of a stem: the form, the continuation flags in force, the
    morphological fields and whether the suffix allows a cross product with a prefix."""
    for flag in flags:
        for affix in aff.suffixes.get(flag, ()):
            once = _suffixed(word, affix)
            if once is None:
                continue
            yield once, affix.flags, morph + affix.morph + ("sfx:" + affix.add,), affix.cross
            for inner in affix.flags:
                for second in aff.suffixes.get(inner, ()):
                    twice = _suffixed(once, second)
                    if twice is not None:
                        yield (
                            twice,
                            second.flags,
                            morph
                            + affix.morph
                            + ("sfx:" + affix.add,)
                            + second.morph
                            + ("sfx:" + second.add,),
                            affix.cross,
                        )


def _prefixes(aff: AffixFile, flags: frozenset[str]) -> Iterator[Affix]:
    for flag in flags:
        yield from aff.prefixes.get(flag, ())


def _with_prefix(form: str, morph: tuple[str, ...], prefix: Affix) -> Iterator[Form]:
    combined = _prefixed(form, prefix)
    if combined is not None:
        yield combined, morph + prefix.morph + ("pfx:" + prefix.add,)


def expand(aff: AffixFile, entry: Entry) -> Iterator[Form]:
    """Every form of a dictionary entry.

    A NEEDAFFIX stem or suffix is no word by itself; a CIRCUMFIX affix only with a prefix that is one
    too. Prefixes come from the entry's flags (combined with a suffix where both allow cross products)
    and from a suffix's continuation flags (the Latvian debitive "jā-" and superlative "vis-").
    """
    circumfix = frozenset(aff.circumfix)
    need = frozenset(aff.need_affix)
    bare = not (need & entry.flags)
    if bare:
        yield entry.stem, entry.morph
    for form, flags, morph, cross in _suffix_forms(aff, entry.stem, entry.flags, entry.morph):
        if not (need | circumfix) & flags:
            yield form, morph
        for prefix in _prefixes(aff, flags):
            yield from _with_prefix(form, morph, prefix)
        if need & flags:
            continue
        for prefix in _prefixes(aff, entry.flags):
            if prefix.cross and cross and not circumfix & (prefix.flags | flags):
                yield from _with_prefix(form, morph, prefix)
    for prefix in _prefixes(aff, entry.flags):
        if bare and not circumfix & prefix.flags:
            yield from _with_prefix(entry.stem, entry.morph, prefix)
