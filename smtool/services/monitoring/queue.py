"""The moderation queue that press officers work together: list, claim, assign, reply, hide, resolve.

Items are records. Hiding hides a comment on the platform and marks it hidden here; the item, its text
and every action stay in the store (`moderation_actions`) and in the audit log. Nothing is deleted.

Concurrency: claim-next is a guarded UPDATE (design.md, "Claiming") with a lease renewed by a
heartbeat, so two officers in two processes never get the same item, on SQLite or PostgreSQL. Every
other action is `UPDATE ... WHERE id=? AND version=?`; zero rows means someone else acted first, and
the person gets a Conflict naming who and what. While someone holds a live claim, only they act on it.

Who may reply without an approver: a reply is the institution speaking, so it goes through the
guideline checker and the publishing outbox like any post, on the item's own account. The people an
account's settings allow (`reply_roles`, default press officers, and always its spokespeople) may
reply there without a separate approver when the checker finds no unwaived error: answering
citizens is their mandate, and four eyes on every answer would break the response-time targets.
The "not a spokesperson" finding is answered by that mandate (as an approval answers it for posts);
every other error blocks the reply. Anyone else who may answer the item (a specialist, on items
assigned to them or routed to their team) proposes the reply instead; one of the allowed people
approves that exact text or rejects it (services.monitoring.proposals). The reply's approval row
names the person who let it out, so the record shows who spoke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text, update
from sqlmodel import Session, col

from connectors.base import ConnectorError
from smtool.domain import inbox_states
from smtool.domain.inbox_states import CLAIMABLE_STATES, PRIORITIES, InboxEvent, next_inbox_state
from smtool.domain.roles import Action, can, require
from smtool.domain.roles import require_reply_right as require_reply_role
from smtool.domain.words import clause
from smtool.errors import Conflict, PermissionDenied, SmtoolError, UsageError
from smtool.i18n import N_, _
from smtool.services.context import Context
from smtool.services.monitoring.queue_pages import load_item
from smtool.services.monitoring.routing import require_team, teams
from smtool.services.monitoring.views import (
    InboxItemView,
    item_view,
)
from smtool.services.people import user_roles
from smtool.services.platforms import ConnectorFactory, connector_for, incoming_item
from smtool.services.publishing.checks import BlockedByFindings, HashedFinding, blocking_findings
from smtool.services.publishing.replies import queue_reply
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.store.tables import (
    Account,
    InboxItem,
    ModerationAction,
    User,
)
from smtool.store.types import UTCDateTime

# Re-exported: the CLI and TUI know the domain's states and flags through this service.
InboxState = inbox_states.InboxState
ALL_STATES = inbox_states.ALL_STATES
OPEN_STATES = inbox_states.OPEN_STATES
FLAGS = inbox_states.FLAGS


class PlatformRefused(SmtoolError):
    """The platform did not carry out a moderation action; nothing changed in the store."""

    default_title = N_("The platform refused")


@dataclass(frozen=True)
class Person:
    name: str
    roles: list[str]
    team: str | None

    @property
    def moderates(self) -> bool:
        return can(self.roles, Action.MODERATE)


def _person(ctx: Context, name: str) -> Person:
    roles = user_roles(ctx.settings, name)
    configured = ctx.settings.user(name)
    return Person(name, roles, configured.team if configured else None)


# --- writing helpers --------------------------------------------------------------------------


def _check_version(item: InboxItem, expected: int | None) -> None:
    if expected is not None and expected != item.version:
        if item.claimed_by:
            raise Conflict(
                _(
                    "inbox item {item} was changed by someone else (it is now {state}, claimed by {holder}, "
                    "version {version}; you had version {expected}); look at it again with "
                    "`smtool inbox show {item}`"
                ).format(
                    item=item.id,
                    state=item.state,
                    holder=item.claimed_by,
                    version=item.version,
                    expected=expected,
                )
            )
        raise Conflict(
            _(
                "inbox item {item} was changed by someone else (it is now {state}, version {version}; "
                "you had version {expected}); look at it again with `smtool inbox show {item}`"
            ).format(item=item.id, state=item.state, version=item.version, expected=expected)
        )


def _check_claim(item: InboxItem, who: str, now: datetime) -> None:
    if item.claimed_by and item.claimed_by != who and item.lease_until and item.lease_until > now:
        # How long, not until when: a clock time would need the institution's zone to read right.
        left = max(1, round((item.lease_until - now).total_seconds() / 60))
        raise Conflict(
            _(
                "inbox item {item} is claimed by {holder} for {minutes} more min; ask them, "
                "or wait until the claim lapses"
            ).format(item=item.id, holder=item.claimed_by, minutes=left)
        )


def _guarded_update(session: Session, item: InboxItem, **values: Any) -> None:
    """UPDATE ... WHERE id=? AND version=?; zero rows raises Conflict."""
    assert item.id is not None
    result = session.execute(
        update(InboxItem)
        .where(col(InboxItem.id) == item.id, col(InboxItem.version) == item.version)
        .values(version=item.version + 1, **values)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        session.expire(item)
        current = session.get(InboxItem, item.id)
        now_state = current.state if current else _("gone")
        raise Conflict(
            _(
                "inbox item {item} was changed by someone else just now (it is now {state}); "
                "look at it again with `smtool inbox show {item}`"
            ).format(item=item.id, state=now_state)
        )
    session.expire(item)


def _record(
    session: Session,
    item_id: int,
    actor: str,
    action: str,
    reason: str | None = None,
    **detail: Any,
) -> None:
    session.add(ModerationAction(item_id=item_id, actor=actor, action=action, reason=reason, detail=detail))
    audit.append(
        session,
        actor=actor,
        action=f"inbox.{action}",
        subject_type="inbox_item",
        subject_id=item_id,
        payload={"reason": reason, **detail},
    )


def answerable(
    session: Session, person: Person, item_id: int, expected_version: int | None, now: datetime
) -> InboxItem:
    """The item, once `person` may answer it, it is the version they saw and no one else holds it."""
    item = load_item(session, item_id)
    _may_answer(person, item)
    _check_version(item, expected_version)
    _check_claim(item, person.name, now)
    return item


def _may_answer(person: Person, item: InboxItem) -> None:
    if person.moderates:
        return
    require(person.name, person.roles, Action.ANSWER)
    if item.assigned_to != person.name and (person.team is None or item.team != person.team):
        raise PermissionDenied(
            _(
                "{user} may answer only items assigned to them or to their team ({team}); "
                "item {item} is for {owner}"
            ).format(
                user=person.name,
                team=person.team or _("no team"),
                item=item.id,
                owner=item.assigned_to or item.team,
            )
        )


# --- claiming ---------------------------------------------------------------------------------

# The outer WHERE repeats the guards (design.md, "Claiming"): the row is re-checked as it is updated,
# so an item resolved, reassigned or claimed between the sub-select and the update is never taken.
_CLAIM = """
UPDATE inbox_items
   SET claimed_by = :me, lease_until = :lease_until, version = version + 1
 WHERE state = :state AND (lease_until IS NULL OR lease_until < :now)
   AND (assigned_to IS NULL OR assigned_to = :me)
   AND id = (
        SELECT id FROM inbox_items
         WHERE state = :state AND priority = :priority {team} {among}
           AND (lease_until IS NULL OR lease_until < :now)
           AND (assigned_to IS NULL OR assigned_to = :me)
         ORDER BY id
         LIMIT 1 {lock})
