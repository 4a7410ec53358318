"""The guideline checker applied to posts: findings with match hashes, waivers, what blocks, and the
platforms' hard length limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TypeVar, cast

from sqlmodel import Session, select

from smtool.checker import Waiver, match_hash
from smtool.checker.findings import FindingDict
from smtool.checker.rules import x_weighted_length
from smtool.checker.text import Doc
from smtool.config import Settings
from smtool.domain.states import PostEvent, PostState, next_post_state
from smtool.errors import SmtoolError
from smtool.services.context import Context
from smtool.services.guidelines import check_text
from smtool.services.publishing.posts import bump, load_post, targets, text_for
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Post
from smtool.store.tables import Waiver as WaiverRow

# What the platforms themselves refuse: a post over these cannot be published at all.
PLATFORM_LIMITS = {"x": 280, "facebook": 63206}


class HashedFinding(FindingDict):
    """A finding on a text, with the hash of its match that a waiver names."""

    match_hash: str


class PostFinding(HashedFinding):
    """A finding of a post on one of its target accounts (the post's waivers applied)."""

    account: str


F = TypeVar("F", bound=FindingDict)


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
) -> list[HashedFinding]:
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


def findings_for(ctx: Context, session: Session, post: Post) -> list[PostFinding]:
    """Checker findings of the post on each target account, with this post's waivers applied."""
    assert post.id is not None
    waivers = session.exec(select(WaiverRow).where(WaiverRow.post_id == post.id)).all()
    results: list[PostFinding] = []
    for account_id in targets(session, post.id):
        account = session.get(Account, account_id)
        assert account is not None
        for finding in post_findings(
            ctx.settings,
            text=text_for(post, account.platform),
            account_id=account_id,
            author=post.author,
            waivers=[(w.rule, w.match_hash, w.reason, w.approver, w.expires_at) for w in waivers],
        ):
            results.append({**finding, "account": account_id})
    return results


# Findings that the approval itself answers: a post by someone who may not speak for the institution
# is exactly what an approver (a spokesperson) signs off, so it routes to approval instead of blocking.
SATISFIED_BY_APPROVAL = frozenset({"authorization.not-spokesperson"})


def blocking_findings(findings: Sequence[F]) -> list[F]:
    """Unwaived errors other than those an approval answers."""
    return [
        f
        for f in findings
        if f["level"] == "error" and not f["waived"] and f["rule"] not in SATISFIED_BY_APPROVAL
    ]


class BlockedByFindings(SmtoolError):
    """Unwaived checker errors stop a post or a reply. That is a finding about the text, not bad input
    to the command, so the CLI exits 1 as `smtool check` does (2 stays for usage and configuration).

    `listed` names each blocking finding (rule, account where it matters, message) without naming the
    post: an import reports it by CSV line, since the post it would have created never exists.
    """

    exit_code = 1
    default_title = "Blocked by the guidelines"

    def __init__(self, what: str, blockers: Sequence[HashedFinding], fix: str = "") -> None:
        self.listed = "; ".join(_named(f) for f in blockers)
        self.fix = fix
        super().__init__(f"{what}: {self.listed}" + (f". {fix}" if fix else ""))


def _named(finding: HashedFinding) -> str:
    # A post's findings name the account they were found on (a variant may differ per platform).
    account = cast(Mapping[str, object], finding).get("account")
    where = f" on {account}" if account else ""
    return f"{finding['rule']}{where}: {finding['message']}"


@audits_refusals("post.check")
def check_post(ctx: Context, actor: str, post_id: int) -> list[PostFinding]:
    """Run the checker; a post with no unwaived error becomes `checked`. Returns every finding.

    Raises NotFound for a post that does not exist.
    """
    with ctx.db.write() as session:
        post = load_post(session, post_id)
        findings = findings_for(ctx, session, post)
        if post.state in (PostState.DRAFT, PostState.CHECKED) and not blocking_findings(findings):
            bump(session, post, next_post_state(post.state, PostEvent.CHECK), None, now=ctx.clock())
        return findings
