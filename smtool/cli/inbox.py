"""`smtool inbox`: the moderation queue: list, claim, show, reply, hide, unhide, assign, resolve, spam,
and proposed replies (propose, proposals, approve-reply, reject-reply)."""

from __future__ import annotations

import typer
from rich.table import Table

from smtool.cli import common
from smtool.domain.text import collapse_spaces
from smtool.services.monitoring import reading
from smtool.services.monitoring.views import InboxItemView, ProposalView

# The queue's actions, proposals and pauses are imported by the commands that act: they bring in
# the guideline checker (a reply is checked), which `inbox list` and `inbox show` do not need.

group = typer.Typer(
    help="The moderation queue: comments and mentions from every account.", no_args_is_help=True
)

AS = typer.Option(None, "--as", help=common.AS_USER_HELP)
JSON = typer.Option(False, "--json", help=common.JSON_HELP)
VERSION = common.id_option("--version", "Refuse if the item changed since this version.", low=0)
ITEM = common.id_argument("Inbox item id.")


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="inbox")


def _one_line(value: str | None, width: int) -> str:
    shown = common.inert(collapse_spaces(value or ""))
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _print_items(items: list[InboxItemView]) -> None:
    table = Table(
        "id", "prio", "state", "team", "who", "account", "author", "flags", "text", show_lines=False
    )
    for item in items:
        who = item["claimed_by"] or item["assigned_to"] or ""
        flags = ",".join(item["flags"]) + (",hidden" if item["hidden"] else "")
        table.add_row(
            str(item["id"]),
            str(item["priority"]),
            item["state"],
            common.inert(item["team"] or ""),
            who,
            item["account"],
            _one_line(item["author"] or "(deleted author)", 24),
            flags.strip(","),
            _one_line(item["text"], 60),
        )
    common.console.print(table)


@group.command("list")
def list_(
    state: str | None = typer.Option(None, "--state", help="new, assigned, answered, resolved or spam."),
    team: str | None = typer.Option(None, "--team", help="Only items routed to this team."),
    flag: str | None = typer.Option(
        None, "--flag", help="question, personal_data, abuse, spam, takeover or deleted_author."
    ),
    search: str | None = typer.Option(None, "--search", help="Full-text search: every word must appear."),
    limit: int = common.LIMIT,
    all_: bool = typer.Option(False, "--all", help="Include resolved and spam items."),
    after: str | None = typer.Option(None, "--after", help=common.AFTER_HELP),
    as_json: bool = JSON,
    as_user: str | None = AS,
) -> None:
    """List the queue, most urgent first; open items unless --state or --all (audited: citizens' data)."""
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
        common.console.print("The queue is empty.")
        return
    _print_items(page.items)
    common.note_next_page(words, page.next_cursor, as_json)