RETURNING id
"""


@audits_refusals("inbox.claim")
def claim_next(
    ctx: Context, actor: str, team: str | None = None, among: Sequence[int] | None = None
) -> InboxItemView | None:
    """Claim the most urgent, oldest open item not claimed by anyone; None when the queue is empty.

    `among` limits the claim to those items (the ones a person sees under a filter), so what is
    claimed is one of what they were looking at.

    Items assigned to someone else are left to them. A specialist claims only from their own team.
    The claim lasts [inbox] lease_seconds; `heartbeat` renews it. Raises PermissionDenied, or
    UsageError for a team that does not exist.
    """
    require_team(ctx.settings, team)
    person = _person(ctx, actor)
    if not person.moderates:
        require(actor, person.roles, Action.ANSWER)
        if team not in (None, person.team):
            raise PermissionDenied(
                _("{user} may claim only items of their own team ({team})").format(
                    user=actor, team=person.team
                )
            )
        team = person.team
        if team is None:
            raise PermissionDenied(
                _("{user} has no team in config.toml; only press officers claim any item").format(user=actor)
            )
    if among is not None and not among:
        return None  # nothing in view, nothing to claim (and IN () is no SQL)
    lease = timedelta(seconds=ctx.settings.inbox.lease_seconds)
    with ctx.db.write() as session:
        dialect = session.get_bind().dialect.name
        statement = text(
            _CLAIM.format(
                team="AND team = :team" if team is not None else "",
                among="AND id IN :among" if among is not None else "",
                lock="FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else "",
            )
        ).bindparams(bindparam("now", type_=UTCDateTime()), bindparam("lease_until", type_=UTCDateTime()))
        if among is not None:
            statement = statement.bindparams(bindparam("among", expanding=True))
        now = ctx.clock()
        for priority in PRIORITIES:
            for state in CLAIMABLE_STATES:
                params: dict[str, Any] = {
                    "me": actor,
                    "now": now,
                    "lease_until": now + lease,
                    "state": state.value,
                    "priority": priority,
                }
                if team is not None:
                    params["team"] = team
                if among is not None:
                    params["among"] = list(among)
                row = session.execute(statement, params).first()
                if row is not None:
                    item_id = int(row[0])
                    _record(session, item_id, actor, "claim", lease_until=(now + lease).isoformat())
                    return item_view(load_item(session, item_id))
    return None


@audits_refusals("inbox.heartbeat")
def heartbeat(ctx: Context, actor: str, item_id: int) -> datetime:
    """Renew the actor's claim; returns the new end. Raises Conflict when the claim was lost."""
    lease_until = ctx.clock() + timedelta(seconds=ctx.settings.inbox.lease_seconds)
    with ctx.db.write() as session:
        result = session.execute(
            update(InboxItem)
            .where(col(InboxItem.id) == item_id, col(InboxItem.claimed_by) == actor)
            .values(lease_until=lease_until)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            load_item(session, item_id)
            raise Conflict(
                _("{user} no longer holds inbox item {item}; claim it again").format(user=actor, item=item_id)
            )
    return lease_until


@audits_refusals("inbox.release")
def release(ctx: Context, actor: str, item_id: int) -> None:
    """Give a claimed item back to the queue. Raises NotFound or Conflict (not claimed by the actor)."""
    with ctx.db.write() as session:
        item = load_item(session, item_id)
        if item.claimed_by != actor:
            raise Conflict(_("inbox item {item} is not claimed by {user}").format(item=item_id, user=actor))
        _guarded_update(session, item, claimed_by=None, lease_until=None)
        _record(session, item_id, actor, "release")


# --- actions ----------------------------------------------------------------------------------


@audits_refusals("inbox.assign")
def assign(ctx: Context, actor: str, item_id: int, target: str, expected_version: int | None = None) -> str:
    """Assign to a user (state assigned) or route to a team; returns "user" or "team".

    Raises PermissionDenied, NotFound, Conflict, or UsageError for a target that is neither a user
    nor a team.
    """
    person = _person(ctx, actor)
    require(actor, person.roles, Action.MODERATE)
    users = {u.name: u for u in ctx.settings.users}
    known_teams = teams(ctx.settings)
    now = ctx.clock()
    with ctx.db.write() as session:
        item = load_item(session, item_id)
        _check_version(item, expected_version)
        _check_claim(item, actor, now)
        if target in users:
            stored = session.get(User, target)
            if stored is not None and not stored.active:
                raise UsageError(_("user {user} is no longer active").format(user=target))
            event = InboxEvent.ASSIGN
            values: dict[str, Any] = {"assigned_to": target}
            if users[target].team:
                values["team"] = users[target].team
            kind = "user"
        elif target in known_teams:
            event = InboxEvent.ROUTE
            values = {"team": target, "assigned_to": None}
            kind = "team"
        else:
            raise UsageError(
                _("{target} is neither a user nor a team; teams: {teams}").format(
                    target=repr(target), teams=", ".join(sorted(known_teams))
                )
            )
        values["state"] = next_inbox_state(item.state, event).value
        _guarded_update(session, item, claimed_by=None, lease_until=None, **values)
        _record(session, item_id, actor, "assign", to=target, kind=kind)
    return kind


@audits_refusals("inbox.reply")
def reply(
    ctx: Context, actor: str, item_id: int, reply_text: str, expected_version: int | None = None
) -> int:
    """Answer an item publicly on its own account, through the checker and the outbox.

    Returns the publication id; the worker sends it with connector.reply. See the module docstring
    for why no separate approver is needed. Raises PermissionDenied (someone the account's
    reply_roles do not allow: they propose instead, services.monitoring.proposals), NotFound,
    Conflict, or UsageError (empty text, over the platform's length, a checker error, an item that
    cannot be answered).
    """
    person = _person(ctx, actor)
    with ctx.db.write() as session:
        item = answerable(session, person, item_id, expected_version, ctx.clock())
        try:
            require_reply_right(ctx, person, item.account_id)
        except PermissionDenied as refusal:
            raise PermissionDenied(
                _("{refusal}; propose the reply instead: smtool inbox propose {item} TEXT").format(
                    refusal=refusal.msg, item=item_id
                )
            ) from None
        findings = reply_checks(ctx, session, item, actor, reply_text)
        return send_reply(ctx, session, item, actor, reply_text, findings)


def require_reply_right(ctx: Context, person: Person, account_id: str) -> None:
    """Raise PermissionDenied unless the account's settings let `person` reply publicly on it."""
    configured = ctx.settings.account(account_id)
    reply_roles = configured.reply_roles if configured else []
    spokespeople = configured.spokespeople if configured else []
    require_reply_role(person.name, account_id, person.roles, reply_roles, spokespeople)


def reply_checks(
    ctx: Context, session: Session, item: InboxItem, speaker: str, reply_text: str
) -> list[HashedFinding]:
    """What every public answer passes, sent or proposed: an item that can be answered on a managed
    account, the platform's length and no blocking checker finding. Returns the findings; raises
    BlockedByFindings, UsageError (or InvalidTransition for a closed item)."""
    from smtool.services.publishing.checks import platform_length, post_findings

    if not reply_text.strip():
        raise UsageError(_("the reply has no text"))
    if item.kind == "alert":
        raise UsageError(
            _("inbox item {item} is an alert about our own account; it cannot be answered").format(
                item=item.id
            )
        )
    next_inbox_state(item.state, InboxEvent.REPLY)
    account = session.get(Account, item.account_id)
    if account is None or not account.active:
        raise UsageError(
            _("account {account} is no longer managed; the item cannot be answered").format(
                account=item.account_id
            )
        )
    length, limit = platform_length(reply_text, account.platform)
    if limit is not None and length > limit:
        raise UsageError(
            _("the reply is {length} characters as {platform} counts them; the limit is {limit}").format(
                length=length, platform=account.platform, limit=limit
            )
        )
    findings = post_findings(ctx.settings, text=reply_text, account_id=account.id, author=speaker, waivers=[])
    blockers = blocking_findings(findings)
    if blockers:
        raise BlockedByFindings(_("the reply cannot go out as written"), blockers)
    return findings


def send_reply(
    ctx: Context,
    session: Session,
    item: InboxItem,
    actor: str,
    reply_text: str,
    findings: list[HashedFinding],
    **detail: Any,
) -> int:
    """Put a checked reply into the outbox in `actor`'s name (publishing.replies.queue_reply, the
    one writer of outbox rows), mark the item answered and record it; returns the publication id.
    `detail` joins the moderation record and its audit row (a proposal's id and author)."""
    assert item.id is not None
    post_id, publication_id = queue_reply(
        session,
        actor=actor,
        item_id=item.id,
        account_id=item.account_id,
        text=reply_text,
        now=ctx.clock(),
        window=timedelta(hours=ctx.settings.publishing.window_hours),
    )
    _guarded_update(session, item, state=next_inbox_state(item.state, InboxEvent.REPLY).value)
    _record(
        session,
        item.id,
        actor,
        "reply",
        publication=publication_id,
        post=post_id,
        findings=[f["rule"] for f in findings],
        **detail,
    )
    return publication_id


def _hide_reason(ctx: Context, reason: str) -> str:
    allowed = ctx.settings.inbox.hide_reasons
    chosen = next((r for r in allowed if r.casefold() == reason.strip().casefold()), None)
    if chosen is None:
        raise UsageError(
            _("{reason} is not a reason of the published comment policy; choose one of: {reasons}").format(
                reason=repr(reason), reasons=", ".join(allowed)
            )
        )
    return chosen


@audits_refusals("inbox.hide")
def hide(
    ctx: Context,
    actor: str,
    item_id: int,
    reason: str,
    expected_version: int | None = None,
    factory: ConnectorFactory = connector_for,
) -> None:
    """Hide the item on the platform with a reason from the comment policy; the record stays.

    The store is changed first (guarded by version) and the platform asked after the commit; if the
    platform refuses, the change is reversed and recorded. Raises PermissionDenied, NotFound,
    Conflict, UsageError (unknown reason, already hidden, an alert) or PlatformRefused.
    """
    _set_hidden(ctx, actor, item_id, True, _hide_reason(ctx, reason), expected_version, factory)


@audits_refusals("inbox.unhide")
def unhide(
    ctx: Context,
    actor: str,
    item_id: int,
    reason: str | None = None,
    expected_version: int | None = None,
    factory: ConnectorFactory = connector_for,
) -> None:
    """Show a hidden item again on the platform. Raises like `hide`."""
    _set_hidden(ctx, actor, item_id, False, reason, expected_version, factory)


# What each platform lets an account hide: X only replies to the account's own posts (hide_reply),
# Facebook comments and replies under the Page's posts. Mentions elsewhere belong to their authors.
HIDEABLE_KINDS: dict[str, frozenset[str]] = {
    "x": frozenset({"reply"}),
    "facebook": frozenset({"comment", "reply"}),
}


def hide_refusal(platform: str, kind: str) -> str | None:
    """Why an item of this kind cannot be hidden on its platform, or None when it can."""
    if kind in HIDEABLE_KINDS.get(platform, frozenset()):
        return None
    if kind == "alert":
        return _("it is an alert about our own post; delete or keep the post on the platform")
    kinds = {"reply": N_("replies to its own posts"), "comment": N_("comments under its posts")}
    hideable = sorted(HIDEABLE_KINDS.get(platform, frozenset()))
    allowed = _(" and ").join(_(kinds[k]) if k in kinds else k for k in hideable)
    name = {"x": "X", "facebook": "Facebook"}.get(platform, platform)
    # The item's kind is the queue's own word (comment, mention, ...), as `inbox list` shows it.
    return _("{platform} lets an account hide only {allowed}; this is a {kind}").format(
        platform=name, allowed=allowed or _("nothing"), kind=kind.replace("_", " ")
    )


def _set_hidden(
    ctx: Context,
    actor: str,
    item_id: int,
    hidden: bool,
    reason: str | None,
    expected_version: int | None,
    factory: ConnectorFactory,
) -> None:
    require(actor, user_roles(ctx.settings, actor), Action.MODERATE)
    verb = "hide" if hidden else "unhide"
    with ctx.db.write() as session:
        item = load_item(session, item_id)
        _check_version(item, expected_version)
        _check_claim(item, actor, ctx.clock())
        refusal = hide_refusal(item.platform, item.kind) if hidden or item.kind == "alert" else None
        if refusal is not None:
            raise UsageError(_("inbox item {item} cannot be hidden: {why}").format(item=item_id, why=refusal))
        if item.hidden == hidden:
            raise UsageError(
                (
                    _("inbox item {item} is already hidden")
                    if hidden
                    else _("inbox item {item} is already shown")
                ).format(item=item_id)
            )
        previous_reason = item.hidden_reason
        _guarded_update(session, item, hidden=hidden, hidden_reason=reason if hidden else None)
        _record(session, item_id, actor, verb, reason)
        account = session.get(Account, item.account_id)
        assert account is not None
        target = incoming_item(item)
        version_after = item.version
    try:
        connector = factory(ctx, account)
        connector.hide(target) if hidden else connector.unhide(target)
    except (ConnectorError, SmtoolError) as error:
        message = error.platform_message if isinstance(error, ConnectorError) else error.msg
        with ctx.db.write() as session:
            session.execute(
                update(InboxItem)
                .where(col(InboxItem.id) == item_id, col(InboxItem.version) == version_after)
                .values(hidden=not hidden, hidden_reason=previous_reason, version=version_after + 1)
            )
            _record(session, item_id, actor, f"{verb}_failed", reason, platform_message=message)
        refused = (
            _("{platform} did not hide inbox item {item}: {message}; nothing changed")
            if hidden
            else _("{platform} did not unhide inbox item {item}: {message}; nothing changed")
        )
        raise PlatformRefused(
            refused.format(platform=account.platform, item=item_id, message=clause(message))
        ) from None


@audits_refusals("inbox.resolve")
def resolve(ctx: Context, actor: str, item_id: int, expected_version: int | None = None) -> None:
    """Close the item as handled. Raises PermissionDenied, NotFound, Conflict, UsageError (closed)."""
    _close(ctx, actor, item_id, InboxEvent.RESOLVE, expected_version)


@audits_refusals("inbox.spam")
def mark_spam(ctx: Context, actor: str, item_id: int, expected_version: int | None = None) -> None:
    """Close the item as spam (it stays on record; hide it too if it should not stay public).
    Raises like `resolve`."""
    _close(ctx, actor, item_id, InboxEvent.SPAM, expected_version)


def _close(ctx: Context, actor: str, item_id: int, event: InboxEvent, expected_version: int | None) -> None:
    person = _person(ctx, actor)
    now = ctx.clock()
    with ctx.db.write() as session:
        item = load_item(session, item_id)
        if event == InboxEvent.SPAM:
            require(actor, person.roles, Action.MODERATE)
        else:
            _may_answer(person, item)
        _check_version(item, expected_version)
        _check_claim(item, actor, now)
        closed = next_inbox_state(item.state, event)
        _guarded_update(session, item, state=closed.value, resolved_at=now, claimed_by=None, lease_until=None)
        _record(session, item_id, actor, event.value)
