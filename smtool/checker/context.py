"""Everything the checker needs to know besides the text: account, author, platform, history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

AccountKind = Literal["institution", "official", "personal"]
ACCOUNT_KINDS: tuple[AccountKind, ...] = ("institution", "official", "personal")
PLATFORMS: tuple[str, ...] = ("x", "facebook")


@dataclass(frozen=True, slots=True)
class RecentPost:
    """A post already published or scheduled, for the burst rule."""

    at: datetime
    account_id: str
    text: str


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Who posts where, and what the institution allows.

    `spokespeople` are the users who may speak for the institution on this account (for a personal or
    official account: the institution's spokespeople). `recent_posts` feeds the burst rule and should hold
    the last hour or so of posts of all the institution's accounts.
    """

    account_kind: AccountKind = "institution"
    account_id: str | None = None
    account_name: str | None = None
    spokespeople: frozenset[str] = frozenset()
    author: str | None = None
    platform: str | None = None
    allowed_phones: frozenset[str] = frozenset()
    allowed_email_domains: frozenset[str] = frozenset()
    allowed_names: frozenset[str] = frozenset()
    recent_posts: Sequence[RecentPost] = ()
    election_period: tuple[date, date] | None = None
    now: datetime = field(default_factory=_now)
    institution_name: str | None = None
    languages: tuple[str, ...] = ("lv", "en")
    profile_disclaimer: bool = False

    @property
    def in_election_period(self) -> bool:
        """True when `now` falls in the configured pre-election period (both ends included)."""
        if self.election_period is None:
            return False
        start, end = self.election_period
        return start <= self.now.date() <= end

    @property
    def author_is_spokesperson(self) -> bool:
        return self.author is not None and self.author in self.spokespeople
