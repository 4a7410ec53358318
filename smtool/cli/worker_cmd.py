"""`smtool worker`: publish what is due, on a schedule or once."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import typer
from sqlalchemy.exc import SQLAlchemyError

from smtool import worker
from smtool.cli import common
from smtool.i18n import N_, _

# Outcomes of one pass that a person must hear of: a publication that did not go out when due (sent
# again later, waiting for a token, unknown, failed, held or past its window), an account the
# reconciliation could not reach, and every job's errors (ingest, token checks, metrics, reports).
FAILED_OUTCOMES = frozenset(
    {"retry", "needs_reauth", "unknown", "failed", "held", "expired", "reconciled_unreachable"}
)


def failures(totals: Mapping[str, int]) -> dict[str, int]:
    """The counts of a pass that mean something failed, by outcome name."""
    return {
        name: count
        for name, count in sorted(totals.items())
        if count and (name in FAILED_OUTCOMES or name.endswith("errors"))
    }


def register(app: typer.Typer) -> None:
    app.command("worker", help=N_("Run the worker: publishes approved posts at their time, exactly once."))(
        worker_
    )


def worker_(
    once: bool = typer.Option(
        False,
        "--once",
        help=N_(
            "Do one full pass (publish everything due, poll every account) and exit; exit 1 when "
            "anything in it failed, so that cron notices."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("With --once: print the outcome counts as JSON.")),
) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Alembic announces its SQL dialect on every start; only its warnings belong in the worker's log.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # A worker started while the database is out of reach or locked waits for it, as it waits out
    # a later outage; a single pass (cron's) says so and exits instead.
    opened = common.open_context() if once else worker.open_when_reachable(common.open_context)
    with opened as ctx:
        if once:
            try:
                totals = worker.run_once(ctx)
            except SQLAlchemyError as error:
                if not worker.database_fault(error):
                    raise
                # A pass cut short loses nothing: what was under way is recorded as `sending` and
                # settled by the next pass, as after a crash. Exit 1 so that cron notices.
                common.err_console.print(
                    _(
                        "The database is out of reach or locked ({reason}); this pass stopped there. "
                        "Run `smtool worker --once` again when it is back."
                    ).format(reason=worker.fault_reason(error)),
                    markup=False,
                )
                raise typer.Exit(1) from None
            if as_json:
                common.emit_json(dict(totals))
            else:
                summary = ", ".join(f"{k}: {v}" for k, v in sorted(totals.items())) or _("nothing due")
                common.console.print(summary, markup=False)
            failed = failures(totals)
            if failed:
                listed = ", ".join(f"{k}: {v}" for k, v in failed.items())
                common.err_console.print(
                    _(
                        "Failed: {outcomes}. See the log above, `smtool publications list --state "
                        "failed` and `smtool account list`."
                    ).format(outcomes=listed),
                    markup=False,
                )
                raise typer.Exit(1)
        else:
            worker.run_forever(ctx)
