"""Drafting posts: create, edit and import them; nothing here needs an approver.

An edit of an approved post voids its approval and cancels the publications that have not started.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

from smtool.checker import RecentPost
from smtool.domain.media import ALT_TEXT_MAX, MediaEntry, set_refusal
from smtool.domain.media import refusal as media_refusal
from smtool.domain.roles import Action, require
from smtool.domain.states import PostEvent, PostState, next_post_state
from smtool.domain.timezones import parse_local
from smtool.domain.words import counted
from smtool.errors import SmtoolError, UsageError
from smtool.i18n import N_, _, ngettext
from smtool.services import media as media_store
from smtool.services import parallel
from smtool.services.context import Context
from smtool.services.guidelines import load_engines
from smtool.services.media import MediaRefused, Prepared, not_in_store, prepare
from smtool.services.people import user_roles
from smtool.services.publishing.checks import (
    RECENT_WINDOW,
    blocking_findings,
    findings_among,
    listed_findings,
    platform_length,
    recent_posts_between,
)
from smtool.services.publishing.pauses import paused_note_in
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


def _validate(
    ctx: Context, account_of: Callable[[str], Account | None], draft: Draft
) -> tuple[datetime | None, list[Account]]:
    """Refuse what cannot become a good post, with one message each; nothing is written before.
    `account_of` finds an account by id (in a session, or among accounts read before)."""
    if not draft.text.strip():
        raise UsageError(_("the post has no text"))
    if not draft.accounts:
        raise UsageError(_("name at least one target account (--account ID)"))
    accounts = []
    for account_id in dict.fromkeys(draft.accounts):
        account = account_of(account_id)
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
    scheduled, accounts = _validate(ctx, lambda id_: session.get(Account, id_), draft)
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
        scheduled, accounts = _validate(ctx, lambda id_: session.get(Account, id_), draft)
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
    """What `import_csv` did: the posts created and submitted, the form the file was read in, and
    the pause in effect when they were written (`pauses.paused_note`), if any."""

    post_ids: list[int]
    form: CsvForm
    paused: str | None = None


@audits_refusals("post.import")
def import_csv(ctx: Context, actor: str, path: Path) -> Imported:
    """Create and submit one post per CSV row (columns: account, at, text); all rows or none. The
    file may be UTF-8 or Windows-1257, with or without a BOM, comma- or semicolon-separated, as a
    spreadsheet saved it (services.spreadsheets); times D.M.YYYY HH:MM or YYYY-MM-DD HH:MM.

    `at` empty means as soon as approved. Raises UsageError listing every bad row by line number.
    """
    require(actor, user_roles(ctx.settings, actor), Action.SUBMIT_POST)
    raw = read_small(path, MAX_CSV_BYTES, N_("a CSV file with the columns account, at, text"))
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
    # Every row is validated and checked first, with no transaction open: that is nearly all the
    # work, and it takes no lock, so `pause --all` (or anything else) is never kept waiting by it.
    # Many rows are shared out between the cores (services.parallel): checking is CPU-bound.
    with ctx.db.read() as session:
        accounts = {a.id: a for a in session.exec(select(Account)).all()}
    job = _ImportJob(ctx, actor, accounts)
    # Compiled here, before any fork, the packs are every checking process's without compiling again.
    load_engines(ctx.settings, accounts)
    with parallel.cores(job, len(rows), parallel_from=PARALLEL_FROM) as cores:
        parts = parallel.chunks(rows, cores.workers * 4)
        validated = [v for part in cores.map(_validate_rows, parts) for v in part]
        valid = [v for v in validated if isinstance(v, _Valid)]
        errors = [v for v in validated if isinstance(v, _Refused)]
        now = ctx.clock()
        moments = [v.scheduled or now for v in valid] or [now]
        # The burst rule's posts for every row's window, read once; each chunk gets those of its rows.
        with ctx.db.read() as session:
            recent = recent_posts_between(session, min(moments) - RECENT_WINDOW, max(moments))
        work = [
            (part, _recent_for(part, recent, now), now) for part in parallel.chunks(valid, cores.workers * 4)
        ]
        results = [r for part in cores.map(_check_rows, work) for r in part]
    checked = [r for r in results if isinstance(r, _Checked)]
    errors += [r for r in results if isinstance(r, _Refused)]
    if errors:
        errors.sort(key=lambda e: e.line)
        listed = "\n".join(_("line {line}: {problem}").format(line=e.line, problem=e.reason) for e in errors)
        raise UsageError(
            _("{file}: {rows}, nothing imported:").format(
                file=path, rows=counted(len(errors), "bad row", "bad rows")
            )
            + "\n"
            + listed
        )
    ids, paused = _write_checked(ctx, actor, checked)
    return Imported(ids, form, paused)


# Below this many rows an import checks them in its own process: starting the others costs more.
PARALLEL_FROM = 500


@dataclass(frozen=True)
class _ImportJob:
    """What every row's validation and check needs, inherited by the checking processes."""

    ctx: Context
    actor: str
    accounts: dict[str, Account]


