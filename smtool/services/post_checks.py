"""The guideline checker applied to posts: findings with match hashes, and hard platform limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from smtool.checker import Waiver, match_hash
from smtool.checker.rules import x_weighted_length
from smtool.checker.text import Doc
from smtool.config import Settings
from smtool.services.checking import check_text

# What the platforms themselves refuse: a post over these cannot be published at all.
PLATFORM_LIMITS = {"x": 280, "facebook": 63206}


def platform_length(text: str, platform: str) -> tuple[int, int | None]:
    """The text's length as the platform counts it (X: weighted, URLs 23) and the platform's limit."""
    length = x_weighted_length(Doc(text)) if platform == "x" else len(text)
    return length, PLATFORM_LIMITS.get(platform)


def post_findings(
    settings: Settings,
    *,
    text: str,
    account_id: str,
    author: str,
    waivers: Sequence[tuple[str, str, str, str, datetime | None]],
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Findings for a post on one account, each with the `match_hash` a waiver names.

    `waivers` are (rule, match_hash, reason, approver, expires_at) as stored with the post.
    """
    result = check_text(
        text,
        settings=settings,
        account_id=account_id,
        author=author,
        waivers=[Waiver(*w) for w in waivers],
        now=now,
    )
    return [{**f.to_dict(), "match_hash": match_hash(f, text)} for f in result.findings]
