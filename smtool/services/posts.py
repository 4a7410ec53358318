"""Drafting, checking, submitting, approving, rejecting and withdrawing posts.

An approval is bound to a hash of the exact content and targets; an edit voids it and cancels the
publications that have not started. The approval's transaction writes one publication row per target
account: the outbox the worker publishes from, so an approved post cannot be lost between the
approval and the worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from smtool.config import Settings
from smtool.domain.roles import Action, require, require_spokesperson
from smtool.domain.states import (
    PENDING_PUBLICATION_STATES,
    PostEvent,
    PostState,
    PublicationState,
    next_post_state,
)
from smtool.domain.timezones import parse_local
from smtool.errors import Conflict, NotFound, PermissionDenied, SmtoolError, UsageError
from smtool.services import audit
from smtool.services.audit import canonical_json
from smtool.services.context import Context
from smtool.services.refusals import audits_refusals
from smtool.store.tables import Account, Approval, Post, PostTarget, Publication, Waiver
from smtool.store.types import utcnow


@dataclass(frozen=True)
class Draft:
    """What a communicator gives: the text, where, when, and optional extras."""

    text: str
    accounts: Sequence[str]
    at: str | None = None  # "YYYY-MM-DD HH:MM" in the institution's zone; None: as soon as approved
    variants: dict[str, str] = field(default_factory=dict)  # platform -> text used there instead
    media: Sequence[str] = ()
    campaigns: Sequence[str] = ()


def content_hash(text: str, variants: dict[str, str], media: Sequence[str], accounts: Sequence[str]) -> str:
    """The fingerprint an approval is bound to: text, variants, media bytes and target accounts."""
    media_digests = []
    for name in media:
        try:
            media_digests.append(hashlib.sha256(Path(name).read_bytes()).hexdigest())
        except OSError:
            media_digests.append(f"missing:{name}")
    body = canonical_json(
        {"text": text, "variants": variants, "media": media_digests, "accounts": sorted(set(accounts))}
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def user_roles(settings: Settings, name: str) -> list[str]:
    """The roles of a configured user; raises PermissionDenied for an unknown user."""
    user = settings.user(name)
    if user is None:
        raise PermissionDenied(f"{name!r} is not a user of this installation (config.toml [[users]])")
    return list(user.roles)


def text_for(post: Post, platform: str) -> str:
    return post.variants.get(platform, post.text)


def _validate(ctx: Context, session: Session, draft: Draft) -> tuple[datetime | None, list[Account]]:
    """Refuse what cannot become a good post, with one message each; nothing is written before."""
    if not draft.text.strip():
        raise UsageError("the post has no text")
    if not draft.accounts:
        raise UsageError("name at least one target account (--account ID)")
    accounts = []
    for account_id in dict.fromkeys(draft.accounts):
        account = session.get(Account, account_id)
        if account is None or not account.active:
            known = ", ".join(a.id for a in ctx.settings.accounts) or "none configured"
            raise UsageError(f"unknown account {account_id!r}; accounts: {known}")
        accounts.append(account)
    for platform in draft.variants:
        if platform not in {a.platform for a in accounts}:
            raise UsageError(f"a variant for {platform!r}, but no target account is on that platform")
    for name in draft.media:
        if not Path(name).is_file():
            raise UsageError(f"media file {name!r} does not exist or is not a file")
    scheduled = None
    if draft.at:
        scheduled = parse_local(draft.at, ctx.settings.institution.timezone)
        if scheduled <= utcnow():
            raise UsageError(f"{draft.at} is in the past; choose a later time or publish as soon as approved")
    for account in accounts:
        _check_length(text_for_platform(draft, account.platform), account.platform)
    return scheduled, accounts


def text_for_platform(draft: Draft, platform: str) -> str:
    return draft.variants.get(platform, draft.text)


def _check_length(text: str, platform: str) -> None:
    from smtool.services.post_checks import platform_length

    length, limit = platform_length(text, platform)
    if limit is not None and length > limit:
        raise UsageError(
            f"the text is {length} characters as {platform} counts them, over its limit of {limit}; "
            "shorten it or give a shorter variant for that platform"
        )


@audits_refusals("post.create")
def create_post(ctx: Context, actor: str, draft: Draft) -> int:
    """Save a new draft; returns its id. Raises UsageError or PermissionDenied, writing nothing."""
    require(actor, user_roles(ctx.settings, actor), Action.DRAFT_POST)
    with ctx.db.write() as session:
        return _create(ctx, session, actor, draft)


def _create(ctx: Context, session: Session, actor: str, draft: Draft) -> int:
    scheduled, accounts = _validate(ctx, session, draft)
    post = Post(
        author=actor,
        text=draft.text,
        variants=dict(draft.variants),
        media=[str(Path(m).resolve()) for m in draft.media],
        campaigns=list(dict.fromkeys(draft.campaigns)),
        scheduled_at=scheduled,
        content_hash=content_hash(draft.text, dict(draft.variants), draft.media, [a.id for a in accounts]),
    )
    session.add(post)
    session.flush()
    assert post.id is not None
    for account in accounts:
        session.add(PostTarget(post_id=post.id, account_id=account.id))
    audit.append(
        session,
        actor=actor,
        action="post.create",
        subject_type="post",
        subject_id=post.id,
        payload={
            "accounts": [a.id for a in accounts],
            "scheduled_at": scheduled,
            "hash": post.content_hash,
        },
    )
    return post.id


def _load(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"no post {post_id}; see `smtool post list`")
    return post


def targets(session: Session, post_id: int) -> list[str]:
    rows = session.exec(select(PostTarget.account_id).where(PostTarget.post_id == post_id)).all()
    return sorted(rows)


def _bump(session: Session, post: Post, state: PostState, expected_version: int | None) -> None:
    """Optimistic check: the row changes only if nobody changed it since the caller read it."""
    if expected_version is not None and expected_version != post.version:
        raise Conflict(
            f"post {post.id} was changed by someone else (version {post.version}, you had "
            f"{expected_version}); reload it and try again"
        )
    post.state = state
    post.version += 1
    post.updated_at = utcnow()
    session.add(post)


@audits_refusals("post.edit")
def edit_post(
    ctx: Context,
    actor: str,
    post_id: int,
    draft: Draft,
    expected_version: int | None = None,
) -> None:
    """Replace a post's content; voids any approval and cancels publications not yet started."""
    with ctx.db.write() as session:
        post = _load(session, post_id)
        if post.author != actor:
            require(actor, user_roles(ctx.settings, actor), Action.DRAFT_POST)
        next_state = next_post_state(post.state, PostEvent.EDIT)
        scheduled, accounts = _validate(ctx, session, draft)
        was_approved = post.state == PostState.APPROVED
        cancelled = _cancel_pending(session, post_id) if was_approved else []
        if was_approved:
            _void_approvals(session, post_id)
        post.text = draft.text
        post.variants = dict(draft.variants)
        post.media = [str(Path(m).resolve()) for m in draft.media]
        post.campaigns = list(dict.fromkeys(draft.campaigns))
        post.scheduled_at = scheduled
        post.content_hash = content_hash(post.text, post.variants, post.media, [a.id for a in accounts])
        for old in session.exec(select(PostTarget).where(PostTarget.post_id == post_id)).all():
            session.delete(old)
        session.flush()
        for account in accounts:
            session.add(PostTarget(post_id=post_id, account_id=account.id))
        _bump(session, post, next_state, expected_version)
        audit.append(
            session,
            actor=actor,
            action="post.edit",
            subject_type="post",
            subject_id=post_id,
            payload={"hash": post.content_hash, "voided_approval": was_approved, "cancelled": cancelled},
        )


