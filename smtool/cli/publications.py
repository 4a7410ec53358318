"""`smtool publications`: the outbox, one row per post and account."""

from __future__ import annotations

import typer
from rich.table import Table

from smtool.cli import common
from smtool.domain.state_words import state_word
from smtool.domain.states import PublicationState
from smtool.domain.words import noun
from smtool.i18n import N_, _
from smtool.services.publishing.seals import verify_publications
from smtool.services.publishing.views import publication_page

group = typer.Typer(help=N_("Publications: what goes out, where and when."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="publications")


@group.command(
    "list",
    help=N_(
        "List publications with their state, latest due first, a page at a time; failed, "
        "unknown, needs_reauth and held need a person."
    ),
)
def list_(
    state: str | None = typer.Option(
        None,
        "--state",
        # Modules are imported after the help language is chosen (help_i18n), so _() here speaks it.
        help=_("Only publications in this state: {states}.").format(states=", ".join(PublicationState)),
    ),
    limit: int = common.LIMIT,
    after: str | None = typer.Option(None, "--after", help=common.AFTER_HELP),
    as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP),
) -> None:
    with common.open_context() as ctx:
        page = publication_page(ctx, state=state, limit=limit, after=after)
        zone = ctx.settings.institution.timezone
    words = ["publications", "list", *common.filters(state=state, limit=common.given_limit(limit))]
    if as_json:
        common.emit_json(page.items)
        common.note_next_page(words, page.next_cursor, as_json)
        return
    table = Table(
        _("id"),
        noun(1, "post", "posts"),
        _("account"),
        _("state"),
        _("due"),
        _("attempt"),
        _("remote id"),
        _("last error"),
    )
    for r in page.items:
        table.add_row(
            str(r["id"]),
            str(r["post_id"]),
            common.inert(r["account"]),
            state_word(r["state"]),
            common.local_time(r["due_at"], zone),
            str(r["attempt"]),
            common.inert(r["remote_id"] or ""),
            common.inert(r["last_error"] or ""),
        )
    common.console.print(table)
    common.note_next_page(words, page.next_cursor, as_json)


@group.command(
    "verify",
    help=N_(
        "Check the seal of every publication that may still go out; exit 1 naming each "
        "one the worker would hold (changed in the database after approval, or never "
        "approved through smtool)."
    ),
)
def verify(as_json: bool = typer.Option(False, "--json", help=common.JSON_HELP)) -> None:
    with common.open_context() as ctx:
        problems = verify_publications(ctx)
    if as_json:
        common.emit_json(problems)
    elif problems:
        table = Table(_("id"), noun(1, "post", "posts"), _("account"), _("state"), _("why it would be held"))
        for p in problems:
            table.add_row(
                str(p["id"]),
                str(p["post_id"]),
                common.inert(p["account"]),
                state_word(p["state"]),
                p["reason"],
            )
        common.console.print(table)
    else:
        common.console.print(_("Every publication that may still go out is sealed as approved."))
    if problems:
        raise typer.Exit(1)
