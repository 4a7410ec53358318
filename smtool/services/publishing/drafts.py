"""Drafting posts: create, edit and import them; nothing here needs an approver.

An edit of an approved post voids its approval and cancels the publications that have not started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, select

from smtool.checker import RecentPost
from smtool.domain.media import ALT_TEXT_MAX, MediaEntry, set_refusal
from smtool.domain.media import refusal as media_refusal
from smtool.domain.roles import Action, require
from smtool.domain.states import PostEvent, PostState, next_post_state
from smtool.domain.timezones import parse_local
from smtool.domain.words import counted
from smtool.errors import SmtoolError, UsageError
from smtool.i18n import _, ngettext
from smtool.services import media as media_store
from smtool.services.context import Context
from smtool.services.media import MediaRefused, Prepared, not_in_store, prepare
from smtool.services.people import user_roles
from smtool.services.publishing.checks import (
    RECENT_WINDOW,
    BlockedByFindings,
    blocking_findings,
    draft_findings,
    platform_length,
    recent_posts_between,
)
from smtool.services.publishing.posts import bump, cancel_pending, content_hash, load_post, void_approvals
from smtool.services.records import audit
from smtool.services.refusals import audits_refusals
from smtool.services.spreadsheets import CsvForm, decode_csv
from smtool.small_files import read_small
from smtool.store.tables import Account, Post, PostTarget

# 100,000 posts of a few hundred characters; a larger file is not a list of posts (or not meant for here).
MAX_CSV_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Draft:
    """What a communicator gives: the text, where, when, and optional extras."""

    text: str
    accounts: Sequence[str]
    at: str | None = None  # "YYYY-MM-DD HH:MM" in the institution's zone; None: as soon as approved
    variants: dict[str, str] = field(default_factory=dict)  # platform -> text used there instead
    # New files to copy into the media store, and (on an edit) entries the post already has.
    media: Sequence[Attachment | MediaEntry | str] = ()
    campaigns: Sequence[str] = ()


@dataclass(frozen=True)
class Attachment:
    """A file a person attaches: copied into the media store when the post is saved."""

    path: str
    alt: str | None = None


def _validate(ctx: Context, session: Session, draft: Draft) -> tuple[datetime | None, list[Account]]:
    """Refuse what cannot become a good post, with one message each; nothing is written before."""
    if not draft.text.strip():
        raise UsageError(_("the post has no text"))
    if not draft.accounts:
        raise UsageError(_("name at least one target account (--account ID)"))
    accounts = []
    for account_id in dict.fromkeys(draft.accounts):
        account = session.get(Account, account_id)
        if account is None or not account.active:
            known = ", ".join(a.id for a in ctx.settings.accounts) or _("none configured")
            raise UsageError(
                _("unknown account {account}; accounts: {known}").format(
                    account=repr(account_id), known=known
                )
            )
        accounts.append(account)
    for platform in draft.variants:
        if platform not in {a.platform for a in accounts}:
            raise UsageError(
                _("a variant for {platform}, but no target account is on that platform").format(
                    platform=repr(platform)
                )
            )
    scheduled = None
    if draft.at:
        scheduled = parse_local(draft.at, ctx.settings.institution.timezone)
        if scheduled <= ctx.clock():
            raise UsageError(
                _("{time} is in the past; choose a later time or publish as soon as approved").format(
                    time=draft.at
                )
            )
    for account in accounts:
        _check_length(text_for_platform(draft, account.platform), account.platform)
    return scheduled, accounts


def _attach(
    ctx: Context, draft: Draft, accounts: list[Account], current: Sequence[MediaEntry | str] = ()
) -> list[MediaEntry]:
    """Check every media item against every target account's platform, then copy the new files
    into the media store; nothing is written when any item is refused.

    Raises UsageError, SecretFileRefused or MediaRefused (services.media) naming the file.
    """
    had = {m["sha256"]: m for m in current if not isinstance(m, str)}
    entries: list[MediaEntry] = []
    new: list[Prepared] = []
    for item in draft.media:
        if isinstance(item, Attachment):
            if item.alt is not None and len(item.alt) > ALT_TEXT_MAX:
                raise UsageError(
                    _("the alt text of {file} is {length} characters; at most {limit}").format(
                        file=item.path, length=len(item.alt), limit=ALT_TEXT_MAX
                    )
                )
            prepared = prepare(ctx.settings, item.path, item.alt)
            new.append(prepared)
            entries.append(prepared.entry)
        elif isinstance(item, str):
            raise UsageError(not_in_store(item))
        elif item["sha256"] in had and media_store.stored(ctx.settings, item["sha256"]):
            # Kept as the post recorded it; only the alt text may change.
            entries.append({**had[item["sha256"]], "alt": item["alt"]})
        else:
            raise UsageError(
                _("media {name} is not one of this post's stored media; attach the file").format(
                    name=item["name"]
                )
            )
    for account in accounts:
        for entry in entries:
            refused = media_refusal(entry["name"], entry["type"], entry["size"], account.platform)
            if refused:
                raise MediaRefused(
                    _("{refused}; account {account} is on {platform}").format(
                        refused=refused, account=account.id, platform=account.platform
                    )
                )
        refused = set_refusal([e["type"] for e in entries], account.platform)
        if refused:
            raise MediaRefused(_("{refused} (account {account})").format(refused=refused, account=account.id))
    for prepared in new:
        media_store.keep(ctx.settings, prepared)
    return entries


def text_for_platform(draft: Draft, platform: str) -> str:
    return draft.variants.get(platform, draft.text)


def _check_length(text: str, platform: str) -> None:
    length, limit = platform_length(text, platform)
    if limit is not None and length > limit:
        raise UsageError(
            _(
                "the text is {length} characters as {platform} counts them, over its limit of {limit}; "
                "shorten it or give a shorter variant for that platform"
            ).format(length=length, platform=platform, limit=limit)
        )


@audits_refusals("post.create")
def create_post(ctx: Context, actor: str, draft: Draft) -> int:
    """Save a new draft; returns its id. Raises UsageError or PermissionDenied, writing nothing."""
    require(actor, user_roles(ctx.settings, actor), Action.DRAFT_POST)
    with ctx.db.write() as session:
        return _create(ctx, session, actor, draft)


def _create(ctx: Context, session: Session, actor: str, draft: Draft) -> int:
    scheduled, accounts = _validate(ctx, session, draft)
    media = _attach(ctx, draft, accounts)
    post = Post(
        author=actor,
        text=draft.text,
        variants=dict(draft.variants),
        media=list(media),
        campaigns=list(dict.fromkeys(draft.campaigns)),
        scheduled_at=scheduled,
        content_hash=content_hash(draft.text, dict(draft.variants), media, [a.id for a in accounts]),
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
            "media": [m["sha256"] for m in media],
        },
    )
    return post.id


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
        post = load_post(session, post_id)
        if post.author != actor:
            require(actor, user_roles(ctx.settings, actor), Action.DRAFT_POST)
        next_state = next_post_state(post.state, PostEvent.EDIT)
        scheduled, accounts = _validate(ctx, session, draft)
        media = _attach(ctx, draft, accounts, post.media)
        was_approved = post.state == PostState.APPROVED
        cancelled = cancel_pending(session, post_id, now=ctx.clock()) if was_approved else []
        if was_approved:
            void_approvals(session, post_id, now=ctx.clock())
        post.text = draft.text
        post.variants = dict(draft.variants)
        post.media = list(media)
        post.campaigns = list(dict.fromkeys(draft.campaigns))
        post.scheduled_at = scheduled
        post.content_hash = content_hash(post.text, post.variants, post.media, [a.id for a in accounts])
        for old in session.exec(select(PostTarget).where(PostTarget.post_id == post_id)).all():
            session.delete(old)
        session.flush()
        for account in accounts:
            session.add(PostTarget(post_id=post_id, account_id=account.id))
        bump(session, post, next_state, expected_version, now=ctx.clock())
        audit.append(
            session,
            actor=actor,
            action="post.edit",
            subject_type="post",
            subject_id=post_id,
            payload={
                "hash": post.content_hash,
                "voided_approval": was_approved,
                "cancelled": cancelled,
                "media": [m["sha256"] for m in media],
            },
        )


IMPORT_COLUMNS = ("account", "at", "text")


@dataclass(frozen=True)
class Imported:
    """What `import_csv` did: the posts created and submitted, and the form the file was read in."""

    post_ids: list[int]
    form: CsvForm


@audits_refusals("post.import")
def import_csv(ctx: Context, actor: str, path: Path) -> Imported:
    """Create and submit one post per CSV row (columns: account, at, text); all rows or none. The
    file may be UTF-8 or Windows-1257, with or without a BOM, comma- or semicolon-separated, as a
    spreadsheet saved it (services.spreadsheets); times D.M.YYYY HH:MM or YYYY-MM-DD HH:MM.

    `at` empty means as soon as approved. Raises UsageError listing every bad row by line number.
    """
    require(actor, user_roles(ctx.settings, actor), Action.SUBMIT_POST)
    raw = read_small(path, MAX_CSV_BYTES, "a CSV file with the columns account, at, text")
    if b"\x00" in raw:
        # No text smtool keeps may hold NUL (PostgreSQL cannot store it); say where it is.
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise UsageError(
            _("{file}: line {line} has a NUL character; remove it (the file is not plain text?)").format(
                file=path, line=line
            )
        )
    table = decode_csv(raw, str(path), IMPORT_COLUMNS)
    form, rows = table.form, table.rows
    missing = set(IMPORT_COLUMNS) - set(table.header)
    if missing:
        raise UsageError(
            ngettext(
                "{file}: missing column {columns}; expected account, at, text (read as {form})",
                "{file}: missing columns {columns}; expected account, at, text (read as {form})",
                len(missing),
            ).format(file=path, columns=", ".join(sorted(missing)), form=form.describe())
        )
    if not rows:
        raise UsageError(_("{file} has no rows to import").format(file=path))
    # Every row is validated and checked first, in a read transaction: that is nearly all the work,
    # and it takes no write lock, so `pause --all` (or anything else) is never kept waiting by it.
    errors: list[tuple[int, str]] = []  # (line, what is wrong), sorted by line below
    valid: list[tuple[int, Draft, datetime | None, list[Account]]] = []
    with ctx.db.read() as session:
        # Held here, the accounts stay in the session's identity map: no query per row.
        known = session.exec(select(Account)).all()
        for line, row in rows:
            accounts = [
                a.strip() for a in (row.get("account") or "").replace(";", ",").split(",") if a.strip()
            ]
            draft = Draft(
                text=row.get("text") or "", accounts=accounts, at=(row.get("at") or "").strip() or None
            )
            try:
                scheduled, targeted = _validate(ctx, session, draft)
                valid.append((line, draft, scheduled, targeted))
            except SmtoolError as e:
                errors.append((line, e.msg))
        now = ctx.clock()
        moments = [at or now for _, _, at, _ in valid] or [now]
        # The burst rule's posts for every row's window, read once.
        recent = recent_posts_between(session, min(moments) - RECENT_WINDOW, max(moments))
        checked: list[_Checked] = []
        for line, draft, scheduled, targeted in valid:
            try:
                checked.append(_check_row(ctx, session, actor, draft, scheduled, targeted, recent))
            except BlockedByFindings as e:
                errors.append(
                    (
                        line,
                        _("the text has errors an approver must waive first: {findings}").format(
                            findings=e.listed
                        ),
                    )
                )
        del known
    if errors:
        errors.sort(key=lambda error: error[0])
        listed = "\n".join(
            _("line {line}: {problem}").format(line=line, problem=problem) for line, problem in errors
        )
        raise UsageError(
            _("{file}: {rows}, nothing imported:").format(
                file=path, rows=counted(len(errors), "bad row", "bad rows")
            )
            + "\n"
            + listed
        )
    return Imported(_write_checked(ctx, actor, checked), form)


@dataclass(frozen=True)
class _Checked:
    """One import row, validated and checked, ready to be written as a submitted post."""

    draft: Draft
    scheduled: datetime | None
    account_ids: list[str]
    content_hash: str
    findings: int


def _check_row(
    ctx: Context,
    session: Session,
    actor: str,
    draft: Draft,
    scheduled: datetime | None,
    accounts: list[Account],
    recent: Sequence[RecentPost],
) -> _Checked:
    """What `submit_in` refuses, for a validated row not yet written: raises BlockedByFindings. An
    import carries no media, variants or waivers."""
    account_ids = [a.id for a in accounts]
    findings = draft_findings(
        ctx,
        session,
        texts={a.platform: draft.text for a in accounts},
        author=actor,
        accounts=accounts,
        moment=scheduled or ctx.clock(),
        recent=recent,
    )
    blockers = blocking_findings(findings)
    if blockers:
        raise BlockedByFindings(_("the text has errors an approver must waive first"), blockers)
    return _Checked(
        draft, scheduled, account_ids, content_hash(draft.text, {}, [], account_ids), len(findings)
    )


def _write_checked(ctx: Context, actor: str, checked: Sequence[_Checked]) -> list[int]:
    """Write checked rows as submitted posts, audited as `post.create` and `post.submit` each (as
    one by one), in one short transaction: a few bulk statements, no checking inside it. An account
    deactivated since the check still exists (accounts are never deleted), so the rows stay valid."""
    now = ctx.clock()
    submitted = next_post_state(next_post_state(PostState.DRAFT, PostEvent.CHECK), PostEvent.SUBMIT)
    posts: list[dict[str, object]] = [
        {
            "author": actor,
            "text": row.draft.text,
            "variants": {},
            "media": [],
            "campaigns": [],
            "state": submitted.value,
            "scheduled_at": row.scheduled,
            "not_after": None,
            "content_hash": row.content_hash,
            "version": 2,  # created, then submitted: as `post new` and `post submit` leave it
            "created_at": now,
            "updated_at": now,
        }
        for row in checked
    ]
    with ctx.db.write() as session:
        # Bulk statements: the rows were built before the transaction began.
        table = Post.__table__  # type: ignore[attr-defined]  # Core, not ORM: no per-row objects
        inserted = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), posts)
        ids = [int(post_id) for post_id in inserted.scalars()]
        targets = [
            {"post_id": post_id, "account_id": account_id}
            for post_id, row in zip(ids, checked, strict=True)
            for account_id in row.account_ids
        ]
        session.execute(insert(PostTarget.__table__), targets)  # type: ignore[attr-defined]
        events: list[audit.Event] = []
        for post_id, row in zip(ids, checked, strict=True):
            created = {
                "accounts": row.account_ids,
                "scheduled_at": row.scheduled,
                "hash": row.content_hash,
                "media": [],
            }
            events.append(audit.Event("post.create", "post", post_id, created))
            submit = {"hash": row.content_hash, "findings": row.findings}
            events.append(audit.Event("post.submit", "post", post_id, submit))
        audit.append_many(session, actor, events)
    return ids
