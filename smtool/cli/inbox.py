"""`smtool inbox`: the moderation queue: list, claim, show, reply, hide, unhide, assign, resolve, spam,
and proposed replies (propose, proposals, approve-reply, reject-reply)."""

from __future__ import annotations

import typer
from rich.table import Table

from smtool.cli import common
from smtool.domain.state_words import state_word
from smtool.domain.text import collapse_spaces
from smtool.domain.words import noun
from smtool.i18n import N_, _
from smtool.services.monitoring import reading
from smtool.services.monitoring.views import InboxItemView, ProposalView

# The queue's actions, proposals and pauses are imported by the commands that act: they bring in
# the guideline checker (a reply is checked), which `inbox list` and `inbox show` do not need.

group = typer.Typer(
    help=N_("The moderation queue: comments and mentions from every account."), no_args_is_help=True
)

AS = typer.Option(None, "--as", help=common.AS_USER_HELP)
JSON = typer.Option(False, "--json", help=common.JSON_HELP)
VERSION = common.id_option("--version", N_("Refuse if the item changed since this version."), low=0)
ITEM = common.id_argument(N_("Inbox item id."))


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="inbox")


def _one_line(value: str | None, width: int) -> str:
    shown = common.inert(collapse_spaces(value or ""))
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _print_items(items: list[InboxItemView]) -> None:
    table = Table(
        _("id"),
        _("prio"),
        _("state"),
        _("team"),
        _("who"),
        _("account"),
        _("author"),
        _("flags"),
        _("text"),
        show_lines=False,
    )
    for item in items:
        who = item["claimed_by"] or item["assigned_to"] or ""
        flags = ",".join(item["flags"]) + (",hidden" if item["hidden"] else "")
        table.add_row(
            str(item["id"]),
            str(item["priority"]),
            state_word(item["state"]),
            common.inert(item["team"] or ""),
            who,
            item["account"],
            _one_line(item["author"] or _("(deleted author)"), 24),
            flags.strip(","),
            _one_line(item["text"], 60),
        )
    common.console.print(table)


@group.command(
    "list",
    help=N_(
        "List the queue, most urgent first; open items unless --state or --all (audited: citizens' data)."
    ),
)
def list_(
    state: str | None = typer.Option(None, "--state", help=N_("new, assigned, answered, resolved or spam.")),
    team: str | None = typer.Option(None, "--team", help=N_("Only items routed to this team.")),
    flag: str | None = typer.Option(
        None, "--flag", help=N_("question, personal_data, abuse, spam, takeover or deleted_author.")
    ),
    search: str | None = typer.Option(None, "--search", help=N_("Full-text search: every word must appear.")),
    limit: int = common.LIMIT,
    all_: bool = typer.Option(False, "--all", help=N_("Include resolved and spam items.")),
    after: str | None = typer.Option(None, "--after", help=common.AFTER_HELP),
    as_json: bool = JSON,
    as_user: str | None = AS,
) -> None:
    with common.open_context() as ctx:
        page = reading.read_queue(
            ctx,
            common.acting_user(as_user),
            state=state,
            team=team,
            flag=flag,
            search=search,
            limit=limit,
            include_closed=all_,
            after=after,
        )
    words = [
        "inbox",
        "list",
        *common.filters(state=state, team=team, flag=flag, search=search, limit=common.given_limit(limit)),
        *(["--all"] if all_ else []),
    ]
    if as_json:
        common.emit_json(page.items)
        common.note_next_page(words, page.next_cursor, as_json)
        return
    if not page.items:
        common.console.print(_("The queue is empty."))
        return
    _print_items(page.items)
    common.note_next_page(words, page.next_cursor, as_json)


@group.command("claim", help=N_("Claim the most urgent unclaimed item; exits 1 when the queue is empty."))
def claim(
    team: str | None = typer.Option(None, "--team", help=N_("Claim only from this team.")),
    as_user: str | None = AS,
    as_json: bool = JSON,
) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        item = queue.claim_next(ctx, common.acting_user(as_user), team=team)
        zone = ctx.settings.institution.timezone
    if item is None:
        common.err_console.print(_("Nothing to claim: the queue is empty."))
        raise typer.Exit(1)
    if as_json:
        common.emit_json(item)
    else:
        _print_detail(item, zone)


