"""Findings speak the post's language, measured on the labelled corpus's tuning part, whose labels were
written before this rule: the English announcements (group "announcement-en"), and the posts on
institution accounts that the corpus does not expect to break the state-language rule (so they are
in Latvian)."""

from __future__ import annotations

import pytest

from smtool.checker import Engine
from tests.checker.corpus_eval import corpus_context, load_corpus


def _language(post: dict[str, object]) -> str | None:
    expect = post["expect"]
    assert isinstance(expect, list)
    if post["group"] == "announcement-en":
        return "en"
    if post["account_kind"] == "institution" and "language" not in expect:
        return "lv"
    return None


@pytest.mark.parametrize("lang", ["en", "lv"])
def test_each_posts_findings_are_in_its_language(engine: Engine, lang: str) -> None:
    posts = [r for r in load_corpus("tuning") if _language(r) == lang]
    checked = 0
    for post in posts:
        text, ctx = str(post["text"]), corpus_context(str(post["account_kind"]))
        found = [(f.message, f.suggestion) for f in engine.check(text, ctx)]
        assert found == [(f.message, f.suggestion) for f in engine.check(text, ctx, lang=lang)], post["id"]
        checked += len(found)
    print(f"{lang}: {len(posts)} posts, {checked} findings")
    assert checked >= 10  # enough findings to say something
