"""`smtool post`: draft, check, submit, approve, reject, withdraw and schedule posts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer
from rich.table import Table

from smtool.cli import common
from smtool.domain.media import MediaEntry
from smtool.domain.state_words import state_word
from smtool.domain.states import PostState
from smtool.domain.words import counted
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.publishing import approval, calendar, checks, drafts, pauses
from smtool.services.publishing.checks import PostFinding
from smtool.services.publishing.views import describe_media, kept_media, post_page, show_post
from smtool.services.text import strip_unsafe

group = typer.Typer(help=N_("Posts: drafting, approval and scheduling."), no_args_is_help=True)

AS = typer.Option(None, "--as", help=common.AS_USER_HELP)
ACCOUNTS = typer.Option([], "--account", help=N_("Target account id (repeat for several)."))
AT = typer.Option(
    None,
    "--at",
    help=N_('Publish at "D.M.YYYY HH:MM" or "YYYY-MM-DD HH:MM" in the institution\'s time zone.'),
)
NOW = typer.Option(False, "--now", help=N_("Publish as soon as approved (the default when --at is absent)."))
MEDIA = typer.Option(
    [],
    "--media",
    help=N_(
        "A picture or video to attach (JPEG, PNG, GIF, WEBP, MP4, MOV; repeat for several). It is "
        "copied into the installation's media store now; changing the file later changes nothing."
    ),
)
ALT = typer.Option(
    [],
    "--alt",
    help=N_(
        "Alt text for the --media at the same position: the first --alt describes the first "
        '--media, and so on; --alt "" leaves one without.'
    ),
)
CAMPAIGN = typer.Option([], "--campaign", help=N_("A campaign tag, e.g. an EU project id (repeatable)."))
VARIANT = typer.Option(
    [],
    "--variant",
    help=N_('A text for one platform instead of the main text: PLATFORM=TEXT (e.g. x="...").'),
)


def _variants(values: list[str]) -> dict[str, str]:
    variants: dict[str, str] = {}
    for value in values:
        platform, sep, body = value.partition("=")
        if not sep or not platform.strip() or not body.strip():
            raise UsageError(
                _("--variant {value}: write it as PLATFORM=TEXT, e.g. x=Īsāks teksts").format(
                    value=repr(value)
                )
            )
        variants[platform.strip()] = body
    return variants


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="post")


def _attachments(media: list[str], alt: list[str]) -> list[drafts.Attachment]:
    if len(alt) > len(media):
        raise UsageError(
            _("{alts} --alt for {media} --media; each --alt describes the --media at its position").format(
                alts=len(alt), media=len(media)
            )
        )
    texts: list[str | None] = [a or None for a in alt]
    texts += [None] * (len(media) - len(alt))
    return [drafts.Attachment(path, text) for path, text in zip(media, texts, strict=True)]


def _draft(
    text: str,
    accounts: list[str],
    at: str | None,
    now: bool,
    media: Sequence[drafts.Attachment | MediaEntry | str],
    campaigns: list[str],
    variants: dict[str, str] | None = None,
) -> drafts.Draft:
    if at and now:
        raise UsageError(_("give either --at or --now, not both"))
    return drafts.Draft(
        text=text, accounts=accounts, at=at, media=media, campaigns=campaigns, variants=variants or {}
    )


@group.command("new", help=N_("Save a new draft; prints the new post's id alone."))
def new(
    text: str = typer.Argument(..., help=N_("The post's text.")),
    account: list[str] = ACCOUNTS,
    at: str | None = AT,
    now: bool = NOW,
    media: list[str] = MEDIA,
    alt: list[str] = ALT,
    campaign: list[str] = CAMPAIGN,
    variant: list[str] = VARIANT,
    as_user: str | None = AS,
) -> None:
    draft = _draft(text, account, at, now, _attachments(media, alt), campaign, _variants(variant))
    with common.open_context() as ctx:
        post_id = drafts.create_post(ctx, common.acting_user(as_user), draft)
    print(post_id)


@group.command(
    "edit",
    help=N_(
        "Replace a post's text; what is not given (accounts, time, media, tags, variants)"
        " is kept. --media replaces all media (with their --alt). An approval is voided "
        "and the post returns to draft."
    ),
)
def edit(
    post_id: int = common.id_argument(N_("Post id.")),
    text: str = typer.Argument(..., help=N_("The new text.")),
    account: list[str] = ACCOUNTS,
    at: str | None = AT,
    now: bool = NOW,
    media: list[str] = MEDIA,
    alt: list[str] = ALT,
    campaign: list[str] = CAMPAIGN,
    variant: list[str] = VARIANT,
    version: int | None = common.id_option(
        "--version", N_("Refuse if the post changed since this version."), low=0
    ),
    as_user: str | None = AS,
) -> None:
    if alt and not media:
        raise UsageError(
            _("--alt describes a --media given with it; give the files again with their alt text")
        )
    with common.open_context() as ctx:
        current = show_post(ctx, post_id)
        if not at and not now:
            at = current["scheduled_local_input"]
        draft = _draft(
            text,
            account or current["accounts"],
            at,
            now,
            _attachments(media, alt) if media else [kept_media(m) for m in current["media"]],
            campaign or current["campaigns"],
            _variants(variant) if variant else current["variants"],
        )
        drafts.edit_post(ctx, common.acting_user(as_user), post_id, draft, expected_version=version)
    common.console.print(_("Post {id} saved as a draft.").format(id=post_id))


@group.command(
    "schedule",
    help=N_(
        "Change when a post goes out; an approved post then needs approval again. Refused"
        " once a publication of it is being sent or is out."
    ),
)
def schedule(
    post_id: int = common.id_argument(N_("Post id.")),
    at: str | None = AT,
    now: bool = NOW,
    as_user: str | None = AS,
) -> None:
    with common.open_context() as ctx:
        state = calendar.reschedule(ctx, common.acting_user(as_user), post_id, None if now else at)
    if state == PostState.SUBMITTED:
        said = _("Post {id} rescheduled; it waits for approval.")
    elif state == PostState.REJECTED:
        said = _("Post {id} rescheduled; edit it, then submit it for approval again.")
    else:
        said = _("Post {id} rescheduled; submit it for approval.")
    common.console.print(said.format(id=post_id))


@group.command("show", help=N_("Show a post with its findings, approvals, waivers and publications."))
def show(
    post_id: int = common.id_argument(N_("Post id.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print JSON.")),
) -> None:
    with common.open_context() as ctx:
        detail = show_post(ctx, post_id)
    if as_json:
        common.emit_json(detail)
        return
    out = common.console
    out.print(
        _("[bold]Post {id}[/] by {author}: {state} (version {version})").format(
            id=detail["id"],
            author=common.inert(detail["author"]),
            state=state_word(detail["state"]),
            version=detail["version"],
        )
    )
    out.print(
        _("Accounts: {accounts}; when: {when}").format(
            accounts=common.inert(", ".join(detail["accounts"])), when=detail["scheduled_local"]
        )
    )
    if detail["campaigns"]:
        out.print(_("Campaigns: {campaigns}").format(campaigns=common.inert(", ".join(detail["campaigns"]))))
    out.print(common.inert(detail["text"]))
    # A variant replaces the text on its platform's accounts: the approver reads every text that goes out.
    for platform, variant in sorted(detail["variants"].items()):
        out.print(
            _("Variant for {platform}: {text}").format(
                platform=common.inert(platform), text=common.inert(variant)
            )
        )
    for number, item in enumerate(detail["media"], 1):
        out.print(
            _("Media {number}: {media}").format(number=number, media=common.inert(describe_media(item)))
        )
    _print_findings(detail["findings"])
    for a in detail["approvals"]:
        comment = f": {common.inert(a['comment'])}" if a["comment"] else ""  # no dangling colon
        out.print(
            _("{decision} by {approver}{void}{comment}").format(
                decision=a["decision"],
                approver=common.inert(a["approver"]),
                void=_(" (void)") if a["voided"] else "",
                comment=comment,
            )
        )
    for w in detail["waivers"]:
        out.print(
            _("waived {rule} by {approver}: {reason}").format(
                rule=w["rule"], approver=common.inert(w["approver"]), reason=common.inert(w["reason"])
            )
        )
    for p in detail["publications"]:
        out.print(
            _("publication {id} on {account}: {state} {error}").format(
                id=p["id"],
                account=common.inert(p["account"]),
                state=state_word(p["state"]),
                error=common.inert(p["last_error"] or ""),
            )
        )


def _print_findings(findings: Sequence[PostFinding]) -> None:
    """One line per finding, naming every account it was found on: the same text on two accounts
    gives the same finding twice, which a reader would take for two problems."""
    accounts: dict[tuple[str, ...], list[str]] = {}
    first: dict[tuple[str, ...], PostFinding] = {}
    for f in findings:
        key = (f["rule"], f["match_hash"], f["level"], str(f["waived"]), f["message"])
        accounts.setdefault(key, []).append(f["account"])
        first.setdefault(key, f)
    for where, f in zip(accounts.values(), first.values(), strict=True):
        waived = _(" (waived)") if f["waived"] else ""
        common.console.print(
            _("  {level}{waived} {rule} on {accounts} «{match}»: {message} (match {hash})").format(
                level=common.level_name(f["level"]),
                waived=waived,
                rule=f["rule"],
                accounts=strip_unsafe(", ".join(where)),
                match=strip_unsafe(f["match"]),
                message=strip_unsafe(f["message"]),
                hash=f["match_hash"][:12],
            ),
            markup=False,
        )


@group.command("list", help=N_("List posts, newest first, a page at a time."))
def list_(
    state: str | None = typer.Option(
        None, "--state", help=_("Only posts in this state: {states}.").format(states=", ".join(PostState))
    ),
    limit: int = common.LIMIT,
    after: str | None = typer.Option(None, "--after", help=common.AFTER_HELP),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
) -> None:
    with common.open_context() as ctx:
        page = post_page(ctx, state=state, limit=limit, after=after)
    rows = page.items
    words = ["post", "list", *common.filters(state=state, limit=common.given_limit(limit))]
    more = (words, page.next_cursor, as_json)
    if as_json:
        common.emit_json(rows)
        common.note_next_page(*more)
        return
    table = Table(_("id"), _("state"), _("author"), _("accounts"), _("when"), _("text"))
    for r in rows:
        table.add_row(
            str(r["id"]),
            state_word(r["state"]),
            common.inert(r["author"]),
            common.inert(", ".join(r["accounts"])),
            r["scheduled_local"],
            common.inert(r["text"][:60]),
        )
    common.console.print(table)
    common.note_next_page(*more)


@group.command(
    "check", help=N_("Run the guideline checker on a post; exit 1 when an unwaived error remains.")
)
def check(post_id: int = common.id_argument(N_("Post id.")), as_user: str | None = AS) -> None:
    with common.open_context() as ctx:
        findings = checks.check_post(ctx, common.acting_user(as_user), post_id)
    _print_findings(findings)
    if checks.blocking_findings(findings):
        raise typer.Exit(1)


@group.command("submit", help=N_("Check and submit a post for approval."))
def submit(post_id: int = common.id_argument(N_("Post id.")), as_user: str | None = AS) -> None:
    with common.open_context() as ctx:
        findings = approval.submit_post(ctx, common.acting_user(as_user), post_id)
    _print_findings(findings)
    common.console.print(_("Post {id} submitted for approval.").format(id=post_id))


@group.command(
    "approve",
    help=N_("Approve one or more submitted posts (all or none); they are then published at their time."),
)
def approve(
    post_ids: list[int] = common.id_argument(N_("Post id(s) you have reviewed.")),
    comment: str | None = typer.Option(None, "--comment", help=N_("A note kept with the approval.")),
    as_user: str | None = AS,
) -> None:
    with common.open_context() as ctx:
        written = approval.approve_posts(ctx, common.acting_user(as_user), post_ids, comment)
        # During a pause "scheduled" is not the whole story: say what holds them.
        held = sorted({n for n in (pauses.publication_paused_note(ctx, p) for p in written) if n})
    common.console.print(
        _("Approved {posts}; {publications} scheduled.").format(
            posts=counted(len(post_ids), "post", "posts"),
            publications=counted(len(written), "publication", "publications"),
        )
    )
    for note in held:
        common.console.print(_("Not sent yet: {note}.").format(note=note))


@group.command("reject", help=N_("Send a submitted post back to its author with a reason."))
def reject(
    post_id: int = common.id_argument(N_("Post id.")),
    comment: str = typer.Option("", "--comment", help=N_("Why (required; the author reads it).")),
    as_user: str | None = AS,
) -> None:
    with common.open_context() as ctx:
        approval.reject_post(ctx, common.acting_user(as_user), post_id, comment)
    common.console.print(_("Post {id} rejected.").format(id=post_id))


@group.command("withdraw", help=N_("Withdraw a post; publications not yet started are cancelled."))
def withdraw(post_id: int = common.id_argument(N_("Post id.")), as_user: str | None = AS) -> None:
    with common.open_context() as ctx:
        cancelled = approval.withdraw_post(ctx, common.acting_user(as_user), post_id)
    common.console.print(
        _("Post {post} withdrawn; {publications} cancelled.").format(
            post=post_id, publications=counted(len(cancelled), "publication", "publications")
        )
    )


@group.command("waive", help=N_("Waive one checker finding on a post (approvers only)."))
def waive(
    post_id: int = common.id_argument(N_("Post id.")),
    rule: str = typer.Option(..., "--rule", help=N_("The finding's rule id.")),
    match: str = typer.Option(..., "--match", help=N_("The finding's match hash (from `post show`).")),
    reason: str = typer.Option("", "--reason", help=N_("Why the finding does not apply (required).")),
    as_user: str | None = AS,
) -> None:
    with common.open_context() as ctx:
        detail = show_post(ctx, post_id)
        full = next(
            (
                f["match_hash"]
                for f in detail["findings"]
                if f["rule"] == rule and f["match_hash"].startswith(match)
            ),
            match,
        )
        approval.waive_finding(
            ctx, common.acting_user(as_user), post_id, rule=rule, match_hash=full, reason=reason
        )
    common.console.print(_("Waived {rule} on post {id}.").format(rule=rule, id=post_id))


@group.command(
    "import", help=N_("Create and submit one post per CSV row; any bad row means nothing is imported.")
)
def import_(
    file: Path = typer.Argument(
        ..., help=N_("CSV with columns `account`, `at`, `text` (`at` empty: as soon as approved).")
    ),
    as_user: str | None = AS,
) -> None:
    with common.open_context() as ctx:
        imported = drafts.import_csv(ctx, common.acting_user(as_user), file)
    # Say how the file was read, so that a wrong guess (an encoding, a delimiter) is seen at once.
    common.err_console.print(
        _("Read {file} as {form}.").format(file=common.inert(str(file)), form=imported.form.describe())
    )
    created = imported.post_ids
    common.console.print(
        _("Imported and submitted {posts}: {ids}").format(
            posts=counted(len(created), "post", "posts"), ids=", ".join(map(str, created))
        )
    )
    if imported.paused:
        # Submitted, so nothing goes out before approval anyway; the pause holds them after it too.
        common.console.print(_("Not sent yet: {note}.").format(note=imported.paused), markup=False)