def _print_detail(item: InboxItemView, zone: str) -> None:
    common.console.print(
        _("Item {id} ({kind} on {account}, {platform} {remote_id})").format(
            id=item["id"],
            kind=item["kind"],
            account=item["account"],
            platform=item["platform"],
            remote_id=item["remote_id"],
        )
    )
    fields = [
        (_("From:"), common.inert(item["author"] or _("(deleted author)"))),
        (
            _("State:"),
            _("{state}  priority {priority}  version {version}").format(
                state=state_word(item["state"]), priority=item["priority"], version=item["version"]
            ),
        ),
        (
            _("Team:"),
            _("{team}  assigned to {person}  claimed by {claimer}").format(
                team=common.inert(item["team"] or "-"),
                person=item["assigned_to"] or "-",
                claimer=item["claimed_by"] or "-",
            ),
        ),
        (_("Flags:"), ", ".join(item["flags"]) or "-"),
        (
            _("Created:"),
            _("{time}  first response due {due}").format(
                time=common.local_time(item["created_at"], zone),
                due=common.local_time(item["response_due_at"], zone),
            ),
        ),
    ]
    if item["hidden"]:
        fields.append((_("Hidden:"), common.inert(item["hidden_reason"] or "")))
    # Labels padded to the longest in the reader's language, so that the values line up.
    width = max(len(label) for label, _value in fields) + 1
    for label, value in fields:
        common.console.print(f"{label:<{width}}{value}")
    common.console.print("")
    common.console.print(common.inert(item["text"]))


@group.command(
    "show", help=N_("Show one item with its actions, replies, proposed replies and response times (audited).")
)
def show(item_id: int = ITEM, as_json: bool = JSON, as_user: str | None = AS) -> None:
    with common.open_context() as ctx:
        item = reading.read_item(ctx, common.acting_user(as_user), item_id).item
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(item)
        return
    _print_detail(item, zone)
    times = item["response_times"]
    first = _measured(
        times["first_response_minutes"],
        _("first reply after {minutes} working min"),
        _("no reply sent yet"),
    )
    resolution = _measured(
        times["resolution_minutes"], _("resolved after {minutes} working min"), _("not resolved yet")
    )
    missed = _(", missed")
    common.console.print(
        "\n"
        + _("Response: {first} (due {first_due}{first_missed}); {resolution} (due {due}{missed})").format(
            first=first,
            first_due=common.local_time(times["first_response_due"], zone),
            first_missed=missed if times["first_response_breached"] else "",
            resolution=resolution,
            due=common.local_time(times["resolution_due"], zone),
            missed=missed if times["resolution_breached"] else "",
        ),
        markup=False,
    )
    for action in item["actions"]:
        reason = f" ({common.inert(action['reason'])})" if action.get("reason") else ""
        common.console.print(
            f"  {common.local_time(action['at'], zone)}  {action['actor']}  {action['action']}{reason}",
        )
    for reply in item["replies"]:
        common.console.print(
            _("  reply #{publication} {state}: {text}").format(
                publication=reply["publication"],
                state=state_word(reply["state"]),
                text=common.inert(reply["text"]),
            )
        )
    for proposal in item["proposals"]:
        _print_proposal(proposal)


def _measured(minutes: float | None, event: str, pending: str) -> str:
    # None means the event has not happened yet, not zero minutes.
    return pending if minutes is None else event.format(minutes=f"{minutes:.0f}")


def _print_proposal(proposal: ProposalView) -> None:
    from smtool.services.monitoring import proposals

    decided = _(" by {person}").format(person=proposal["decided_by"]) if proposal["decided_by"] else ""
    comment = f" ({common.inert(proposal['comment'])})" if proposal["comment"] else ""
    common.console.print(
        _("  proposed reply #{id} by {author}, {state}{decided}{comment}; hash {hash}:").format(
            id=proposal["id"],
            author=proposal["author"],
            state=state_word(proposal["state"]),
            decided=decided,
            comment=comment,
            hash=proposal["content_hash"][: proposals.SHORT_HASH],
        ),
        markup=False,
    )
    common.console.print(f"    {common.inert(proposal['text'])}", markup=False)


