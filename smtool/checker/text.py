"""Text analysis: normalisation with an offset map, masking, quoted speech, sentences and languages.

Everything here works on an *analysis text* that has the same meaning as the original but is safe to
match: NFC, lone surrogates and control characters replaced, zero-width characters removed. When that
changes lengths, an offset map leads every position back to the original text, so findings always point
into what the user typed. URLs, hashtags and mentions are masked with spaces of the same length, so the
masked text shares the analysis text's offsets.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar, overload

from publicsuffixlist import PublicSuffixList

_T = TypeVar("_T")


class lazy(Generic[_T]):
    """functools.cached_property without the lock Python 3.11 takes on every first access (removed in
    3.12). A document is analysed by one thread, and every post pays a dozen first accesses: with the
    lock they took about 2 us each. Later reads find the value in the instance dict, as with
    cached_property, without calling this descriptor at all."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name: str = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> lazy[_T] | _T:
        if obj is None:
            return self
        value: _T = self.func(obj)
        obj.__dict__[self.name] = value
        return value


# Removed before matching, because they split words invisibly ("man\u00adprāt").
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
# Anything the fast path cannot pass through unchanged.
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Bidirectional controls end a URL (twitter-text counts them apart; a URL's text never holds them).
_NOT_IN_URL = '\\s<>"“”„«»\u200e\u200f\u202a-\u202e\u2066-\u2069'
URL = re.compile(rf"(?i)(?<![\w@.])(?:https?://|www\.)[^{_NOT_IN_URL}]+")
# A domain name without a scheme ("bit.ly/abc", "ej.uz/x", "example.gov.lv/path"): a candidate only,
# a link when the Public Suffix List knows its suffix (see is_domain). The top-level label is lower case
# and made of letters, so "3.5", "v1.2" and a missing space after a full stop ("darbs.No") are not one.
BARE_DOMAIN = re.compile(
    r"(?<![\w@./-])(?:[^\W_][\w-]{0,62}\.){1,10}(?-i:[^\W\dA-ZĀČĒĢĪĶĻŅŠŪŽ_]{2,63})"
    rf"(?:/[^{_NOT_IN_URL}]*)?(?![\w@-])"
)
# Every domain holds a dot and two lower-case letters: a pattern that starts with a literal is found by
# a fast scan, where one that starts with a class or a look-behind is tried at every position.
_DOMAIN_DOT = re.compile(r"\.[a-zāčēģīķļņšūž]{2}")
_URL_TRAIL = ".,;:!?)]}'’\""
HASHTAG = re.compile(r"(?<![\w&#])#\w+")
MENTION = re.compile(r"(?<![\w.@])@\w+")
WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_NOT_LETTERS = re.compile(r"[\W\d_]+")  # the complement of the letter class [^\W\d_]


@cache
def _suffix_list() -> PublicSuffixList:
    # The snapshot bundled with the package, ICANN section only (private suffixes such as
    # "blogspot.com" say nothing about whether a word is a domain); read once, when a post first holds
    # a candidate, since parsing it takes tens of milliseconds. Never fetched over the network.
    return PublicSuffixList(accept_unknown=False, only_icann=True, accept_encoded_idn=False)


def _host_ok(url: str) -> bool:
    # A DNS label holds at most 63 characters, counted in its ASCII (punycode) form; twitter-text
    # counts a "URL" with a longer one character by character, and no browser would open it.
    host = url.partition("://")[2] or url
    for label in host.split("/", 1)[0].split("."):
        if len(label) > 63 or (not label.isascii() and len(label.encode("punycode")) > 59):
            return False
    return True


def is_domain(candidate: str) -> bool:
    """True when `candidate` (a BARE_DOMAIN match) names a host under a public suffix: "bit.ly/x" and
    "example.gov.lv" do, "nolikums.pdf" and "t.sk" (an abbreviation, "tai skaitā") do not."""
    host, slash, _ = candidate.partition("/")
    host = host.rstrip(".").lower()
    if not slash and host in ABBREVIATIONS:
        return False
    return _suffix_list().privatesuffix(host) is not None


def _bare_domains(text: str, urls: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # BARE_DOMAIN tried at every word costs more than the rest of the link search: it is tried only
    # from the start of the word around each dot that follows a letter or digit and precedes two
    # lower-case letters, outside the URLs found already.
    spans: list[tuple[int, int]] = []
    done = 0
    for hint in _DOMAIN_DOT.finditer(text):
        start = hint.start()
        if start < done or not start or not text[start - 1].isalnum() or any(a <= start < b for a, b in urls):
            continue
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_-."):
            start -= 1
        m = BARE_DOMAIN.match(text, start)
        done = hint.end()
        if m is not None and is_domain(m.group()):
            spans.append(m.span())
            done = m.end()
    return spans


def link_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the links in `text`: URLs with a scheme or "www.", and domain names the Public Suffix
    List knows, each without trailing punctuation ("Skatiet bit.ly/x." ends before the full stop)."""
    found = []
    if "://" in text or "www." in text.lower():
        found = [m.span() for m in URL.finditer(text) if _host_ok(m.group())]
    found += _bare_domains(text, found)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        stop = end
        while stop > start and text[stop - 1] in _URL_TRAIL:
            stop -= 1
        if not spans or start >= spans[-1][1]:  # a domain inside a URL with a scheme is that URL
            spans.append((start, stop))
    return spans


def prepare(text: str) -> tuple[str, list[int] | None]:
    """The analysis text and, when it differs in length from `text`, a map from its offsets to `text`.

    The map has one entry per analysis character plus a sentinel for the end. Never raises.
    """
    if not _SUSPECT.search(text) and unicodedata.is_normalized("NFC", text):
        return text, None
    if not any(c in _INVISIBLE for c in text) and not _needs_nfc(text):
        # Same length: replace lone surrogates and controls one for one.
        return _CONTROL.sub(" ", _fix_surrogates(text)), None
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        chunk = text[i:j]
        if chunk[0] in _INVISIBLE:
            i += 1
            continue
        chunk = unicodedata.normalize("NFC", _CONTROL.sub(" ", _fix_surrogates(chunk)))
        for c in chunk:
            out.append(c)
            offsets.append(i)
        i = j
    offsets.append(n)
    return "".join(out), offsets


def _needs_nfc(text: str) -> bool:
    try:
        return not unicodedata.is_normalized("NFC", text)
    except UnicodeError:  # pragma: no cover - is_normalized copes with surrogates in CPython
        return True


def _fix_surrogates(text: str) -> str:
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


# --- quoted speech -------------------------------------------------------------------------------------

# Double marks („…”, „…“, “…”, «…», "…") and single ones (‘…’, ‚…‘, ‚…’). A ’ between letters is an
# apostrophe ("don’t"), never a closing mark; a ‘ or ‚ right after a letter opens nothing.
_QUOTE_CHARS = re.compile('[„“”«»"‘‚’]')  # one class: scanned fastest; apostrophes are skipped below
_CLOSERS = {"„": '”“"', "“": '”"', "«": "»", '"': '"', "‘": "’", "‚": "‘’"}

# Speech introduced by a speaker and a colon ("Ministrs: …", "Veselības ministre Ilze Bērziņa: …",
# "Jānis Ozols: …") at the start of a sentence or line runs to the end of that line.
_UPPER, _LOWER = "[A-ZĀČĒĢĪĶĻŅŠŪŽ]", "[a-zāčēģīķļņšūž]"
_NAME = f"(?:{_UPPER}{_LOWER}{{1,25}}(?:-{_UPPER}{_LOWER}{{1,25}})?|{_UPPER}\\.)"
_TITLE = (
    "(?i:ministr[seaui]|premjerministr[seaui]|valsts\\s{1,3}sekretār[seaui]|sekretār[seaui]|direktor[seaui]"
    "|vadītāj[sa]|priekšsēdētāj[sa]|padomniek[se]|ekspert[se]|speciālist[se]|pārstāv[ji]s|pārstāve"
    "|runasvīrs|runaspersona|mēr[se]|prezident[se]|rektor[se]|ārst[se]|profesor[se]|deputāt[se]"
    "|minister|secretary|director|head|spokes(?:person|man|woman)|chair(?:man|woman|person)?|mayor)"
)
_SPEAKER = re.compile(
    f"(?:(?:[^\\W\\d_]{{1,30}}\\s{{1,3}}){{0,3}}{_TITLE}(?:\\s{{1,3}}{_NAME}){{0,3}}|{_NAME}(?:\\s{{1,3}}{_NAME}){{1,2}})"
)
_COLON = re.compile(r":[ \t]{1,4}(?=[^\s])")  # a literal first: found by a fast scan
# Where a speaker's label may start inside the line before a colon: after a sentence's end.
_LABEL_START = re.compile(r"[.!?…][ \t]+")


def _attributions(text: str) -> list[tuple[int, int]]:
    # Colons are few, so each one's line is tested, from the line's start or a sentence end before it
    # (the last three: "Ministrs J. Bērziņš:" holds an initial's full stop), to the colon.
    spans = []
    for m in _COLON.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        head = text[max(line_start, m.start() - 160) : m.start()]
        starts = [0, *(b.end() for b in _LABEL_START.finditer(head))][-3:]
        if any(_SPEAKER.fullmatch(head[k:].strip()) for k in starts):
            line_end = text.find("\n", m.end())
            spans.append((m.end(), len(text) if line_end < 0 else line_end))
    return spans


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of quoted speech, in order and disjoint: text inside quotation marks, marks
    included (unclosed quotes give none), and what follows a speaker's colon to the end of its line."""
    spans: list[tuple[int, int]] = []
    opener = ""
    start = 0
    for m in _QUOTE_CHARS.finditer(text):
        c = m.group()
        if c == "’" and m.end() < len(text) and (text[m.end()].isalnum() or text[m.end()] == "_"):
            continue  # an apostrophe ("don’t")
        if opener:
            if c in _CLOSERS[opener]:
                spans.append((start, m.end()))
                opener = ""
            continue
        if c in _CLOSERS and not (c in "‘‚" and m.start() and text[m.start() - 1].isalnum()):
            opener = c
            start = m.start()
    if ":" in text:
        spans += _attributions(text)
        spans = _merged(sorted(spans))
    return spans


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


# --- sentences -----------------------------------------------------------------------------------------

# Lower-cased words that end with a full stop without ending a sentence (Latvian and English).
_ABBREVIATIONS = """plkst piem utt u.c t.sk t.i nr sk g gs g.g apm tel mob kv str iel lpp att tab red pag nov
    val prof dr doc asoc k-dze k-gs kdze kgs mr mrs ms st vs etc e.g i.e no approx fig dept inc ltd
    sept okt nov dec janv febr aug jan feb mar apr jun jul sep oct min milj tūkst mlrd eur resp
    izņ pielik v.i sia as a/s"""
ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())
_BOUNDARY = re.compile(r"[.!?…]+[\"”»)’']*(?=\s)|\n")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its span in the analysis text and its language ("" when unknown)."""

    start: int
    end: int
    lang: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans, trimmed of surrounding white space.

    Survives Latvian ordinal dates ("2024. gada 31. decembrim"), times ("plkst. 14.00"), initials
    ("J. Bērziņš") and common abbreviations: a full stop ends a sentence only before an upper-case letter
    or a digit, and never after an abbreviation, an initial or (before a digit or lower case) a number.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group() != "\n" and m.group()[0] == "." and not _ends_sentence(text, m.start(), end):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, n, spans)
    return spans


def _ends_sentence(text: str, dot: int, after: int) -> bool:
    k = after
    n = len(text)
    while k < n and text[k] in " \t\r":
        k += 1
    if k >= n or text[k] == "\n":
        return True
    nxt = text[k]
    # The word before the full stop.
    w = dot
    while w > 0 and (text[w - 1].isalnum() or text[w - 1] in ".-/"):
        w -= 1
    word = text[w:dot].lower()
    if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    if nxt.islower():
        return False
    if nxt.isdigit():
        return not word.isdigit()
    return True


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    # strip() removes exactly the characters str.isspace() accepts, in C rather than a loop.
    piece = text[start:end]
    body = piece.lstrip()
    start += len(piece) - len(body)
    end -= len(body) - len(body.rstrip())
    if end > start:
        spans.append((start, end))


# --- languages -----------------------------------------------------------------------------------------

_LANG_WORDS: dict[str, str] = {}
for _lang, _words in {
    "lv": """un ir ar par uz no kas ka lai bet vai to tas tā šo šis es mēs man mums jūs viņš viņa arī jau
        vēl būs bija biju esmu esam ko kā kur pie pēc līdz gada gadā plkst jo tikai ļoti nav tiek tika
        tiks mūsu savu sava šodien rīt kad mani mans mana manuprāt domāju uzskatu aicinām informējam
        atgādinām iedzīvotāji iedzīvotājus darbs laiks pasākums vairāk tāpēc kādēļ kāpēc lūdzu paldies
        visiem visus šī šajā šeit tur tad bez starp zem virs cik vienmēr nekad taču tomēr""",
    "en": """the and of to in is are for on with we our you it this that be at by from will was have has
        not i me my mine i'm i've i'll i'd an as or but can all more about your they their who what when
        where why how please today tomorrow would should could been were there here which new its do does
        think believe opinion view own also just than into out up""",
    "lt": """yra kad su iš dėl mes aš mano labai bus buvo nėra tai jis ji jūs kaip kur kodėl ačiū
        šiandien rytoj manau nuomone asmeninė mūsų taip pat kurie kuris arba bet""",
}.items():
    for _w in _words.split():
        _LANG_WORDS.setdefault(_w, _lang)
_LV_LETTERS = re.compile("[āēīģķļņĀĒĪĢĶĻŅ]")
_LT_LETTERS = re.compile("[ąęėįųĄĘĖĮŲ]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LOWER_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


_LANG_ORDER = ("lv", "en", "lt", "ru")  # on equal scores the first wins


def sentence_language(sentence: str) -> str:
    """The language of one sentence among lv, en, ru, lt, or "" when there is too little evidence."""
    return sentence_languages(sentence, [(0, len(sentence))])[0]


def sentence_languages(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """sentence_language of each span (start, end) of `text`, analysing the whole text once."""
    if "\u0130" in text:  # the one character whose lower case is longer: spans would shift
        pieces = [text[s:e] for s, e in spans]
        return [
            _language(t, _LOWER_WORD.findall(_lower(t)), _LT_LETTERS, _CYRILLIC, 0, len(t)) for t in pieces
        ]
    # Letters of a script absent from the whole text are absent from each sentence: one scan says so.
    lt = _LT_LETTERS if _LT_LETTERS.search(text) else None
    cyrillic = _CYRILLIC if _CYRILLIC.search(text) else None
    low = _lower(text)
    return [_language(text, _LOWER_WORD.findall(low, s, e), lt, cyrillic, s, e) for s, e in spans]


def _lower(text: str) -> str:
    # Typographic apostrophes count as plain ones ("i’m" is "i'm"); both join the same words. Lower
    # case differs in context only for a final sigma, which no language here has a letter or word for.
    return text.lower().replace("’", "'")


def _language(
    text: str, words: list[str], lt: re.Pattern[str] | None, cyrillic: re.Pattern[str] | None, s: int, e: int
) -> str:
    """The language of text[s:e], whose lower-case words are `words`."""
    hits = list(map(_LANG_WORDS.get, words))
    ru = len(cyrillic.findall(text, s, e)) if cyrillic is not None else 0
    scores = (
        2 * len(_LV_LETTERS.findall(text, s, e)) + 3 * hits.count("lv"),
        3 * hits.count("en"),
        (2 * len(lt.findall(text, s, e)) if lt is not None else 0) + 3 * hits.count("lt"),
        ru,
    )
    best = max(scores)
    if best == 0:
        return ""
    if ru >= 3:
        return "ru"
    return _LANG_ORDER[scores.index(best)]


# --- case folding as the regular expression engine does it -----------------------------------------------

# With IGNORECASE, `re` matches two characters when their simple lower cases are equal or belong to one
# of a few extra classes (ſ and s, ı and i, ς and σ, ...). Mapping each character to its lower case and
# then to one member of its class gives equal strings whenever `re` could match, so looking words up in
# a folded text never misses a match. str.lower() equals the simple lower case for every character
# but İ (which it expands to two) and a final Σ (ς instead of σ, the same class).

_BLOCK = 128  # code points screened at once: most blocks hold no cased character


def _bmp() -> str:
    """The Basic Multilingual Plane in order, its surrogates (never cased, and not decodable) as U+0000."""
    # Decoding UTF-16 builds the string in C; joining chr() of each code point took ~6 ms.
    units = bytearray(2 * 0x10000)
    units[0::2] = bytes(range(256)) * 256
    units[1::2] = b"".join(bytes([high]) * 256 for high in range(256))
    units[2 * 0xD800 : 2 * 0xE000] = bytes(2 * 0x800)
    return units.decode("utf-16-le")


def _case_classes() -> list[frozenset[str]]:
    """The extra classes: sets of two or more lower cases that `re` matches with one another.

    Found as CPython's generate_re_casefix.py finds them for the private table re._casefix, which
    may change or go in any release: characters with one upper case (or, as later versions also
    require, one case folding) match, so their different lower cases must too. Built from the running
    Python's own Unicode data, the classes follow it when it changes. Only the BMP is scanned, to save
    milliseconds at import: that generator refused to build a table reaching beyond it, and
    tests/checker/test_text.py compares fold() with `re` over every code point.
    """
    chars = _bmp()
    cased: list[str] = []
    for at in range(0, len(chars), _BLOCK):
        block = chars[at : at + _BLOCK]
        if block.upper() != block or block.casefold() != block:
            cased += [c for c in block if c.upper() != c or c.casefold() != c]
    # Simple lower cases, as `re` compares them: İ's is i, where str.lower() adds a combining dot.
    lowers = list(map(str.lower, "".join(cased).replace("\u0130", "i")))
    # Pairs of lower cases in one class: each character's, and the first one seen with its image.
    links: list[tuple[str, str]] = []
    for relation in (str.upper, str.casefold):
        first: dict[str, str] = {}
        for image, lower in zip(map(relation, cased), lowers, strict=True):
            seen = first.setdefault(image, lower)
            if seen != lower:
                links.append((seen, lower))
        # A character that both leave unchanged is not in `cased`, yet may be another's image.
        for image in first.keys() - set(cased):
            if len(image) == 1 and relation(image) == image and first[image] != image.lower():
                links.append((first[image], image.lower()))
    class_of: dict[str, frozenset[str]] = {}
    for pair in links:
        joined = frozenset(pair).union(*(class_of.get(low, ()) for low in pair))
        class_of.update(dict.fromkeys(joined, joined))
    return sorted(set(class_of.values()), key=min)


_CLASS_MEMBER = dict(sorted((ord(c), min(cls)) for cls in _case_classes() for c in cls if c != min(cls)))
# The one class that mixes word and non-word characters (ι and the combining ypogegrammeni): a text
# holding it is matched the slow way, since word boundaries could differ between the folded forms.
_MIXED_CLASS = "\u0345"
_WORD_RUN = re.compile(r"\w+")
_CLASS_CHARS = re.compile("[" + re.escape("".join(map(chr, _CLASS_MEMBER))) + "]")


def fold(text: str) -> str:
    """`text` with every character replaced by its representative under `re`'s IGNORECASE."""
    lowered = text.replace("\u0130", "i").lower()
    # translate() is slow and the extra classes are Greek and rare letters: skip it when none occur.
    return lowered.translate(_CLASS_MEMBER) if _CLASS_CHARS.search(lowered) else lowered


def _is_word_char(c: str) -> bool:
    # Exactly `re`'s \w on str: alphanumeric in Unicode's sense, or the underscore.
    return c.isalnum() or c == "_"


class Words:
    """The words (maximal runs of \\w) of one text, case-folded, and where they start.

    Built once per text and shared by every matcher: word lists are looked up in hash sets instead of
    being tried, case-insensitively, at every position by a regular expression. Offsets are only worked
    out for the few words a matcher asks about: indexing every word's offsets cost more than all the
    lookups a post needs.
    """

    def __init__(self, folded: str) -> None:
        self.folded = folded
        # Folding keeps every character's word-ness (see words_of), so these are the text's words.
        self.all = frozenset(_WORD_RUN.findall(folded))
        self._beginnings: dict[int, frozenset[str]] = {}
        self._starts: dict[tuple[str, bool], list[int]] = {}
        # Which matchers a pack's gate opens for these words, by gate (see smtool.checker.gate).
        self.gates: dict[object, int] = {}

    def beginnings(self, length: int) -> frozenset[str]:
        """The first `length` characters of every word at least that long."""
        found = self._beginnings.get(length)
        if found is None:
            found = self._beginnings[length] = frozenset(w[:length] for w in self.all if len(w) >= length)
        return found

    def containing(self, needles: re.Pattern[str] | None) -> list[int]:
        """Start offsets of the words holding a match of `needles` (of every word for None); the
        needles are word characters, so each match lies inside one word: walk back to its start.
        """
        if needles is None:
            return [m.start() for m in _WORD_RUN.finditer(self.folded)]
        text = self.folded
        starts: list[int] = []
        for m in needles.finditer(text):
            at = m.start()
            while at > 0 and _is_word_char(text[at - 1]):
                at -= 1
            starts.append(at)
        return starts

    def starts(self, key: str, length: int | None = None) -> list[int]:
        """Start offsets, in order, of the words equal to `key` (or, with `length`, beginning with it;
        `key` is then a word's first `length` characters). `key` is made of word characters."""
        whole = length is None
        found = self._starts.get((key, whole))
        if found is None:
            found = self._starts[(key, whole)] = self._find(key, whole)
        return found

    def _find(self, key: str, whole: bool) -> list[int]:
        text = self.folded
        size = len(key)
        found: list[int] = []
        at = text.find(key)
        while at >= 0:
            end = at + size
            if (at == 0 or not _is_word_char(text[at - 1])) and (
                not whole or end == len(text) or not _is_word_char(text[end])
            ):
                found.append(at)
            at = text.find(key, at + 1)
        return found


def words_of(text: str) -> Words | None:
    """The folded words of `text`, or None when folding cannot stand in for the regex engine there."""
    if _MIXED_CLASS in text:
        return None
    folded = fold(text)
    if len(folded) != len(text):  # pragma: no cover - fold() keeps lengths; a guard, not a branch
        return None
    return Words(folded)


@dataclass(frozen=True, slots=True)
class Word:
    """A word of a sentence: where it starts and ends, and its text."""

    start: int
    end: int
    text: str


def sentence_words(text: str, start: int, end: int) -> list[Word]:
    """The words of text[start:end], numbers left out."""
    found = [m for m in WORD.finditer(text, start, end) if not m.group().isdigit()]
    return [Word(m.start(), m.end(), m.group()) for m in found]


def first_word_start(text: str, start: int, end: int) -> int:
    """Where the first word of text[start:end] that is not a number starts (-1: none)."""
    for m in WORD.finditer(text, start, end):
        if not m.group().isdigit():
            return m.start()
    return -1


# --- the analysed document -----------------------------------------------------------------------------


class Doc:
    """One text, analysed lazily: each view is computed the first time a rule asks for it."""

    def __init__(self, original: str, default_language: str = "lv") -> None:
        self.original = original
        self.text, self._map = prepare(original)
        self.default_language = default_language
        # Per-document results of shared matchers, keyed by matcher identity.
        self.cache: dict[int, list[tuple[int, int, str | None]]] = {}
        # Metric variables by (name, start, end), shared by the metric rules.
        self.values: dict[tuple[str, int, int], float] = {}

    def orig(self, i: int) -> int:
        """The original offset of analysis offset `i`."""
        return i if self._map is None else self._map[i]

    @lazy
    def masks(self) -> dict[str, list[tuple[int, int]]]:
        """Spans of URLs, hashtags and mentions in the analysis text."""
        urls: list[tuple[int, int]] = []
        # Each scan is skipped when the text lacks what any match needs; most posts have no link.
        if "://" in self.text or _DOMAIN_DOT.search(self.text) or "www." in self.text.lower():
            urls = link_spans(self.text)
        return {
            "url": urls,
            "hashtag": [m.span() for m in HASHTAG.finditer(self.text)] if "#" in self.text else [],
            "mention": [m.span() for m in MENTION.finditer(self.text)] if "@" in self.text else [],
        }

    @lazy
    def masked(self) -> str:
        """The analysis text with URLs, hashtags and mentions blanked out (same offsets)."""
        spans = [s for kind in self.masks.values() for s in kind]
        if not spans:
            return self.text
        chars = list(self.text)
        for s, e in spans:
            chars[s:e] = " " * (e - s)
        return "".join(chars)

    @lazy
    def quotes(self) -> list[tuple[int, int]]:
        return quote_spans(self.masked)

    @lazy
    def _quote_starts(self) -> list[int]:
        return [s for s, _ in self.quotes]

    def in_quote(self, pos: int) -> bool:
        """True when analysis offset `pos` lies inside quoted speech."""
        if not self.quotes:
            return False
        k = bisect_right(self._quote_starts, pos) - 1
        return k >= 0 and pos < self.quotes[k][1]

    @lazy
    def sentences(self) -> list[Sentence]:
        spans = split_sentences(self.masked)
        langs = sentence_languages(self.masked, spans)
        known = [lang for lang in langs if lang]
        fallback = (
            max(sorted(set(known)), key=lambda g: self._preference(g, known.count(g)))
            if known
            else self.default_language
        )
        return [Sentence(s, e, lang or fallback) for (s, e), lang in zip(spans, langs, strict=True)]

    @lazy
    def _sentence_starts(self) -> list[int]:
        return [s.start for s in self.sentences]

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence containing (or nearest before) analysis offset `pos`; -1 if none."""
        return bisect_right(self._sentence_starts, pos) - 1

    def lang_at(self, pos: int) -> str:
        k = self.sentence_at(pos)
        if k < 0:
            return self.sentences[0].lang if self.sentences else self.default_language
        return self.sentences[k].lang

    @lazy
    def languages(self) -> frozenset[str]:
        return frozenset(s.lang for s in self.sentences)

    @lazy
    def main_language(self) -> str:
        """The language of most sentences ("" for an empty text)."""
        counts = [x.lang for x in self.sentences]
        return max(sorted(self.languages), key=lambda g: self._preference(g, counts.count(g)), default="")

    def _preference(self, lang: str, count: int) -> tuple[int, bool, int]:
        # Most sentences win; a tie goes to the institution's language, then to a fixed order, so the
        # same text always gets the same answer (set order varies between runs).
        order = _LANG_ORDER.index(lang) if lang in _LANG_ORDER else len(_LANG_ORDER)
        return (count, lang == self.default_language, -order)

    @lazy
    def words(self) -> list[tuple[int, int]]:
        return [m.span() for m in WORD.finditer(self.masked)]

    @lazy
    def masked_words(self) -> Words | None:
        """Folded words of the masked text (see `Words`)."""
        return words_of(self.masked)

    @lazy
    def text_words(self) -> Words | None:
        """Folded words of the unmasked analysis text."""
        return self.masked_words if self.masked is self.text else words_of(self.text)

    @lazy
    def _newlines(self) -> list[int]:
        return [i for i, c in enumerate(self.original) if c == "\n"]

    def line_col(self, orig_pos: int) -> tuple[int, int]:
        """1-based line and column of an offset into the original text."""
        if "\n" not in self.original:
            return 1, orig_pos + 1
        k = bisect_right(self._newlines, orig_pos - 1)
        line_start = self._newlines[k - 1] + 1 if k else 0
        return k + 1, orig_pos - line_start + 1

    def letters(self, start: int, end: int) -> int:
        # Deleting the non-letters is one pass in C; finding each letter built a list of them.
        return len(_NOT_LETTERS.sub("", self.masked[start:end]))
