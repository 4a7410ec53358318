"""`smtool worker`: publish what is due, on a schedule or once."""

from __future__ import annotations

import logging

import typer

from smtool import worker
from smtool.cli import common


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_)


def worker_(
    once: bool = typer.Option(False, "--once", help="Do one full pass (publish everything due) and exit."),
    as_json: bool = typer.Option(False, "--json", help="With --once: print the outcome counts as JSON."),
) -> None:
    """Run the worker: publishes approved posts at their time, exactly once."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # Alembic announces its SQL dialect on every start; only its warnings belong in the worker's log.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with common.open_context() as ctx:
        if once:
            totals = worker.run_once(ctx)
            if as_json:
                common.emit_json(dict(totals))
            else:
                summary = ", ".join(f"{k}: {v}" for k, v in sorted(totals.items())) or "nothing due"
                common.console.print(summary)
        else:
            worker.run_forever(ctx)
