"""`smtool retention`: legal holds and purging records past their retention ([retention] in config)."""

from __future__ import annotations

import typer

from smtool.cli import common
from smtool.domain.words import counted, forms
from smtool.errors import UsageError
from smtool.i18n import N_, _
from smtool.services.records.retention import lift_hold, list_holds, place_hold, purge

group = typer.Typer(help=N_("Retention of records and legal holds."), no_args_is_help=True)


# What a purge counts, in words (the --json keys stay these names).
_KINDS = {
    "post": forms("post", "posts"),
    "inbox_item": forms("inbox item", "inbox items"),
    "metric_snapshot": forms("metric snapshot", "metric snapshots"),
}


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="retention")


@group.command(
    "hold", help=N_("Place a legal hold: what it covers is never purged until the hold is lifted (admins).")
)
def hold_(
    post: int | None = common.id_option("--post", N_("Hold one post (with its publications).")),
    item: int | None = common.id_option("--item", N_("Hold one inbox item (with its actions).")),
    account: str | None = typer.Option(None, "--account", help=N_("Hold every record of one account.")),
    all_: bool = typer.Option(False, "--all", help=N_("Hold every record: nothing is purged.")),
    reason: str = typer.Option("", "--reason", help=N_("Why (a case or request number; required).")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    chosen = [
        (scope, value)
        for scope, value in (
            ("post", post),
            ("inbox_item", item),
            ("account", account),
            ("all", all_ or None),
        )
        if value is not None
    ]
    if len(chosen) != 1:
        raise UsageError(_("say what to hold: one of --post ID, --item ID, --account ID or --all"))
    ((scope, subject),) = chosen
    with common.open_context() as ctx:
        hold_id = place_hold(ctx, common.acting_user(as_user), scope, str(subject), reason)
    common.console.print(_("Placed legal hold {id}.").format(id=hold_id))


@group.command("lift", help=N_("Lift a legal hold; it stays on record (admins)."))
def lift_(
    hold_id: int = common.id_argument(N_("The hold's id (`smtool retention holds`).")),
    reason: str = typer.Option("", "--reason", help=N_("Why the hold ends (required).")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
) -> None:
    with common.open_context() as ctx:
        lift_hold(ctx, common.acting_user(as_user), hold_id, reason)
    common.console.print(_("Lifted legal hold {id}.").format(id=hold_id))


@group.command("holds", help=N_("List legal holds."))
def holds_(
    include_lifted: bool = typer.Option(False, "--lifted", help=N_("Also list lifted holds.")),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
) -> None:
    with common.open_context() as ctx:
        rows = list_holds(ctx, include_lifted=include_lifted)
        zone = ctx.settings.institution.timezone
    if as_json:
        common.emit_json([vars(h) for h in rows])
        return
    for h in rows:
        lifted = (
            _(", lifted by {person} {time}").format(
                person=h.lifted_by, time=common.local_time(h.lifted_at, zone)
            )
            if h.lifted_at
            else ""
        )
        common.console.print(
            f"{h.id}: {h.scope} {common.inert(h.subject_id)}: {common.inert(h.reason)} "
            f"({common.inert(h.placed_by)}, {common.local_time(h.placed_at, zone)}{common.inert(lifted)})"
        )
    if not rows:
        common.console.print(_("No legal holds."))


@group.command(
    "purge",
    help=N_(
        "Delete records past their retention ([retention] in config.toml) that no hold "
        "keeps (admins).\n"
        "\n"
        "Export an archive of the period first (`smtool archive export`). Every deleted "
        "batch is audited."
    ),
)
def purge_(
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Count what would be deleted; delete nothing.")),
    as_user: str | None = typer.Option(None, "--as", help=common.AS_USER_HELP),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the counts as JSON.")),
) -> None:
    with common.open_context() as ctx:
        report = purge(ctx, common.acting_user(as_user), dry_run=dry_run)
    if as_json:
        common.emit_json({"dry_run": report.dry_run, "deleted": report.deleted})
        return
    counts = ", ".join(counted(n, *_KINDS[kind]) for kind, n in report.deleted.items())
    said = _("Would delete {counts}.") if dry_run else _("Deleted {counts}.")
    common.console.print(said.format(counts=counts))