@group.command("claim")
def claim(
    team: str | None = typer.Option(None, "--team", help="Claim only from this team."),
    as_user: str | None = AS,
    as_json: bool = JSON,
) -> None:
    """Claim the most urgent unclaimed item; exits 1 when the queue is empty."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        item = queue.claim_next(ctx, common.acting_user(as_user), team=team)
        zone = ctx.settings.institution.timezone
    if item is None:
        common.err_console.print("Nothing to claim: the queue is empty.")
        raise typer.Exit(1)
    if as_json:
        common.emit_json(item)
    else:
        _print_detail(item, zone)


def _print_detail(item: InboxItemView, zone: str) -> None:
    lines = [
        f"Item {item['id']} ({item['kind']} on {item['account']}, {item['platform']} {item['remote_id']})",
        f"From:     {common.inert(item['author'] or '(deleted author)')}",
        f"State:    {item['state']}  priority {item['priority']}  version {item['version']}",
        f"Team:     {common.inert(item['team'] or '-')}  assigned to {item['assigned_to'] or '-'}  "
        f"claimed by {item['claimed_by'] or '-'}",
        f"Flags:    {', '.join(item['flags']) or '-'}",
        f"Created:  {common.local_time(item['created_at'], zone)}  "
        f"first response due {common.local_time(item['response_due_at'], zone)}",
    ]
    if item["hidden"]:
        lines.append(f"Hidden:   {common.inert(item['hidden_reason'] or '')}")
    for line in lines:
        common.console.print(line)
    common.console.print("")
    common.console.print(common.inert(item["text"]))


@group.command("show")
def show(item_id: int = ITEM, as_json: bool = JSON, as_user: str | None = AS) -> None:
    """Show one item with its actions, replies, proposed replies and response times (audited)."""
    with common.open_context() as ctx:
        item = reading.read_item(ctx, common.acting_user(as_user), item_id).item
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(item)
        return
    _print_detail(item, zone)
    times = item["response_times"]
    first = _measured(times["first_response_minutes"], "first reply", "no reply sent yet")
    resolution = _measured(times["resolution_minutes"], "resolved", "not resolved yet")
    common.console.print(
        f"\nResponse: {first} (due {common.local_time(times['first_response_due'], zone)}"
        f"{', missed' if times['first_response_breached'] else ''}); {resolution} "
        f"(due {common.local_time(times['resolution_due'], zone)}"
        f"{', missed' if times['resolution_breached'] else ''})",
        markup=False,
    )
    for action in item["actions"]:
        reason = f" ({common.inert(action['reason'])})" if action.get("reason") else ""
        common.console.print(
            f"  {common.local_time(action['at'], zone)}  {action['actor']}  {action['action']}{reason}",
        )
    for reply in item["replies"]:
        common.console.print(
            f"  reply #{reply['publication']} {reply['state']}: {common.inert(reply['text'])}"
        )
    for proposal in item["proposals"]:
        _print_proposal(proposal)


def _measured(minutes: float | None, event: str, pending: str) -> str:
    # None means the event has not happened yet, not zero minutes.
    return pending if minutes is None else f"{event} after {minutes:.0f} working min"


def _print_proposal(proposal: ProposalView) -> None:
    from smtool.services.monitoring import proposals

    decided = f" by {proposal['decided_by']}" if proposal["decided_by"] else ""
    comment = f" ({common.inert(proposal['comment'])})" if proposal["comment"] else ""
    common.console.print(
        f"  proposed reply #{proposal['id']} by {proposal['author']}, {proposal['state']}{decided}{comment}; "
        f"hash {proposal['content_hash'][: proposals.SHORT_HASH]}:",
        markup=False,
    )
    common.console.print(f"    {common.inert(proposal['text'])}", markup=False)


@group.command("reply")
def reply(
    item_id: int = ITEM,
    text: str = typer.Argument(..., help="The answer, as the institution."),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    """Answer publicly on the item's account, through the checker and the outbox (only the roles the
    account's reply_roles allow, and its spokespeople; others: inbox propose)."""
    from smtool.services.monitoring import queue
    from smtool.services.publishing import pauses

    with common.open_context() as ctx:
        publication = queue.reply(ctx, common.acting_user(as_user), item_id, text, expected_version=version)
        queued = pauses.queued_note(ctx, publication)  # a pause holds it: say so
    common.console.print(f"Reply queued as publication {publication}; {queued}.")


