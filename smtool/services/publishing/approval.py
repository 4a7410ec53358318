"""Submitting posts for approval and deciding on them: approve, reject, waive a finding, withdraw.

An approval is bound to a hash of the exact content and targets. Its transaction writes one
publication row per target account: the outbox the worker publishes from, so an approved post cannot
be lost between the approval and the worker. Each row is sealed (seals): signed with the
installation's key over exactly what it will send.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from smtool.domain.roles import Action, require, require_spokesperson
from smtool.domain.states import PostEvent, PostState, next_post_state
from smtool.errors import Conflict, PermissionDenied, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.people import user_roles
from smtool.services.publishing.checks import (
    BlockedByFindings,
    PostFinding,
    blocking_findings,
    findings_for,
)
from smtool.services.publishing.posts import (
    bump,
    cancel_pending,
    content_hash,
    load_post,
    targets,
    text_for,
    void_approvals,
)
from smtool.services.publishing.seals import seal
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.statistics import after_bulk_write
from smtool.store.tables import Account, Approval, Publication, Waiver


@audits_refusals("post.submit")
def submit_post(ctx: Context, actor: str, post_id: int) -> list[PostFinding]:
    """Check and submit for approval; returns every finding. Raises BlockedByFindings listing unwaived errors,
    PermissionDenied (not a communicator, not the author), NotFound or InvalidTransition; nothing
    changes then."""
    require(actor, user_roles(ctx.settings, actor), Action.SUBMIT_POST)
    with ctx.db.write() as session:
        return submit_in(ctx, session, actor, post_id)


def submit_in(ctx: Context, session: Session, actor: str, post_id: int) -> list[PostFinding]:
    """`submit_post` inside the caller's transaction (an import submits many posts in one); raises
    like it."""
    post = load_post(session, post_id)
    if post.author != actor:
        raise PermissionDenied(
            _("only the author ({author}) may submit post {post}").format(author=post.author, post=post_id)
        )
    findings = findings_for(ctx, session, post)
    blockers = blocking_findings(findings)
    if blockers:
        raise BlockedByFindings(
            _("post {post} has errors an approver must waive first").format(post=post_id),
            blockers,
            _("Fix the text, or ask an approver to waive them with a reason."),
        )
    state = PostState(post.state)
    if state == PostState.DRAFT:
        state = next_post_state(state, PostEvent.CHECK)
    bump(session, post, next_post_state(state, PostEvent.SUBMIT), None, now=ctx.clock())
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
    (not submitted) or BlockedByFindings (unwaived errors); nothing is approved then.
    """
    require(actor, user_roles(ctx.settings, actor), Action.APPROVE_POST)
    window = timedelta(hours=ctx.settings.publishing.window_hours)
    written: list[int] = []
    with ctx.db.write() as session:
        for post_id in dict.fromkeys(post_ids):
            post = load_post(session, post_id)
            next_state = next_post_state(post.state, PostEvent.APPROVE)
            accounts = targets(session, post_id)
            for account_id in accounts:
                configured = ctx.settings.account(account_id)
                require_spokesperson(actor, account_id, configured.spokespeople if configured else [])
                if post.author == actor and not (configured and configured.self_approval):
                    raise PermissionDenied(
                        _(
                            "{user} wrote post {post} and may not approve it too; another spokesperson "
                            "must (account {account} does not allow self-approval)"
                        ).format(user=actor, post=post_id, account=account_id)
                    )
            current = content_hash(post.text, post.variants, post.media, accounts)
            if current != post.content_hash:
                raise Conflict(
                    _(
                        "post {post} changed since it was submitted (its content no longer matches its "
                        "hash); resubmit it"
                    ).format(post=post_id)
                )
            blockers = blocking_findings(findings_for(ctx, session, post))
            if blockers:
                raise BlockedByFindings(_("post {post} has unwaived errors").format(post=post_id), blockers)
            approval = Approval(
                post_id=post_id, approver=actor, decision="approved", comment=comment, content_hash=current
            )
            session.add(approval)
            session.flush()
            assert approval.id is not None
            now = ctx.clock()
            due = post.scheduled_at or now
            for account_id in accounts:
                account = session.get(Account, account_id)
                assert account is not None
                publication = Publication(
                    post_id=post_id,
                    approval_id=approval.id,
                    account_id=account_id,
                    text=text_for(post, account.platform),
                    due_at=due,
                    not_after=max(due, now) + window,
                )
                session.add(publication)
                session.flush()
                assert publication.id is not None
                seal(session, publication)  # the worker sends only what this approval signed
                written.append(publication.id)
            bump(session, post, next_state, None, now=ctx.clock())
            audit.append(
                session,
                actor=actor,
                action="post.approve",
                subject_type="post",
                subject_id=post_id,
                payload={"hash": current, "accounts": accounts, "due_at": due, "comment": comment},
            )
    # Thousands enqueued at once: the outbox claim's plan must know they are there.
    after_bulk_write(ctx.db, "publications", len(written))
    return written


@audits_refusals("post.reject")
def reject_post(ctx: Context, actor: str, post_id: int, comment: str) -> None:
    """Send a submitted post back to its author with a reason."""
    require(actor, user_roles(ctx.settings, actor), Action.APPROVE_POST)
    if not comment.strip():
        raise UsageError(_("say why the post is rejected (--comment TEXT); the author needs to know"))
    with ctx.db.write() as session:
        post = load_post(session, post_id)
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
        bump(session, post, next_state, None, now=ctx.clock())
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
        post = load_post(session, post_id)
        roles = user_roles(ctx.settings, actor)
        if post.author != actor:
            require(actor, roles, Action.APPROVE_POST)
        next_state = next_post_state(post.state, PostEvent.WITHDRAW)
        cancelled = cancel_pending(session, post_id, now=ctx.clock())
        void_approvals(session, post_id, now=ctx.clock())
        bump(session, post, next_state, None, now=ctx.clock())
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
    """Record an approver's waiver of one finding (rule + match hash) with a reason.

    A waiver lets the institution say something its guidelines flag, so only someone who may speak
    for it on every account the post targets may give one. Raises PermissionDenied (not an approver,
    not a spokesperson of a target), NotFound or UsageError (no reason, no such finding).
    """
    require(actor, user_roles(ctx.settings, actor), Action.WAIVE_FINDING)
    if not reason.strip():
        raise UsageError(_("a waiver needs a reason (--reason TEXT)"))
    with ctx.db.write() as session:
        post = load_post(session, post_id)
        for account_id in targets(session, post_id):
            configured = ctx.settings.account(account_id)
            require_spokesperson(
                actor,
                account_id,
                configured.spokespeople if configured else [],
                doing=N_("waive checker findings on its posts"),
            )
        current = findings_for(ctx, session, post)
        if not any(f["rule"] == rule and f["match_hash"] == match_hash for f in current):
            raise UsageError(
                _(
                    "post {post} has no finding {rule} with match {match}; "
                    "see `smtool post show` for the current findings"
                ).format(post=post_id, rule=rule, match=match_hash[:12])
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
