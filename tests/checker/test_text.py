"""Text analysis: sentences, quotes, languages, masking and the offset map."""

from __future__ import annotations

import importlib
import re
import sys

from smtool.checker.text import (
    _MIXED_CLASS,
    Doc,
    _case_classes,
    fold,
    prepare,
    quote_spans,
    sentence_language,
    split_sentences,
)


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_latvian_dates_times_and_abbreviations_do_not_end_sentences() -> None:
    text = "Termiņš ir 2024. gada 31. decembrim plkst. 14.00 Rīgā. J. Bērziņš u.c. piedalīsies. Nākamais teikums."
    assert _sentences(text) == [
        "Termiņš ir 2024. gada 31. decembrim plkst. 14.00 Rīgā.",
        "J. Bērziņš u.c. piedalīsies.",
        "Nākamais teikums.",
    ]


def test_question_exclamation_and_newlines_end_sentences() -> None:
    assert _sentences("Kas notiks? Viss labi!\nJauna rinda") == ["Kas notiks?", "Viss labi!", "Jauna rinda"]


def test_quotes_of_every_style_are_found() -> None:
    for text in ["A „b c” d", "A “b c” d", "A «b c» d", 'A "b c" d']:
        assert [text[s:e] for s, e in quote_spans(text)] == [text[2:7]]
    assert quote_spans("A „unclosed") == []


def test_languages() -> None:
    assert sentence_language("Šodien biju Rīgā.") == "lv"
    assert sentence_language("I think the rules are fair.") == "en"
    assert sentence_language("Я считаю, что это важно.") == "ru"
    assert sentence_language("Aš manau, kad tai svarbu.") == "lt"


def test_urls_hashtags_and_mentions_are_masked_with_the_same_offsets() -> None:
    doc = Doc("Skat. https://vk.gov.lv/a. #VK @VKanceleja vk.gov.lv")
    assert len(doc.masked) == len(doc.text)
    assert "https" not in doc.masked and "#VK" not in doc.masked and "@VK" not in doc.masked
    assert doc.text[slice(*doc.masks["url"][0])] == "https://vk.gov.lv/a"
    assert len(doc.masks["url"]) == 2


def test_offset_map_leads_back_to_the_original() -> None:
    original = "man\u00adprāt a\u0304 \ud800 x"
    text, offsets = prepare(original)
    assert text == "manprāt ā \ufffd x"
    assert offsets is not None and len(offsets) == len(text) + 1
    doc = Doc(original)
    assert original[doc.orig(0) : doc.orig(7)] == "man\u00adprāt"
    assert original[doc.orig(8) : doc.orig(9)] == "a\u0304"


def test_control_characters_keep_offsets() -> None:
    text, offsets = prepare("a\x00b\x1bc")
    assert text == "a b c" and offsets is None


# Classes `re` has matched since Python 3.11, checked on every version: where the private table they
# come from is gone (CPython means to drop it, gh-156513), they are all there is to compare with.
_KNOWN_CLASSES = ["iı", "sſ", "µμ", "βϐ", "σς", "\u0345ι\u1fbe", "ṡẛ", "ﬅﬆ"]


def test_case_classes_are_those_of_the_regex_engine() -> None:
    classes = set(_case_classes())
    assert {frozenset(known) for known in _KNOWN_CLASSES} <= classes
    try:
        extra = importlib.import_module("re._casefix")._EXTRA_CASES
    except (ImportError, AttributeError):
        return
    assert classes == {frozenset(map(chr, (code, *others))) for code, others in extra.items()}


def test_fold_is_equal_exactly_where_ignorecase_matches() -> None:
    cased = "".join(
        c
        for c in map(chr, range(sys.maxunicode + 1))
        if c.lower() != c or c.upper() != c or c.casefold() != c
    )
    by_fold: dict[str, set[str]] = {}
    for c in cased:
        by_fold.setdefault(fold(c), set()).add(c)
    for c in cased:
        assert set(re.findall(re.escape(c), cased, re.IGNORECASE)) == by_fold[fold(c)], c
    assert fold("\u212a") == fold("K") == "k"  # Kelvin sign
    assert fold("ẞ") == fold("ß") == "ß"
    assert fold("İ") == "i" and fold("ΣΑΣ") == fold("σας")
    assert fold("Ieſkaiti") == fold("IESKAITI") == fold("ıeskaıtı")


def test_only_the_mixed_class_holds_a_non_word_character() -> None:
    members = "".join(c for cls in _case_classes() for c in cls)
    assert re.sub(r"\w", "", members) == _MIXED_CLASS
