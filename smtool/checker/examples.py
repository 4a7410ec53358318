"""Run the examples every rule carries: those under `fire` must trigger the rule, those under `pass`
must not. The test suite runs them; so can a policy author."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from smtool.checker.context import ACCOUNT_KINDS, AccountKind, CheckContext, RecentPost
from smtool.checker.engine import Engine
from smtool.checker.rules import Rule

EXAMPLE_NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
EXAMPLE_INSTITUTION = "Valsts kanceleja"
EXAMPLE_SPOKESPEOPLE = frozenset({"karlis"})


def example_context(rule: Rule, example: Any) -> tuple[str, CheckContext]:
    """The text and context of one example: a string, or a table with `text` and context keys
    (account_kind, author, platform, account_name, election, profile_disclaimer, allowed_phones,
    allowed_email_domains, allowed_names, recent = [{minutes_ago, account, text}])."""
    spec: dict[str, Any] = {"text": example} if isinstance(example, str) else dict(example)
    kinds = sorted(rule.account_kinds, key=ACCOUNT_KINDS.index)
    kind = cast(AccountKind, spec.get("account_kind") or kinds[0])
    recent = tuple(
        RecentPost(
            EXAMPLE_NOW - timedelta(minutes=float(p["minutes_ago"])), str(p["account"]), str(p["text"])
        )
        for p in spec.get("recent", ())
    )
    platform = spec.get("platform")
    if platform is None and rule.platforms:
        platform = sorted(rule.platforms)[0]
    ctx = CheckContext(
        account_kind=kind,
        account_id="example",
        account_name=spec.get("account_name"),
        spokespeople=EXAMPLE_SPOKESPEOPLE,
        author=spec.get("author"),
        platform=platform,
        allowed_phones=frozenset(spec.get("allowed_phones", ())),
        allowed_email_domains=frozenset(spec.get("allowed_email_domains", ())),
        allowed_names=frozenset(spec.get("allowed_names", ())),
        recent_posts=recent,
        election_period=(EXAMPLE_NOW.date(), EXAMPLE_NOW.date()) if spec.get("election") else None,
        now=EXAMPLE_NOW,
        institution_name=EXAMPLE_INSTITUTION,
        languages=tuple(spec.get("languages", ("lv", "en"))),
        profile_disclaimer=bool(spec.get("profile_disclaimer", False)),
    )
    return str(spec["text"]), ctx


def verify_examples(engine: Engine) -> list[str]:
    """One line per example that does not behave as its rule says (empty when all pass)."""
    failures: list[str] = []
    for rule in engine.rules:
        for expected, examples in ((True, rule.examples_fire), (False, rule.examples_pass)):
            for example in examples:
                text, ctx = example_context(rule, example)
                if rule.flag is not None or rule in engine.incoming_rules:
                    found = [f for f in engine.triage(text, ctx).findings if f.rule == rule.id]
                else:
                    found = [f for f in engine.check(text, ctx, rules=[rule]) if f.rule == rule.id]
                if bool(found) != expected:
                    what = "did not fire" if expected else f"fired on {[f.match for f in found]}"
                    failures.append(f"{rule.file}: {rule.id}: example {text!r} {what}")
    return failures
