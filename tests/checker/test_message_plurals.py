"""A finding's message agrees with its number: "only 1 word", never "only 1 words"; in Latvian too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smtool.checker import Engine
from smtool.checker.context import CheckContext
from smtool.checker.loader import PolicyError, load_pack
from tests.checker.test_policies import RULE, _pack

INSTITUTION = CheckContext(account_kind="institution")


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Skatiet: https://www.vk.gov.lv/lv/jaunumi", "en", "A link with only 1 word of text"),
        ("Skatiet: https://www.vk.gov.lv/lv/jaunumi", "lv", "Saite ar tikai 1 vārdu:"),
        ("Lasiet šeit tagad: https://www.vk.gov.lv/lv/jaunumi", "en", "A link with only 3 words of text"),
        ("Lasiet šeit tagad: https://www.vk.gov.lv/lv/jaunumi", "lv", "Saite ar tikai 3 vārdiem:"),
    ],
)
def test_bare_link_counts_words_in_the_right_form(
    engine: Engine, text: str, lang: str, expected: str
) -> None:
    messages = [
        f.message for f in engine.check(text, INSTITUTION, lang=lang) if f.rule == "bare-link.no-commentary"
    ]
    assert len(messages) == 1 and messages[0].startswith(expected), messages


def test_no_shipped_message_counts_with_a_bare_plural(engine: Engine) -> None:
    # "{count} links" reads "1 links"; the pack writes {count:link|links} instead.
    bare = re.compile(r"\{(?:count|value|minutes|limit)\} [a-z]+s\b")  # the numbers rules supply
    offenders = [
        (rule.id, template)
        for rule in [*engine.post_rules, *engine.incoming_rules]
        for lang, template in rule.messages.items()
        if lang == "en" and bare.search(template)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("message", "loads"), [("{count:link|links} found", True), ("{count:link|links} {x:!}", False)]
)
def test_a_pack_may_write_plural_forms_but_not_malformed_ones(
    tmp_path: Path, message: str, loads: bool
) -> None:
    body = RULE.format(id="voice.x", kind="existence", extra='tokens.en = ["a"]')
    folder = _pack(tmp_path, body.replace('message.en = "m"', f'message.en = "{message}"'))
    if loads:
        assert load_pack(folder)
    else:
        with pytest.raises(PolicyError, match="malformed placeholder"):
            load_pack(folder)
