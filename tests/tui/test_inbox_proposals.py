"""The inbox screen and the authority over replies and citizens' data (issue 15, item 7): a waiting
proposal shows in the item and is approved with y by someone allowed to reply; opening the queue and
an item is audited once, not on every refresh."""

from __future__ import annotations

import asyncio
import json

from sqlmodel import col, select

from smtool.services.citizen_data import READ
from smtool.services.monitoring import proposals, queue_pages
from smtool.store.tables import AuditEvent
from smtool.tui.app import build_app
from smtool.tui.screens.inbox import InboxScreen
from smtool.tui.widgets.item_detail import ItemDetail
from tests.support.tui import Installation, add_items, until

ANSWER = "Pieteikšanās sāksies 1. decembrī."


def _reads(installation: Installation) -> list[dict[str, object]]:
    with installation.ctx.db.read() as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.action == READ).order_by(col(AuditEvent.id))
        ).all()
    return [json.loads(r.payload) for r in rows]


def test_a_waiting_proposal_is_shown_and_approved_with_y_and_reads_are_audited_once(
    installation: Installation,
) -> None:
    add_items(installation.ctx, "Kad būs atvērta pieteikšanās?")
    item_id = int(queue_pages.list_items(installation.ctx).items[0]["id"])
    proposal = proposals.propose(installation.ctx, "liga", item_id, ANSWER)

    async def scenario() -> None:
        app = build_app(installation.ctx, "liga")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            await until(pilot, lambda: screen.detail is not None, "the item to open")
            shown = str(screen.query_one(ItemDetail).render())
            assert "Proposed reply" in shown and proposal["content_hash"][:16] in shown
            assert [r["what"] for r in _reads(installation)] == ["inbox.list", "inbox.show"]
            await pilot.press("g")  # a re-read of what was already recorded
            await until(pilot, lambda: screen.detail is not None, "the refresh")
            assert len(_reads(installation)) == 2

            await pilot.press("y")
            await until(
                pilot,
                lambda: queue_pages.show_item(installation.ctx, item_id)["state"] == "answered",
                "approval",
            )
            detail = queue_pages.show_item(installation.ctx, item_id)
            assert [r["text"] for r in detail["replies"]] == [ANSWER]
            assert detail["proposals"][0]["state"] == "approved"

    asyncio.run(scenario())