def _cancel_pending(session: Session, post_id: int) -> list[int]:
    rows = session.exec(
        select(Publication).where(
            Publication.post_id == post_id,
            col(Publication.state).in_([s.value for s in PENDING_PUBLICATION_STATES]),
        )
    ).all()
    for row in rows:
        row.state = PublicationState.CANCELLED
        row.version += 1
        row.updated_at = utcnow()
        session.add(row)
    return [row.id for row in rows if row.id is not None]


def _void_approvals(session: Session, post_id: int) -> None:
    for approval in session.exec(
        select(Approval).where(Approval.post_id == post_id, col(Approval.voided_at).is_(None))
    ).all():
        approval.voided_at = utcnow()
        session.add(approval)


def findings_for(ctx: Context, session: Session, post: Post) -> list[dict[str, Any]]:
    """Checker findings of the post on each target account, with this post's waivers applied."""
    from smtool.services.post_checks import post_findings

    assert post.id is not None
    waivers = session.exec(select(Waiver).where(Waiver.post_id == post.id)).all()
    results: list[dict[str, Any]] = []
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


def blocking_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unwaived errors other than those an approval answers."""
    return [
        f
        for f in findings
        if f["level"] == "error" and not f.get("waived") and f["rule"] not in SATISFIED_BY_APPROVAL
    ]


@audits_refusals("post.check")
def check_post(ctx: Context, actor: str, post_id: int) -> list[dict[str, Any]]:
    """Run the checker; a post with no unwaived error becomes `checked`. Returns every finding."""
    with ctx.db.write() as session:
        post = _load(session, post_id)
        findings = findings_for(ctx, session, post)
        if post.state in (PostState.DRAFT, PostState.CHECKED) and not blocking_findings(findings):
            _bump(session, post, next_post_state(post.state, PostEvent.CHECK), None)
        return findings


@audits_refusals("post.submit")
def submit_post(ctx: Context, actor: str, post_id: int) -> list[dict[str, Any]]:
    """Check and submit for approval. Raises UsageError listing unwaived errors; nothing changes then."""
    require(actor, user_roles(ctx.settings, actor), Action.SUBMIT_POST)
    with ctx.db.write() as session:
        return _submit(ctx, session, actor, post_id)


def _submit(ctx: Context, session: Session, actor: str, post_id: int) -> list[dict[str, Any]]:
    post = _load(session, post_id)
    if post.author != actor:
        raise PermissionDenied(f"only the author ({post.author}) may submit post {post_id}")
    findings = findings_for(ctx, session, post)
    blockers = blocking_findings(findings)
    if blockers:
        listed = "; ".join(f"{f['rule']} on {f['account']}: {f['message']}" for f in blockers)
        raise UsageError(
            f"post {post_id} has errors an approver must waive first: {listed}. "
            "Fix the text, or ask an approver to waive them with a reason."
        )
    state = PostState(post.state)
    if state == PostState.DRAFT:
        state = next_post_state(state, PostEvent.CHECK)
    _bump(session, post, next_post_state(state, PostEvent.SUBMIT), None)
    audit.append(
        session,
        actor=actor,
        action="post.submit",
        subject_type="post",
        subject_id=post_id,
        payload={"hash": post.content_hash, "findings": len(findings)},
    )
    return findings


@audits_refusals("post.approve")
def approve_posts(ctx: Context, actor: str, post_ids: Sequence[int], comment: str | None = None) -> list[int]:
    """Approve several reviewed posts at once, all or none; returns the publication ids written.

    Raises PermissionDenied (not an approver, not a spokesperson of a target, own post), InvalidTransition
    (not submitted) or UsageError (unwaived errors); nothing is approved then.
    """
    require(actor, user_roles(ctx.settings, actor), Action.APPROVE_POST)
    window = timedelta(hours=ctx.settings.publishing.window_hours)
    written: list[int] = []
    with ctx.db.write() as session:
        for post_id in dict.fromkeys(post_ids):
            post = _load(session, post_id)
            next_state = next_post_state(post.state, PostEvent.APPROVE)
            accounts = targets(session, post_id)
            for account_id in accounts:
                configured = ctx.settings.account(account_id)
                require_spokesperson(actor, account_id, configured.spokespeople if configured else [])
                if post.author == actor and not (configured and configured.self_approval):
                    raise PermissionDenied(
                        f"{actor} wrote post {post_id} and may not approve it too; another "
                        f"spokesperson must (account {account_id} does not allow self-approval)"
                    )
            current = content_hash(post.text, post.variants, post.media, accounts)
            if current != post.content_hash:
                raise Conflict(
                    f"post {post_id} changed since it was submitted (its media differ); resubmit it"
                )
            blockers = blocking_findings(findings_for(ctx, session, post))
            if blockers:
                listed = "; ".join(f"{f['rule']}: {f['message']}" for f in blockers)
                raise UsageError(f"post {post_id} has unwaived errors: {listed}")
            approval = Approval(
                post_id=post_id, approver=actor, decision="approved", comment=comment, content_hash=current
            )
            session.add(approval)
            session.flush()
            assert approval.id is not None
            due = post.scheduled_at or utcnow()
            for account_id in accounts:
                account = session.get(Account, account_id)
                assert account is not None
                publication = Publication(
                    post_id=post_id,
                    approval_id=approval.id,
                    account_id=account_id,
                    text=text_for(post, account.platform),
                    due_at=due,
                    not_after=max(due, utcnow()) + window,
                )
                session.add(publication)
                session.flush()
                assert publication.id is not None
                written.append(publication.id)
            _bump(session, post, next_state, None)
            audit.append(
                session,
                actor=actor,
                action="post.approve",
                subject_type="post",
                subject_id=post_id,
                payload={"hash": current, "accounts": accounts, "due_at": due, "comment": comment},
            )
    return written


@audits_refusals("post.reject")
def reject_post(ctx: Context, actor: str, post_id: int, comment: str) -> None:
    """Send a submitted post back to its author with a reason."""
    require(actor, user_roles(ctx.settings, actor), Action.APPROVE_POST)
    if not comment.strip():
        raise UsageError("say why the post is rejected (--comment TEXT); the author needs to know")
    with ctx.db.write() as session:
        post = _load(session, post_id)
        next_state = next_post_state(post.state, PostEvent.REJECT)
        session.add(
            Approval(
                post_id=post_id,
                approver=actor,
                decision="rejected",
                comment=comment,
                content_hash=post.content_hash,
            )
        )
        _bump(session, post, next_state, None)
        audit.append(
            session,
            actor=actor,
            action="post.reject",
            subject_type="post",
            subject_id=post_id,
            payload={"comment": comment},
        )


@audits_refusals("post.withdraw")
def withdraw_post(ctx: Context, actor: str, post_id: int) -> list[int]:
    """Withdraw a post; publications not yet started are cancelled. Returns their ids."""
    with ctx.db.write() as session:
        post = _load(session, post_id)
        roles = user_roles(ctx.settings, actor)
        if post.author != actor:
            require(actor, roles, Action.APPROVE_POST)
        next_state = next_post_state(post.state, PostEvent.WITHDRAW)
        cancelled = _cancel_pending(session, post_id)
        _void_approvals(session, post_id)
        _bump(session, post, next_state, None)
        audit.append(
            session,
            actor=actor,
            action="post.withdraw",
            subject_type="post",
            subject_id=post_id,
            payload={"cancelled": cancelled},
        )
        return cancelled


@audits_refusals("post.waive")
def waive_finding(
    ctx: Context,
    actor: str,
    post_id: int,
    *,
    rule: str,
    match_hash: str,
    reason: str,
    expires_at: datetime | None = None,
) -> None:
    """Record an approver's waiver of one finding (rule + match hash) with a reason."""
    require(actor, user_roles(ctx.settings, actor), Action.WAIVE_FINDING)
    if not reason.strip():
        raise UsageError("a waiver needs a reason (--reason TEXT)")
    with ctx.db.write() as session:
        post = _load(session, post_id)
        current = findings_for(ctx, session, post)
        if not any(f["rule"] == rule and f["match_hash"] == match_hash for f in current):
            raise UsageError(
                f"post {post_id} has no finding {rule} with match {match_hash[:12]}; "
                "see `smtool post show` for the current findings"
            )
        session.add(
            Waiver(
                post_id=post_id,
                rule=rule,
                match_hash=match_hash,
                reason=reason,
                approver=actor,
                expires_at=expires_at,
            )
        )
        audit.append(
            session,
            actor=actor,
            action="post.waive",
            subject_type="post",
            subject_id=post_id,
            payload={"rule": rule, "match_hash": match_hash, "reason": reason, "expires_at": expires_at},
        )


