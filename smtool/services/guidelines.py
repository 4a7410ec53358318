"""The bridge from settings to the guideline checker, used by the CLI, the TUI and approval services.

Builds a CheckContext from the configuration (account, spokespeople, allow-lists, pre-election
period), loads each set of policy packs once per process, and checks single texts or batches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

from smtool.checker import (
    ACCOUNT_KINDS,
    PLATFORMS,
    AccountKind,
    CheckContext,
    Engine,
    Finding,
    RecentPost,
    Triage,
    TriageFlags,
    Waiver,
    blocking,
)
from smtool.checker.findings import FindingDict
from smtool.checker.packs import default_policies_dir
from smtool.config import Settings
from smtool.errors import NotFound, UsageError
from smtool.i18n import _

POLICIES_ENV = "SMTOOL_POLICIES_DIR"
DEFAULT_PACKS: tuple[str, ...] = ("lv-public-sector",)
INCOMING_PACKS: tuple[str, ...] = ("lv-incoming",)
LANGS = ("en", "lv")

__all__ = [
    "BatchItem",
    "BatchResult",
    "BatchResultDict",
    "CheckResult",
    "CheckResultDict",
    "TriageFlags",
    "check_batch",
    "check_text",
    "context_for",
    "engine_for",
    "load_engines",
    "policies_dir",
    "read_jsonl",
    "triage_flags_of",
    "triage_text",
]


def policies_dir(explicit: str | Path | None = None) -> Path:
    """The policies folder: `explicit`, else SMTOOL_POLICIES_DIR, else the bundled `policies` package."""
    chosen = explicit or os.environ.get(POLICIES_ENV)
    if chosen:
        return Path(chosen)
    return default_policies_dir()


@lru_cache(maxsize=16)
def _engine(packs: tuple[str, ...], folder: str) -> Engine:
    return Engine.load(Path(folder), packs)


def engine_for(packs: Sequence[str] = DEFAULT_PACKS, directory: str | Path | None = None) -> Engine:
    """The engine for these packs, compiled once per process.

    Raises PolicyError (a ConfigError) when a pack is missing or malformed.
    """
    return _engine(tuple(packs) + INCOMING_PACKS, str(policies_dir(directory)))


class CheckResultDict(TypedDict):
    """`smtool check --format json`: the findings and whether they block submission."""

    findings: list[FindingDict]
    blocking: bool


@dataclass(frozen=True)
class CheckResult:
    """Findings for one text and whether they block submission (an unwaived error)."""

    findings: list[Finding]
    blocking: bool
    context: CheckContext

    def to_dict(self) -> CheckResultDict:
        return {"findings": [f.to_dict() for f in self.findings], "blocking": self.blocking}


def context_for(
    settings: Settings | None,
    *,
    account_id: str | None = None,
    account_kind: str | None = None,
    author: str | None = None,
    platform: str | None = None,
    recent_posts: Sequence[RecentPost] = (),
    now: datetime | None = None,
) -> CheckContext:
    """The checker context for a post by `author` on an account.

    With `account_id`, the account's kind, platform, spokespeople and allow-lists come from the
    settings; `account_kind` alone works without settings. Raises UsageError when neither or an
    unknown kind or platform is given, and NotFound for an account id the settings do not have.
    """
    if platform is not None and platform not in PLATFORMS:
        raise UsageError(
            _("unknown platform {platform}; expected one of {choices}").format(
                platform=repr(platform), choices=", ".join(PLATFORMS)
            )
        )
    if account_kind is not None and account_kind not in ACCOUNT_KINDS:
        raise UsageError(
            _("unknown account kind {kind}; expected one of {choices}").format(
                kind=repr(account_kind), choices=", ".join(ACCOUNT_KINDS)
            )
        )
    moment = now or datetime.now(UTC)
    if account_id is None:
        if account_kind is None:
            raise UsageError(
                _("say which account: --account ID or --account-kind institution|official|personal")
            )
        return _base_context(settings, account_kind, author, platform, recent_posts, moment)
    if settings is None:
        raise UsageError(_("--account needs a configuration file; use --account-kind without one"))
    account = settings.account(account_id)
    if account is None:
        known = ", ".join(a.id for a in settings.accounts) or _("none configured")
        raise NotFound(
            _("no account {account} in the configuration (known: {known})").format(
                account=repr(account_id), known=known
            )
        )
    kind: AccountKind = account_kind or account.kind
    base = _base_context(settings, kind, author, platform or account.platform, recent_posts, moment)
    if kind == "institution":
        spokespeople = frozenset(account.spokespeople)
    else:
        spokespeople = base.spokespeople | frozenset(account.spokespeople)
    return CheckContext(
        account_kind=kind,
        account_id=account.id,
        account_name=account.handle,
        spokespeople=spokespeople,
        author=author,
        platform=base.platform,
        allowed_phones=base.allowed_phones | frozenset(account.allowed_phones),
        allowed_email_domains=base.allowed_email_domains | frozenset(account.allowed_email_domains),
        allowed_names=base.allowed_names | frozenset(account.allowed_names),
        recent_posts=recent_posts,
        election_period=base.election_period,
        now=moment,
        institution_name=base.institution_name,
        languages=base.languages,
        profile_disclaimer=account.profile_disclaimer,
    )


def _base_context(
    settings: Settings | None,
    kind: AccountKind,
    author: str | None,
    platform: str | None,
    recent_posts: Sequence[RecentPost],
    now: datetime,
) -> CheckContext:
    if settings is None:
        return CheckContext(
            account_kind=kind, author=author, platform=platform, recent_posts=recent_posts, now=now
        )
    checker = settings.checker
    period = None
    if checker.election_start is not None and checker.election_end is not None:
        period = (checker.election_start, checker.election_end)
    # On a personal or official account, the institution's spokespeople are those of its own accounts.
    institution_speakers = frozenset(
        p for a in settings.accounts if a.kind == "institution" for p in a.spokespeople
    )
    return CheckContext(
        account_kind=kind,
        spokespeople=institution_speakers,
        author=author,
        platform=platform,
        allowed_phones=frozenset(checker.allowed_phones),
        allowed_email_domains=frozenset(checker.allowed_email_domains),
        allowed_names=frozenset(checker.allowed_names),
        recent_posts=recent_posts,
        election_period=period,
        now=now,
        institution_name=settings.institution.name,
        languages=tuple(settings.institution.languages),
    )


def _packs(settings: Settings | None, account_id: str | None) -> tuple[str, ...]:
    if settings is not None and account_id is not None:
        account = settings.account(account_id)
        if account is not None:
            return tuple(account.policies)
    return DEFAULT_PACKS


def load_engines(settings: Settings, account_ids: Iterable[str]) -> None:
    """Compile the packs these accounts are checked with, now (about 0.4 s each the first time): a
    process about to fork checkers does it once for all of them. Raises PolicyError as engine_for."""
    for packs in {_packs(settings, account_id) for account_id in account_ids}:
        engine_for(packs)


def _check_lang(lang: str | None) -> None:
    if lang is not None and lang not in LANGS:
        raise UsageError(
            _("unknown message language {lang}; expected one of {choices}").format(
                lang=repr(lang), choices=", ".join(LANGS)
            )
        )


def check_text(
    text: str,
    *,
    settings: Settings | None = None,
    account_id: str | None = None,
    account_kind: str | None = None,
    author: str | None = None,
    platform: str | None = None,
    lang: str | None = None,
    waivers: Iterable[Waiver] = (),
    recent_posts: Sequence[RecentPost] = (),
    now: datetime | None = None,
    policies: str | Path | None = None,
) -> CheckResult:
    """Check one post; messages in `lang`, by default in the post's own language (Engine.check).
    Raises UsageError/NotFound for a bad account or option (see context_for) and
    PolicyError for a bad policy pack."""
    _check_lang(lang)
    ctx = context_for(
        settings,
        account_id=account_id,
        account_kind=account_kind,
        author=author,
        platform=platform,
        recent_posts=recent_posts,
        now=now,
    )
    engine = engine_for(_packs(settings, account_id), policies)
    findings = engine.check(text, ctx, lang=lang, waivers=waivers)
    return CheckResult(findings, blocking(findings), ctx)


def triage_text(
    text: str,
    *,
    settings: Settings | None = None,
    lang: str | None = None,
    policies: str | Path | None = None,
) -> Triage:
    """Triage incoming citizen text: flags (question, personal data, abuse, spam), findings and a
    redacted copy. Raises PolicyError for a bad policy pack."""
    _check_lang(lang)
    ctx = _base_context(settings, "institution", None, None, (), datetime.now(UTC))
    return engine_for(DEFAULT_PACKS, policies).triage(text, ctx, lang=lang)


def triage_flags_of(
    texts: Sequence[str], *, settings: Settings | None = None, policies: str | Path | None = None
) -> list[TriageFlags]:
    """The triage flags of many incoming texts at once (ingest stores a page at a time): the same
    flags as triage_text gives each, with the engine and context resolved once for the page.
    Raises PolicyError for a bad policy pack."""
    ctx = _base_context(settings, "institution", None, None, (), datetime.now(UTC))
    return engine_for(DEFAULT_PACKS, policies).triage_flags(texts, ctx)


@dataclass(frozen=True)
class BatchItem:
    """One input line of batch mode."""

    id: Any
    text: str
    account: str | None = None
    author: str | None = None
    account_kind: str | None = None
    platform: str | None = None


class BatchResultDict(TypedDict):
    """One output line of `smtool check --jsonl`: the input's id (any JSON value) and its findings."""

    id: Any
    findings: list[FindingDict]


