"""A `worker --once` pass with nothing to do stays cheap (issue 21): it loads no checker, the
largest part of the worker's code, until a poll brings something to triage. Times are not asserted
(benchmarks/bench_publishing.py prints the pass's CPU); which modules it imports is deterministic.
The same real processes as cron runs, against the sandbox, on both databases.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import event
from sqlmodel import select

from smtool.services.context import Context
from smtool.services.platforms import ConnectorCache
from smtool.store.tables import Account
from tests.support.cli import Result, run_smtool
from tests.support.sandbox import Sandbox


def _pass(sandbox: Sandbox, cwd: Path) -> tuple[Result, set[str]]:
    """One real `smtool worker --once --json`, and the modules it imported."""
    done = run_smtool(
        "--config",
        str(sandbox.config),
        "worker",
        "--once",
        "--json",
        cwd=cwd,
        env={"PYTHONPROFILEIMPORTTIME": "1"},
    )
    assert done.code == 0, done.err
    timings = [line.split("|") for line in done.err.splitlines() if line.startswith("import time:")]
    return done, {fields[2].strip() for fields in timings if len(fields) == 3}


def _checker(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "smtool.checker" or m.startswith("smtool.checker.")}


def test_a_quiet_pass_loads_no_checker_and_a_busy_one_triages(sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.control("POST", "posts", {"account": sandbox.server.account("facebook").id, "text": "Sveiki!"})
    _pass(sandbox, tmp_path)  # the first look at each account's own posts
    quiet, modules = _pass(sandbox, tmp_path)
    assert json.loads(quiet.out)["ingest_new"] == 0
    assert "smtool.services.monitoring.ingest" in modules and not _checker(modules)
    sandbox.control("POST", "simulate", {"count": 4})
    busy, modules = _pass(sandbox, tmp_path)
    assert json.loads(busy.out)["ingest_new"] == 4
    assert "smtool.checker" in modules  # triaged as ever


def test_prepared_connectors_read_every_token_at_once_and_work(sctx: Context, sandbox: Sandbox) -> None:
    with sctx.db.read() as session:
        accounts = list(session.exec(select(Account).order_by(Account.id)).all())
    assert len(accounts) == 2
    cache = ConnectorCache()
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, sql_text: str, *_: object) -> None:
        statements.append(sql_text)

    event.listen(sctx.db.engine, "before_cursor_execute", seen)
    try:
        cache.prepare(sctx, accounts)
        prepared = len(statements)
        connectors = [cache(sctx, account) for account in accounts]
    finally:
        event.remove(sctx.db.engine, "before_cursor_execute", seen)
    assert len(statements) == prepared  # the pass's use reads nothing more
    assert sum("FROM accounts" in s for s in statements) == 1
    handles = {connector.verify_credentials().handle.lstrip("@") for connector in connectors}
    assert handles == {account.handle.lstrip("@") for account in accounts}
