"""Where a connector sends an account's token: the applied `base_url`, and only while config.toml
says the same (issue 20: a worker sent one installation's tokens to another sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from connectors.emulator import SandboxServer, new_sandbox_state
from smtool.config import load_settings
from smtool.errors import UnappliedAddress
from smtool.services.context import Context
from smtool.services.installation.directory import apply
from smtool.services.platforms import connector_for
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.store.tables import Account, Publication
from smtool.worker import run_once
from tests.support.proxy import TcpProxy
from tests.support.sandbox import Sandbox, write_installation

TEXT = "Valsts kanceleja informē par pakalpojumu izmaiņām."


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    sandbox = SandboxServer(new_sandbox_state(seed=5), port=0).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _states(ctx: Context) -> list[str]:
    with ctx.db.read() as session:
        return list(session.exec(select(Publication.state)).all())


def test_a_base_url_edited_in_config_toml_gets_no_token_until_applied(
    tmp_path: Path, db_url: str, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_installation(tmp_path, db_url, server)
    # The other address forwards to the same sandbox, so that once applied the post goes out
    # through it; it counts every connection made to it.
    with TcpProxy("127.0.0.1", server.port) as elsewhere:
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace(server.base_url, f"http://127.0.0.1:{elsewhere.port}"), encoding="utf-8"
        )
        with Context.open(load_settings(config)) as ctx:
            post_id = create_post(ctx, "anna", Draft(text=TEXT, accounts=["sandbox-x"]))
            submit_post(ctx, "anna", post_id)
            approve_posts(ctx, "karlis", [post_id])

            with caplog.at_level("WARNING"):
                totals = run_once(ctx)
            assert elsewhere.accepted == 0
            assert not Sandbox(server, config).published()
            assert _states(ctx) == ["scheduled"]  # waits, its token not marked for reconnecting
            assert "needs_reauth" not in totals
            assert "config apply" in caplog.text
            with ctx.db.read() as session:
                account = session.get(Account, "sandbox-x")
            assert account is not None and account.token_status == "ok"
            with pytest.raises(UnappliedAddress, match="smtool config apply"):
                connector_for(ctx, account)

            # Applied (audited), the file's address is the one used.
            assert ctx.configured is not None
            apply(ctx, ctx.configured, "local:test")
            totals = run_once(ctx)
            assert totals["published"] == 1, totals
            assert elsewhere.accepted > 0
            assert _states(ctx) == ["published"]