@audits_refusals("post.import")
def import_csv(ctx: Context, actor: str, path: Path) -> list[int]:
    """Create and submit one post per CSV row (columns: account, at, text); all rows or none.

    `at` empty means as soon as approved. Raises UsageError listing every bad row by line number.
    """
    import csv

    require(actor, user_roles(ctx.settings, actor), Action.SUBMIT_POST)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"account", "at", "text"} - set(reader.fieldnames or [])
            if missing:
                raise UsageError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}; expected account, at, text"
                )
            rows = [(reader.line_num, row) for row in reader]
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise UsageError(f"{path} is not a readable UTF-8 CSV file: {e}") from None
    if not rows:
        raise UsageError(f"{path} has no rows to import")
    errors: list[str] = []
    created: list[int] = []
    with ctx.db.write() as session:
        for line, row in rows:
            accounts = [
                a.strip() for a in (row.get("account") or "").replace(";", ",").split(",") if a.strip()
            ]
            draft = Draft(
                text=row.get("text") or "", accounts=accounts, at=(row.get("at") or "").strip() or None
            )
            try:
                with session.begin_nested():
                    post_id = _create(ctx, session, actor, draft)
                    _submit(ctx, session, actor, post_id)
                created.append(post_id)
            except SmtoolError as e:
                errors.append(f"line {line}: {e.msg}")
        if errors:
            # Raising inside the transaction rolls every row back: nothing is half-imported.
            raise UsageError(f"{path}: {len(errors)} bad row(s), nothing imported:\n" + "\n".join(errors))
    return created