@dataclass(frozen=True)
class BatchResult:
    """One output line of batch mode."""

    id: Any
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> BatchResultDict:
        return {"id": self.id, "findings": [f.to_dict() for f in self.findings]}


def read_jsonl(lines: Iterable[str], source: str = "input") -> Iterator[BatchItem]:
    """Parse batch lines {"id", "text", "account", "author"} (optionally "account_kind", "platform");
    blank lines are skipped. Raises UsageError naming the line for invalid JSON or fields."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            raise UsageError(
                _("{source}, line {line}: not valid JSON ({error})").format(
                    source=source, line=number, error=e.msg
                )
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise UsageError(
                _('{source}, line {line}: expected an object with a "text" string').format(
                    source=source, line=number
                )
            )
        for key in ("account", "author", "account_kind", "platform"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise UsageError(
                    _("{source}, line {line}: {key} must be a string").format(
                        source=source, line=number, key=repr(key)
                    )
                )
        yield BatchItem(
            id=data.get("id", number),
            text=data["text"],
            account=data.get("account"),
            author=data.get("author"),
            account_kind=data.get("account_kind"),
            platform=data.get("platform"),
        )


def check_batch(
    items: Iterable[BatchItem],
    *,
    settings: Settings | None = None,
    account_kind: str | None = None,
    author: str | None = None,
    platform: str | None = None,
    lang: str | None = None,
    policies: str | Path | None = None,
) -> Iterator[BatchResult]:
    """Check many posts; per-item fields win over the defaults given here. Raises like check_text
    (naming the item id when its account is unknown)."""
    for item in items:
        try:
            result = check_text(
                item.text,
                settings=settings,
                account_id=item.account,
                account_kind=item.account_kind or (None if item.account else account_kind),
                author=item.author or author,
                platform=item.platform or platform,
                lang=lang,
                policies=policies,
            )
        except (UsageError, NotFound) as e:
            raise type(e)(_("item {item}: {problem}").format(item=repr(item.id), problem=e.msg)) from None
        yield BatchResult(item.id, result.findings)
