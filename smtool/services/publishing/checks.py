"""The guideline checker applied to posts: findings with match hashes, waivers, what blocks, and the
platforms' hard length limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypeVar, cast

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from smtool.checker import RecentPost, Waiver, match_hash
from smtool.checker.findings import FindingDict
from smtool.checker.rules import x_weighted_length
from smtool.checker.text import Doc
from smtool.config import Settings
from smtool.domain.states import PostEvent, PostState, PublicationState, next_post_state
from smtool.errors import SmtoolError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.guidelines import check_text
from smtool.services.publishing.posts import bump, load_post, targets, text_for
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Post, Publication
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
    recent_posts: Sequence[RecentPost] = (),
    now: datetime | None = None,
) -> list[HashedFinding]:
    """Findings for a post on one account, each with the `match_hash` a waiver names.

    `waivers` are (rule, match_hash, reason, approver, expires_at) as stored with the post;
    `recent_posts` the institution's posts before `now` (the burst rule).
    """
    result = check_text(
        text,
        settings=settings,
        account_id=account_id,
        author=author,
        waivers=[Waiver(*w) for w in waivers],
        recent_posts=recent_posts,
        now=now,
    )
    return [{**f.to_dict(), "match_hash": match_hash(f, text)} for f in result.findings]


def findings_for(ctx: Context, session: Session, post: Post) -> list[PostFinding]:
    """Checker findings of the post on each target account, with this post's waivers applied. The
    burst rule sees the institution's other posts around the time this one goes out (its schedule,
    else now), as the worker would send them."""
    assert post.id is not None
    waivers = session.exec(select(WaiverRow).where(WaiverRow.post_id == post.id)).all()
    accounts = []
    for account_id in targets(session, post.id):
        account = session.get(Account, account_id)
        assert account is not None
        accounts.append(account)
    return draft_findings(
        ctx,
        session,
        texts={a.platform: text_for(post, a.platform) for a in accounts},
        author=post.author,
        accounts=accounts,
        moment=post.scheduled_at or ctx.clock(),
        waivers=[(w.rule, w.match_hash, w.reason, w.approver, w.expires_at) for w in waivers],
        exclude_post=post.id,
    )


def draft_findings(
    ctx: Context,
    session: Session,
    *,
    texts: Mapping[str, str],
    author: str,
    accounts: Sequence[Account],
    moment: datetime,
    waivers: Sequence[tuple[str, str, str, str, datetime | None]] = (),
    exclude_post: int | None = None,
    recent: Sequence[RecentPost] | None = None,
) -> list[PostFinding]:
    """`findings_for` a post that may not be stored yet (an import checks every row before it
    writes any): `texts` per platform, the target `accounts`, the time it goes out. `recent`:
    posts already read for a window that holds this one's (`recent_posts_between`), else read here."""
    if recent is None:
        recent = recent_posts_in(session, moment, exclude_post=exclude_post)
    return findings_among(
        ctx.settings,
        texts=texts,
        author=author,
        accounts=accounts,
        moment=moment,
        waivers=waivers,
        recent=recent,
    )


def findings_among(
    settings: Settings,
    *,
    texts: Mapping[str, str],
    author: str,
    accounts: Sequence[Account],
    moment: datetime,
    recent: Sequence[RecentPost],
    waivers: Sequence[tuple[str, str, str, str, datetime | None]] = (),
) -> list[PostFinding]:
    """`draft_findings` without a database: `recent` holds at least the posts of this one's window
    (the burst rule takes those in it). An import's checking processes call it (they have no
    session, and must not use the connections they inherit)."""
    window = [p for p in recent if moment - RECENT_WINDOW <= p.at <= moment]
    results: list[PostFinding] = []
    for account in accounts:
        for finding in post_findings(
            settings,
            text=texts[account.platform],
            account_id=account.id,
            author=author,
            waivers=waivers,
            recent_posts=window,
            now=moment,
        ):
            results.append({**finding, "account": account.id})
    return results


# How far back the burst rule looks; the packs' windows are an hour or less.
RECENT_WINDOW = timedelta(hours=2)
# Publications that never went out and never will: they make no burst.
_NOT_SENT = (
    PublicationState.CANCELLED,
    PublicationState.EXPIRED,
    PublicationState.HELD,
    PublicationState.FAILED,
)


def recent_posts(ctx: Context, moment: datetime, *, exclude_post: int | None = None) -> list[RecentPost]:
    """The institution's posts published or scheduled in the window before `moment`, on every
    account, for the burst rule (the compose screen checks a draft with them as `post submit` does)."""
    with ctx.db.read() as session:
        return recent_posts_in(session, moment, exclude_post=exclude_post)


def recent_posts_in(
    session: Session, moment: datetime, *, exclude_post: int | None = None
) -> list[RecentPost]:
    """`recent_posts` in the caller's session. Replies to citizens are answers, not posts: left out."""
    return recent_posts_between(session, moment - RECENT_WINDOW, moment, exclude_post=exclude_post)


def recent_posts_between(
    session: Session, since: datetime, moment: datetime, *, exclude_post: int | None = None
) -> list[RecentPost]:
    """The posts `recent_posts_in` sees, for any window: an import reads the window around all
    its rows once, and each row takes its part (`draft_findings` with `recent`)."""
    published, due = col(Publication.published_at), col(Publication.due_at)
    query = select(Publication).where(
        col(Publication.reply_to_item_id).is_(None),
        col(Publication.state).not_in(_NOT_SENT),
        or_(
            and_(published.is_not(None), published >= since, published <= moment),
            and_(published.is_(None), due >= since, due <= moment),
        ),
    )
    if exclude_post is not None:
        query = query.where(col(Publication.post_id) != exclude_post)
    return [
        RecentPost(at=p.published_at or p.due_at, account_id=p.account_id, text=p.text)
        for p in session.exec(query).all()
    ]


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
    default_title = N_("Blocked by the guidelines")

    def __init__(self, what: str, blockers: Sequence[HashedFinding], fix: str = "") -> None:
        self.listed = listed_findings(blockers)
        self.fix = fix
        super().__init__(f"{what}: {self.listed}" + (f". {fix}" if fix else ""))


def listed_findings(findings: Sequence[HashedFinding]) -> str:
    """Each finding's rule, account where it matters, and message, for a line of a person's message."""
    return "; ".join(_named(f) for f in findings)


def _named(finding: HashedFinding) -> str:
    # A post's findings name the account they were found on (a variant may differ per platform).
    account = cast(Mapping[str, object], finding).get("account")
    if account:
        return _("{rule} on {account}: {message}").format(
            rule=finding["rule"], account=account, message=finding["message"]
        )
    return f"{finding['rule']}: {finding['message']}"


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
