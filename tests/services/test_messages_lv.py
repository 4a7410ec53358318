"""Messages raised by services, the domain, the store and the configuration speak the reader's language:
translated where they are raised, in the language active then (issue 19). Ids, names, states and
commands inside them stay as they are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from smtool.config import parse_settings
from smtool.domain.media import size_text
from smtool.domain.states import next_post_state
from smtool.errors import SmtoolError
from smtool.i18n import speaking
from smtool.services.context import Context
from smtool.services.identity.keys import parse_public_key
from smtool.services.monitoring.queue_pages import show_item
from smtool.services.paging import one_of
from smtool.services.publishing.approval import approve_posts, reject_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.pauses import pause, resume
from smtool.store.engine import make_engine
from tests.support.databases import BASE_CONFIG


def _raised(call: Callable[[], object]) -> str:
    with pytest.raises(SmtoolError) as refused:
        call()
    return refused.value.msg


def test_domain_and_configuration_errors_are_latvian_when_latvian_is_spoken(tmp_path: Path) -> None:
    with speaking("lv"):
        # The refusal's frame and the event's verb are Latvian; the states and commands are not.
        assert _raised(lambda: next_post_state("draft", "approve")) == (
            "ierakstu stāvoklī draft nevar apstiprināt; tagad iespējams: check, edit, withdraw"
        )
        config = (
            BASE_CONFIG.format(url="sqlite:///smtool.db") + "\n[publishing]\nlease_seconds = 0\ncolour = 1\n"
        )
        problem = _raised(lambda: parse_settings(config, tmp_path / "config.toml"))
        assert "nezināma atslēga publishing.colour; izdzēsiet to vai pārbaudiet rakstību" in problem
        assert "publishing.lease_seconds: jābūt lielākam par 5 vai vienādam ar to" in problem
        assert _raised(lambda: make_engine("mysql://db")) == (
            "neatbalstīta datubāze 'mysql'; izmantojiet SQLite vai PostgreSQL"
        )
        assert _raised(lambda: one_of("held", ["draft", "approved"], "state")) == (
            "nezināms stāvoklis 'held'; stāvokļi: draft, approved"
        )
        assert _raised(lambda: parse_public_key("-----BEGIN OPENSSH PRIVATE KEY-----")).startswith(
            "tā ir privātā atslēga: nekad to neizpaudiet."
        )
        # Sizes in a refusal take the reader's decimal comma.
        assert size_text(4_404_020) == "4,2 MB"
        assert size_text(21) == "21 baits"


def test_service_errors_are_latvian_and_keep_ids_and_names(ctx: Context) -> None:
    with speaking("lv"):
        assert _raised(lambda: create_post(ctx, "anna", Draft(text=" ", accounts=["vk-x"]))) == (
            "ierakstam nav teksta"
        )
        assert _raised(lambda: create_post(ctx, "anna", Draft(text="Teksts", accounts=["lm-x"]))) == (
            "nezināms konts 'lm-x'; konti: vk-x, vk-fb"
        )
        denied = _raised(lambda: create_post(ctx, "karlis", Draft(text="Teksts", accounts=["vk-x"])))
        assert denied == (
            "karlis nedrīkst rakstīt ierakstu melnrakstus: tam vajadzīga loma communicator vai "
            "press_officer (ir: approver)"
        )
        assert _raised(lambda: approve_posts(ctx, "karlis", [404])) == (
            "nav ieraksta 404; skatiet `smtool post list`"
        )
        assert _raised(lambda: reject_post(ctx, "karlis", 404, " ")).startswith(
            "norādiet, kāpēc ieraksts ir noraidīts"
        )
        assert _raised(lambda: pause(ctx, "karlis", "vk-x", "")).startswith("norādiet, kāpēc publicēšana")
        assert _raised(lambda: resume(ctx, "karlis", "vk-x")) == "konts vk-x nav apturēts"
        assert _raised(lambda: show_item(ctx, 404)) == "nav ziņas 404; skatiet `smtool inbox list`"
    # Raised while English is spoken, the same refusal is English: each message is translated once,
    # when it is made.
    assert _raised(lambda: resume(ctx, "karlis", "vk-x")) == "account vk-x is not paused"
