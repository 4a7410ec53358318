"""The faster analysis gives exactly what the straightforward one gave: the language of each sentence
found for the whole text at once, as it was found sentence by sentence; a post's word count added up
from its sentences', as it was counted over the whole text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from smtool.checker import CheckContext
from smtool.checker.rules import _words
from smtool.checker.text import _LANG_ORDER, _LANG_WORDS, WORD, Doc, sentence_languages, split_sentences
from tests.checker.corpus_eval import load_corpus

_LV = re.compile("[āēīģķļņĀĒĪĢĶĻŅ]")
_LT = re.compile("[ąęėįųĄĘĖĮŲ]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def reference_language(sentence: str) -> str:
    """sentence_language as first written: each sentence lowered and scanned on its own."""
    hits = list(map(_LANG_WORDS.get, _WORDS.findall(sentence.lower().replace("’", "'"))))
    ru = len(_CYRILLIC.findall(sentence))
    scores = (
        2 * len(_LV.findall(sentence)) + 3 * hits.count("lv"),
        3 * hits.count("en"),
        2 * len(_LT.findall(sentence)) + 3 * hits.count("lt"),
        ru,
    )
    if max(scores) == 0:
        return ""
    if ru >= 3:
        return "ru"
    return _LANG_ORDER[scores.index(max(scores))]


def _same(text: str) -> None:
    spans = split_sentences(text)
    assert sentence_languages(text, spans) == [reference_language(text[s:e]) for s, e in spans], text


def test_sentence_languages_on_the_corpus() -> None:
    for post in load_corpus("tuning"):
        _same(str(post["text"]))


_PIECES = ["Es", "es", "the", "I’m", "ΑΣ", "Σ.", "İr", "я", "мне", "aš", "ą", "ā", "ir", "and", "un"]
_GLUE = [" ", ". ", "! ", "\n", "’", "'", "-", "", "?\n"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.sampled_from(_GLUE) | st.text(max_size=3), max_size=16))
def test_sentence_languages_on_generated_text(parts: list[str]) -> None:
    _same("".join(parts))


def _word_count_is_exact(text: str) -> None:
    doc = Doc(text)
    assert _words(doc, CheckContext(), 0, len(doc.text)) == len(WORD.findall(doc.masked)), text


def test_the_posts_word_count_adds_up_its_sentences_on_the_corpus() -> None:
    for post in load_corpus("tuning"):
        _word_count_is_exact(str(post["text"]))


_WORD_PIECES = [
    "Es",
    "a-b",
    "d’e",
    "f’",
    "1.",
    "2024.",
    "gada",
    "plkst.",
    "J.",
    "t.sk.",
    "https://a.lv/x",
    "#tag",
]
_WORD_GLUE = [" ", ". ", "! ", "?", "…", "\n", "\u00a0", "\u2028", "\t", "”", "» ", ") ", "’ ", "-", ""]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_WORD_PIECES) | st.sampled_from(_WORD_GLUE) | st.text(max_size=3), max_size=16)
)
def test_the_posts_word_count_adds_up_its_sentences_on_generated_text(parts: list[str]) -> None:
    _word_count_is_exact("".join(parts))