@group.command(
    "reply",
    help=N_(
        "Answer publicly on the item's account, through the checker and the outbox (only "
        "the roles the account's reply_roles allow, and its spokespeople; others: inbox "
        "propose)."
    ),
)
def reply(
    item_id: int = ITEM,
    text: str = typer.Argument(..., help=N_("The answer, as the institution.")),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import queue
    from smtool.services.publishing import pauses

    with common.open_context() as ctx:
        publication = queue.reply(ctx, common.acting_user(as_user), item_id, text, expected_version=version)
        queued = pauses.queued_note(ctx, publication)  # a pause holds it: say so
    common.console.print(
        _("Reply queued as publication {publication}; {queued}.").format(
            publication=publication, queued=queued
        )
    )


@group.command("hide", help=N_("Hide the item on the platform; it stays in the store and the audit log."))
def hide(
    item_id: int = ITEM,
    reason: str = typer.Option(
        ..., "--reason", help=N_("A reason from the comment policy ([inbox] hide_reasons).")
    ),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.hide(ctx, common.acting_user(as_user), item_id, reason, expected_version=version)
    common.console.print(_("Item {id} hidden.").format(id=item_id))


@group.command("unhide", help=N_("Show a hidden item again on the platform."))
def unhide(
    item_id: int = ITEM,
    reason: str | None = typer.Option(None, "--reason", help=N_("Why it may be shown again.")),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.unhide(ctx, common.acting_user(as_user), item_id, reason, expected_version=version)
    common.console.print(_("Item {id} shown again.").format(id=item_id))


@group.command("assign", help=N_("Assign the item to a user or route it to a team."))
def assign(
    item_id: int = ITEM,
    target: str = typer.Argument(..., help=N_("A user name or a team.")),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        kind = queue.assign(ctx, common.acting_user(as_user), item_id, target, expected_version=version)
    said = (
        _("Item {id} assigned to user {target}.")
        if kind == "user"
        else _("Item {id} routed to team {target}.")
    )
    common.console.print(said.format(id=item_id, target=common.inert(target)))


@group.command("resolve", help=N_("Close the item as handled."))
def resolve(item_id: int = ITEM, version: int | None = VERSION, as_user: str | None = AS) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.resolve(ctx, common.acting_user(as_user), item_id, expected_version=version)
    common.console.print(_("Item {id} resolved.").format(id=item_id))


@group.command("spam", help=N_("Close the item as spam (it stays on record)."))
def spam(item_id: int = ITEM, version: int | None = VERSION, as_user: str | None = AS) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.mark_spam(ctx, common.acting_user(as_user), item_id, expected_version=version)
    common.console.print(_("Item {id} marked as spam.").format(id=item_id))


@group.command("release", help=N_("Give a claimed item back to the queue."))
def release(item_id: int = ITEM, as_user: str | None = AS) -> None:
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.release(ctx, common.acting_user(as_user), item_id)
    common.console.print(_("Item {id} released.").format(id=item_id))


@group.command(
    "propose",
    help=N_(
        "Propose a public answer for approval (a specialist's reply); checked like a "
        "reply, sent only when someone allowed to reply on the account approves this "
        "exact text."
    ),
)
def propose(
    item_id: int = ITEM,
    text: str = typer.Argument(..., help=N_("The answer you propose, as the institution.")),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import proposals

    with common.open_context() as ctx:
        actor = common.acting_user(as_user)
        proposal = proposals.propose(ctx, actor, item_id, text, expected_version=version)
    common.console.print(
        _("Proposed reply #{id} to item {item} waits for approval (hash {hash}); nothing was sent.").format(
            id=proposal["id"], item=item_id, hash=proposal["content_hash"][: proposals.SHORT_HASH]
        ),
        markup=False,
    )


@group.command(
    "proposals",
    help=N_("Proposed replies waiting: those you may approve, and your own (audited: citizens' data)."),
)
def proposals_(as_json: bool = JSON, as_user: str | None = AS) -> None:
    from smtool.services.monitoring import proposals

    with common.open_context() as ctx:
        waiting = proposals.waiting_proposals(ctx, common.acting_user(as_user))
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(waiting)
        return
    if not waiting:
        common.console.print(_("No proposed replies are waiting."))
        return
    table = Table(noun(1, "item", "items"), _("account"), _("author"), _("proposed"), _("hash"), _("text"))
    for proposal in waiting:
        table.add_row(
            str(proposal["item"]),
            proposal["account"],
            proposal["author"],
            common.local_time(proposal["created_at"], zone),
            proposal["content_hash"][: proposals.SHORT_HASH],
            _one_line(proposal["text"], 60),
        )
    common.console.print(table)


@group.command(
    "approve-reply",
    help=N_("Send the reply proposed on the item, in your name: exactly the text whose hash you give."),
)
def approve_reply(
    item_id: int = ITEM,
    content_hash: str = typer.Option(
        ..., "--hash", help=N_("The proposal's hash as `inbox show` or `inbox proposals` printed it.")
    ),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import proposals
    from smtool.services.publishing import pauses

    with common.open_context() as ctx:
        publication = proposals.approve(
            ctx, common.acting_user(as_user), item_id, content_hash, expected_version=version
        )
        queued = pauses.queued_note(ctx, publication)
    common.console.print(
        _("Reply approved and queued as publication {publication}; {queued}.").format(
            publication=publication, queued=queued
        )
    )


@group.command("reject-reply", help=N_("Reject the reply proposed on the item; it is never sent."))
def reject_reply(
    item_id: int = ITEM,
    reason: str = typer.Option(..., "--reason", help=N_("Why; the proposal's author reads it.")),
    as_user: str | None = AS,
) -> None:
    from smtool.services.monitoring import proposals

    with common.open_context() as ctx:
        proposal = proposals.reject(ctx, common.acting_user(as_user), item_id, reason)
    common.console.print(
        _("Proposed reply #{id} to item {item} rejected; nothing was sent.").format(
            id=proposal["id"], item=item_id
        )
    )
