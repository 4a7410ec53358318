"""The packs: every rule's examples behave, every guideline is covered, bad packs are refused clearly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from smtool.checker import Engine, PolicyError, load_pack, verify_examples
from smtool.errors import ConfigError

from .conftest import POLICIES

GUIDELINE_RULES = {
    "voice.first-person",
    "voice.opinion",
    "voice.mixed",
    "voice.speaks-for-institution",
    "voice.no-disclaimer",
    "authorization.not-spokesperson",
    "authorization.branding",
    "political.partisan",
    "political.election-period",
    "political.call-to-vote",  # the partisan guideline's imperatives, by the lexicon (issue 16)
    "language.state-language",
    "plain-language.long-sentence",
    "plain-language.readability",
    "plain-language.officialese",
    "plain-language.legal-citations",
    "plain-language.nominal-style",
    "bare-link.no-commentary",
    "personal-data.personal-code",
    "personal-data.phone",
    "personal-data.email",
    "personal-data.special-category",
    "personal-data.iban",
    "personal-data.home-address",
    "ethics.abusive",
    "ethics.emotive",
    "unsourced-claim.statistic",
    "unsourced-claim.absolute",
    "length.platform-limit",
    "burst.cadence",
}


def test_every_example_of_every_rule_behaves(engine: Engine) -> None:
    assert verify_examples(engine) == []


def test_the_pack_covers_every_rule_in_the_guidelines(engine: Engine) -> None:
    assert {r.id for r in engine.post_rules} == GUIDELINE_RULES


def test_every_rule_has_examples_source_and_both_languages(engine: Engine) -> None:
    for rule in engine.rules:
        assert rule.examples_fire and rule.examples_pass, rule.id
        assert rule.source.startswith("https://"), rule.id
        assert {"lv", "en"} <= set(rule.messages), rule.id


def _pack(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.toml").write_text('[pack]\nname = "t"\n', encoding="utf-8")
    (folder / "rules.toml").write_text(body, encoding="utf-8")
    return folder


RULE = """
[[rule]]
id = "{id}"
kind = "{kind}"
category = "voice"
level = "error"
{extra}
source = "https://example.org"
message.en = "m"
message.lv = "m"
examples.fire = ["a"]
examples.pass = ["b"]
"""


def test_a_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    folder = _pack(tmp_path, "[[rule]\nid = ")
    with pytest.raises(PolicyError, match=r"rules\.toml: TOML syntax error") as e:
        load_pack(folder)
    assert isinstance(e.value, ConfigError) and e.value.exit_code == 2


def test_an_unknown_rule_kind_names_file_and_rule(tmp_path: Path) -> None:
    folder = _pack(tmp_path, RULE.format(id="voice.x", kind="existance", extra='tokens.en = ["a"]'))
    with pytest.raises(PolicyError, match=r"rules\.toml: rule voice\.x: unknown rule kind 'existance'"):
        load_pack(folder)


# a{99999999999} ended in an internal OverflowError (issue 20, failure 5). Patterns that backtrack on
# `re` now run on RE2 in linear time (tests/checker/test_linear.py); what RE2 cannot run is refused.
@pytest.mark.parametrize("pattern", [r"(\w)\1", r"a{99999999999}", r"a(?<=a)b"])
def test_a_pattern_re2_cannot_run_is_refused_at_load(tmp_path: Path, pattern: str) -> None:
    extra = f"patterns.en = ['{pattern}']"
    folder = _pack(tmp_path, RULE.format(id="voice.bad", kind="existence", extra=extra))
    with pytest.raises(PolicyError, match=r"rule voice\.bad: pattern .* refused"):
        load_pack(folder)


def test_a_policy_file_nested_too_deep_is_refused(tmp_path: Path) -> None:
    folder = _pack(tmp_path, "x = " + "[" * 10_000 + "]" * 10_000)
    with pytest.raises(PolicyError, match=r"rules\.toml: arrays or tables nested too deeply"):
        load_pack(folder)


def test_a_rule_without_examples_is_refused(tmp_path: Path) -> None:
    body = RULE.format(id="voice.x", kind="existence", extra='tokens.en = ["a"]').replace(
        'examples.pass = ["b"]', ""
    )
    with pytest.raises(PolicyError, match=r"rule voice\.x: every rule needs examples"):
        load_pack(_pack(tmp_path, body))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('tokens.en = ["a"]\ntypo = 1', "unknown key"),
        ('use = ["nope"]', "unknown lexicon 'nope'"),
        ('tokens.xx = ["a"]', "unknown language"),
        ('patterns.en = ["("]', "not a valid regular expression"),
    ],
)
def test_other_mistakes_are_named(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(message)):
        load_pack(_pack(tmp_path, RULE.format(id="voice.x", kind="existence", extra=extra)))


def test_a_metric_formula_cannot_reach_python(tmp_path: Path) -> None:
    body = RULE.format(id="voice.m", kind="metric", extra="formula = \"__import__('os')\"\nmax = 1")
    with pytest.raises(PolicyError, match="not allowed"):
        load_pack(_pack(tmp_path, body))


def test_the_shipped_packs_load_from_a_copy(tmp_path: Path) -> None:
    shutil.copytree(POLICIES, tmp_path / "policies")
    engine = Engine.load(tmp_path / "policies", ["lv-public-sector"])
    assert len(engine.post_rules) == len(GUIDELINE_RULES)