@group.command("hide")
def hide(
    item_id: int = ITEM,
    reason: str = typer.Option(
        ..., "--reason", help="A reason from the comment policy ([inbox] hide_reasons)."
    ),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    """Hide the item on the platform; it stays in the store and the audit log."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.hide(ctx, common.acting_user(as_user), item_id, reason, expected_version=version)
    common.console.print(f"Item {item_id} hidden.")


@group.command("unhide")
def unhide(
    item_id: int = ITEM,
    reason: str | None = typer.Option(None, "--reason", help="Why it may be shown again."),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    """Show a hidden item again on the platform."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.unhide(ctx, common.acting_user(as_user), item_id, reason, expected_version=version)
    common.console.print(f"Item {item_id} shown again.")


@group.command("assign")
def assign(
    item_id: int = ITEM,
    target: str = typer.Argument(..., help="A user name or a team."),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    """Assign the item to a user or route it to a team."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        kind = queue.assign(ctx, common.acting_user(as_user), item_id, target, expected_version=version)
    common.console.print(f"Item {item_id} assigned to {kind} {common.inert(target)}.")


@group.command("resolve")
def resolve(item_id: int = ITEM, version: int | None = VERSION, as_user: str | None = AS) -> None:
    """Close the item as handled."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.resolve(ctx, common.acting_user(as_user), item_id, expected_version=version)
    common.console.print(f"Item {item_id} resolved.")


@group.command("spam")
def spam(item_id: int = ITEM, version: int | None = VERSION, as_user: str | None = AS) -> None:
    """Close the item as spam (it stays on record)."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.mark_spam(ctx, common.acting_user(as_user), item_id, expected_version=version)
    common.console.print(f"Item {item_id} marked as spam.")


@group.command("release")
def release(item_id: int = ITEM, as_user: str | None = AS) -> None:
    """Give a claimed item back to the queue."""
    from smtool.services.monitoring import queue

    with common.open_context() as ctx:
        queue.release(ctx, common.acting_user(as_user), item_id)
    common.console.print(f"Item {item_id} released.")


@group.command("propose")
def propose(
    item_id: int = ITEM,
    text: str = typer.Argument(..., help="The answer you propose, as the institution."),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    """Propose a public answer for approval (a specialist's reply); checked like a reply, sent only
    when someone allowed to reply on the account approves this exact text."""
    from smtool.services.monitoring import proposals

    with common.open_context() as ctx:
        actor = common.acting_user(as_user)
        proposal = proposals.propose(ctx, actor, item_id, text, expected_version=version)
    common.console.print(
        f"Proposed reply #{proposal['id']} to item {item_id} waits for approval "
        f"(hash {proposal['content_hash'][: proposals.SHORT_HASH]}); nothing was sent.",
        markup=False,
    )


@group.command("proposals")
def proposals_(as_json: bool = JSON, as_user: str | None = AS) -> None:
    """Proposed replies waiting: those you may approve, and your own (audited: citizens' data)."""
    from smtool.services.monitoring import proposals

    with common.open_context() as ctx:
        waiting = proposals.waiting_proposals(ctx, common.acting_user(as_user))
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json(waiting)
        return
    if not waiting:
        common.console.print("No proposed replies are waiting.")
        return
    table = Table("item", "account", "author", "proposed", "hash", "text")
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


@group.command("approve-reply")
def approve_reply(
    item_id: int = ITEM,
    content_hash: str = typer.Option(
        ..., "--hash", help="The proposal's hash as `inbox show` or `inbox proposals` printed it."
    ),
    version: int | None = VERSION,
    as_user: str | None = AS,
) -> None:
    """Send the reply proposed on the item, in your name: exactly the text whose hash you give."""
    from smtool.services.monitoring import proposals
    from smtool.services.publishing import pauses

    with common.open_context() as ctx:
        publication = proposals.approve(
            ctx, common.acting_user(as_user), item_id, content_hash, expected_version=version
        )
        queued = pauses.queued_note(ctx, publication)
    common.console.print(f"Reply approved and queued as publication {publication}; {queued}.")


@group.command("reject-reply")
def reject_reply(
    item_id: int = ITEM,
    reason: str = typer.Option(..., "--reason", help="Why; the proposal's author reads it."),
    as_user: str | None = AS,
) -> None:
    """Reject the reply proposed on the item; it is never sent."""
    from smtool.services.monitoring import proposals

    with common.open_context() as ctx:
        proposal = proposals.reject(ctx, common.acting_user(as_user), item_id, reason)
    common.console.print(f"Proposed reply #{proposal['id']} to item {item_id} rejected; nothing was sent.")
