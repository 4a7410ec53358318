"""A post through the TUI: composed and submitted, approved (or rejected, or a finding waived),
then on the calendar, rescheduled (back to approval) and withdrawn."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console
from textual.widgets import DataTable, Input, Static, TextArea

from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.drafts import Attachment, Draft, create_post
from smtool.services.publishing.views import list_posts, show_post
from smtool.tui.app import build_app
from smtool.tui.screens.approvals import ApprovalsScreen
from smtool.tui.screens.calendar import CalendarScreen
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.widgets.dialogs import ChoiceModal, ConfirmModal, LineModal
from smtool.tui.widgets.post_detail import PostDetail
from smtool.tui.widgets.post_modal import PostModal
from tests.support.media import jpeg, png
from tests.support.tui import Installation, until

TEXT = "Pieteikšanās sāksies 1. decembrī."


def as_text(renderable: object) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def state_of(installation: Installation, post_id: int) -> str:
    return str(show_post(installation.ctx, post_id)["state"])


def test_compose_submit_approve_and_the_calendar_shows_it(installation: Installation) -> None:
    ctx = installation.ctx

    async def compose() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            screen.query_one("#post-text", TextArea).text = TEXT
            screen.query_one("#post-when", Input).value = "2026-03-03 10:00"
            await pilot.press("ctrl+t")
            await until(pilot, lambda: bool(list_posts(ctx)), "the post to be submitted")

    async def approve() -> None:
        app = build_app(ctx, "karlis")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ApprovalsScreen)  # an approver starts at the approvals
            detail = screen.query_one(PostDetail)
            await until(pilot, lambda: detail.post is not None, "the pending post")
            shown = str(detail.render())
            assert TEXT in shown and "sandbox-x" in shown and "authorization.not-spokesperson" in shown
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the confirmation")
            await pilot.press("enter")  # no comment: it is optional
            await until(pilot, lambda: state_of(installation, post_id) == "approved", "the approval")
            # The last post approved: the notice says so rather than that nothing waits.
            notice = screen.query_one("#notice", Static)
            await until(pilot, lambda: screen.posts == [], "the list reloaded")
            assert f"Post {post_id} approved" in str(notice.render())

            await pilot.press("f3")
            calendar = app.screen
            assert isinstance(calendar, CalendarScreen)
            await until(pilot, lambda: bool(calendar.entries), "the calendar")
            entry = calendar.entries[0]
            assert (entry.post_id, entry.account, entry.state) == (post_id, "sandbox-x", "scheduled")
            grid = as_text(calendar.query_one("#calendar-grid", Static).content)
            assert "Tu 3" in grid and "◷1" in grid

            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, PostModal), "the post opened")
            opened = app.screen.query_one(PostDetail)
            await until(pilot, lambda: opened.post is not None, "the post's detail")
            assert "Approved by karlis" in str(opened.render())
            await pilot.press("escape")

    asyncio.run(compose())
    post_id = int(list_posts(ctx)[0]["id"])
    assert state_of(installation, post_id) == "submitted"
    asyncio.run(approve())


def test_the_approver_sees_every_media_item(installation: Installation, tmp_path: Path) -> None:
    ctx = installation.ctx
    (tmp_path / "karte.png").write_bytes(png(4, 3))
    (tmp_path / "foto.jpg").write_bytes(jpeg(640, 480))
    media = [
        Attachment(str(tmp_path / "karte.png"), "Latvijas karte"),
        Attachment(str(tmp_path / "foto.jpg")),
    ]
    post_id = create_post(ctx, "anna", Draft(TEXT, ["sandbox-x"], media=media))
    submit_post(ctx, "anna", post_id)

    async def scenario() -> None:
        app = build_app(ctx, "karlis")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, ApprovalsScreen)
            detail = screen.query_one(PostDetail)
            await until(pilot, lambda: detail.post is not None, "the pending post")
            shown = as_text(detail.render())
            assert "Media 1: karte.png · image/png · " in shown and "4x3 px" in shown
            assert "alt: Latvijas karte" in shown
            assert "Media 2: foto.jpg · image/jpeg" in shown and "640x480 px" in shown

    asyncio.run(scenario())


def test_reject_with_a_comment_and_waive_a_finding_with_a_reason(installation: Installation) -> None:
    ctx = installation.ctx
    rejected = create_post(ctx, "anna", Draft(TEXT, ["sandbox-x"], at="2026-03-03 10:00"))
    submit_post(ctx, "anna", rejected)
    warned = create_post(
        ctx, "anna", Draft("Pieteikumi netiek pieņemti, jo notiek remonts!!!", ["sandbox-x"])
    )
    submit_post(ctx, "anna", warned)
    waivable = [
        f
        for f in show_post(ctx, warned)["findings"]
        if f["level"] in ("error", "warning") and f["rule"] != "authorization.not-spokesperson"
    ]
    assert waivable

    async def scenario() -> None:
        app = build_app(ctx, "karlis")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ApprovalsScreen)
            detail = screen.query_one(PostDetail)
            await until(
                pilot, lambda: detail.post is not None and detail.post["id"] == rejected, "the first post"
            )
            await pilot.press("j")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the comment modal")
            await pilot.press("enter")  # no comment: refused in the modal
            assert isinstance(app.screen, LineModal)
            app.screen.query_one(Input).value = "Lūdzu precizējiet datumu."
            await pilot.press("enter")
            await until(pilot, lambda: state_of(installation, rejected) == "rejected", "the rejection")
            decision = show_post(ctx, rejected)["approvals"][0]
            assert (decision["decision"], decision["comment"]) == ("rejected", "Lūdzu precizējiet datumu.")

            await until(
                pilot, lambda: detail.post is not None and detail.post["id"] == warned, "the second post"
            )
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the finding choice")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the reason modal")
            app.screen.query_one(Input).value = "Remonts ir steidzams."
            await pilot.press("enter")
            await until(pilot, lambda: bool(show_post(ctx, warned)["waivers"]), "the waiver")
            waiver = show_post(ctx, warned)["waivers"][0]
            assert (waiver["rule"], waiver["reason"], waiver["approver"]) == (
                waivable[0]["rule"],
                "Remonts ir steidzams.",
                "karlis",
            )
            await until(pilot, lambda: "Waived" in str(detail.render()), "the waiver shown")

    asyncio.run(scenario())


def test_reschedule_needs_a_new_approval_and_withdraw_cancels(installation: Installation) -> None:
    ctx = installation.ctx
    post_id = create_post(ctx, "anna", Draft(TEXT, ["sandbox-x", "sandbox-fb"], at="2026-03-03 10:00"))
    submit_post(ctx, "anna", post_id)
    approve_posts(ctx, "karlis", [post_id])

    async def scenario() -> None:
        app = build_app(ctx, "karlis", "calendar")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, CalendarScreen)
            await until(pilot, lambda: len(screen.entries) == 2, "the calendar")
            first_account = ctx.settings.accounts[0].id
            await pilot.press("a")  # one account at a time
            await until(pilot, lambda: [e.account for e in screen.entries] == [first_account], "one account")
            await pilot.press("a", "a")  # the other, then every account again
            await until(pilot, lambda: len(screen.entries) == 2, "every account")
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, LineModal), "the time modal")
            field = app.screen.query_one(Input)
            assert field.value == "2026-03-03 10:00"
            field.value = "2026-03-29 03:30"
            await pilot.pause()
            assert "does not exist" in str(app.screen.query_one("#line-hint", Static).render())
            await pilot.press("enter")  # refused in the modal
            assert isinstance(app.screen, LineModal)
            field.value = "2026-03-05 12:15"
            await pilot.press("enter")
            await until(pilot, lambda: state_of(installation, post_id) == "submitted", "back to approval")
            post = show_post(ctx, post_id)
            assert post["scheduled_local_input"] == "2026-03-05 12:15"
            assert {p["state"] for p in post["publications"]} == {"cancelled"}
            await until(
                pilot,
                lambda: "needs approval again" in str(screen.query_one("#notice", Static).render()),
                "notice",
            )

            await until(pilot, lambda: any(e.state == "submitted" for e in screen.entries), "the moved post")
            table = screen.query_one("#calendar-list", DataTable)
            table.move_cursor(row=next(n for n, e in enumerate(screen.entries) if e.state == "submitted"))
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: state_of(installation, post_id) == "withdrawn", "the withdrawal")

    asyncio.run(scenario())


def test_an_author_may_move_only_their_own_posts(installation: Installation) -> None:
    ctx = installation.ctx
    own = create_post(ctx, "anna", Draft(TEXT, ["sandbox-x"], at="2026-03-03 10:00"))
    other = create_post(ctx, "eva", Draft(TEXT, ["sandbox-x"], at="2026-03-04 10:00"))

    async def scenario() -> None:
        app = build_app(ctx, "anna", "calendar")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, CalendarScreen)
            await until(pilot, lambda: len(screen.entries) == 2, "the calendar")
            table = screen.query_one("#calendar-list", DataTable)
            rows = {e.post_id: n for n, e in enumerate(screen.entries)}
            table.move_cursor(row=rows[other])
            await pilot.pause()
            assert screen.check_action("reschedule", ()) is None  # shown greyed out
            assert screen.check_action("withdraw", ()) is None
            await pilot.press("x")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmModal)
            table.move_cursor(row=rows[own])
            await pilot.pause()
            assert screen.check_action("withdraw", ()) is True
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: state_of(installation, own) == "withdrawn", "the withdrawal")
            assert state_of(installation, other) == "draft"

    asyncio.run(scenario())


def test_the_approver_reads_findings_in_each_posts_language(installation: Installation) -> None:
    ctx = installation.ctx
    wording = {
        "Pieteikumi netiek pieņemti, jo notiek remonts!!!": "Emocionāls stils",
        "Applications are closed while the office is being repaired!!!": "Emotive style",
    }
    for text in wording:
        submit_post(ctx, "anna", create_post(ctx, "anna", Draft(text, ["sandbox-x"])))

    async def scenario() -> None:
        app = build_app(ctx, "karlis")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, ApprovalsScreen)
            detail = screen.query_one(PostDetail)
            seen: set[str] = set()
            for _ in wording:
                await until(
                    pilot,
                    lambda: detail.post is not None and detail.post["text"] not in seen,
                    "the next post",
                )
                assert detail.post is not None
                text = detail.post["text"]
                seen.add(text)
                assert wording[text] in as_text(detail.render()).replace("\n", " ")
                await pilot.press("j")
                await until(pilot, lambda: isinstance(app.screen, LineModal), "the comment modal")
                app.screen.query_one(Input).value = "Vēlreiz."
                await pilot.press("enter")

    asyncio.run(scenario())