@dataclass(frozen=True)
class _Valid:
    """A row that can become a post: its draft, its time, its target accounts."""

    line: int
    draft: Draft
    scheduled: datetime | None
    account_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Refused:
    """A row that cannot be imported, and why (what to fix)."""

    line: int
    reason: str


@dataclass(frozen=True)
class _Checked:
    """One import row, validated and checked, ready to be written as a submitted post."""

    draft: Draft
    scheduled: datetime | None
    account_ids: list[str]
    content_hash: str
    findings: int


def _validate_rows(job: _ImportJob, rows: Sequence[tuple[int, dict[str, str]]]) -> list[_Valid | _Refused]:
    """`_validate` each CSV row (line, cells) as a draft; runs in a checking process (no database)."""
    out: list[_Valid | _Refused] = []
    for line, row in rows:
        accounts = [a.strip() for a in (row.get("account") or "").replace(";", ",").split(",") if a.strip()]
        draft = Draft(text=row.get("text") or "", accounts=accounts, at=(row.get("at") or "").strip() or None)
        try:
            scheduled, targeted = _validate(job.ctx, job.accounts.get, draft)
        except SmtoolError as e:
            out.append(_Refused(line, e.msg))
        else:
            out.append(_Valid(line, draft, scheduled, tuple(a.id for a in targeted)))
    return out


def _recent_for(rows: Sequence[_Valid], recent: Sequence[RecentPost], now: datetime) -> list[RecentPost]:
    """The posts of `recent` in the burst rule's window of any of `rows`: all a chunk needs."""
    if not rows:
        return []
    moments = [r.scheduled or now for r in rows]
    since, until = min(moments) - RECENT_WINDOW, max(moments)
    return [p for p in recent if since <= p.at <= until]


def _check_rows(
    job: _ImportJob, work: tuple[Sequence[_Valid], Sequence[RecentPost], datetime]
) -> list[_Checked | _Refused]:
    """What `submit_in` refuses, for validated rows not yet written; runs in a checking process (no
    database). A row without a time is checked as going out `now`, as one the parent read the
    burst rule's posts for. An import carries no media, variants or waivers."""
    rows, recent, now = work
    ctx = job.ctx
    out: list[_Checked | _Refused] = []
    for row in rows:
        accounts = [job.accounts[a] for a in row.account_ids]
        findings = findings_among(
            ctx.settings,
            texts={a.platform: row.draft.text for a in accounts},
            author=job.actor,
            accounts=accounts,
            moment=row.scheduled or now,
            recent=recent,
        )
        blockers = blocking_findings(findings)
        if blockers:
            listed = listed_findings(blockers)
            out.append(
                _Refused(
                    row.line,
                    _("the text has errors an approver must waive first: {findings}").format(findings=listed),
                )
            )
            continue
        ids = list(row.account_ids)
        out.append(
            _Checked(row.draft, row.scheduled, ids, content_hash(row.draft.text, {}, [], ids), len(findings))
        )
    return out


def _write_checked(ctx: Context, actor: str, checked: Sequence[_Checked]) -> tuple[list[int], str | None]:
    """Write checked rows as submitted posts, audited as `post.create` and `post.submit` each (as
    one by one), in one short transaction: a few bulk statements, no checking inside it. An account
    deactivated since the check still exists (accounts are never deleted), so the rows stay valid.
    Returns the posts' ids and the pause in effect on their accounts (`Imported.paused`).

    A pause stops publishing, not writing: the posts are submitted, so nothing of them can go out
    before an approver approves them, and the worker sends no publication of a paused account until
    `smtool resume` (services.publishing.pauses). The emergency stop therefore holds for an import
    whatever its order with the pause, and it never has to wait for one; the pause is read in this
    transaction so that one committed before the write is always reported with the import."""
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
        ids = _insert_posts(session, posts)
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
        paused = paused_note_in(session, sorted({a for row in checked for a in row.account_ids}))
    return ids, paused


def _insert_posts(session: Session, posts: list[dict[str, object]]) -> list[int]:
    """Insert post rows with one bulk statement; returns their ids in the rows' order."""
    table = Post.__table__  # type: ignore[attr-defined]  # Core, not ORM: no per-row objects
    if session.get_bind().dialect.name == "sqlite":
        # SQLite does not promise the order of a multi-row INSERT's RETURNING, so SQLAlchemy sends
        # such an INSERT one row at a time: 20,000 statements under the write lock. This write
        # transaction (BEGIN IMMEDIATE) is the database's only writer, so the ids SQLite would give,
        # max(id) + 1 onwards (no table here is AUTOINCREMENT), are given explicitly instead.
        top = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        ids = list(range(int(top) + 1, int(top) + 1 + len(posts)))
        session.execute(insert(table), [{**post, "id": id_} for post, id_ in zip(posts, ids, strict=True)])
        return ids
    inserted = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), posts)
    return [int(post_id) for post_id in inserted.scalars()]
