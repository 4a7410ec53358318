"""Drafting in the TUI: findings while typing, counts, variants, media and tags, a time checked as typed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input, Static, TextArea

from smtool.services.guidelines import check_text
from smtool.services.publishing.approval import reject_post, submit_post
from smtool.services.publishing.drafts import Draft, create_post
from smtool.services.publishing.views import list_posts, show_post
from smtool.tui.app import build_app
from smtool.tui.screens.compose import ComposeScreen
from smtool.tui.widgets.checked_text import CheckedTextArea
from smtool.tui.widgets.dialogs import ChoiceModal, ConfirmModal
from smtool.tui.widgets.error_modal import ErrorModal
from smtool.tui.widgets.findings import DraftFinding, FindingsList, render_findings
from tests.support.media import png
from tests.support.tui import Installation, settled, until


def rules(screen: ComposeScreen) -> set[str]:
    return {f["rule"] for f in screen.query_one(FindingsList).findings}


def shown(screen: ComposeScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def test_findings_appear_while_typing_and_a_clean_post_is_saved_and_submitted(
    installation: Installation,
) -> None:
    ctx = installation.ctx

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            await pilot.press("I", "space", "t", "h", "i", "n", "k")
            await until(pilot, lambda: "voice.first-person" in rules(screen), "a first-person finding")
            assert "voice.opinion" in rules(screen)
            area = screen.query_one(CheckedTextArea)
            assert (0, 1, "error") in area.spans  # "I": the first person, underlined in red
            underlined = [seg.text for seg in area.render_line(0) if seg.style and seg.style.underline]
            assert underlined and underlined[0].startswith("I")
            assert "x 7/280" in shown(screen, "#post-counts")

            screen.query_one("#post-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await until(pilot, lambda: "voice.first-person" not in rules(screen), "the finding to go")
            assert rules(screen) == {"authorization.not-spokesperson"}  # answered by the approval

            await pilot.press("ctrl+s")
            await until(pilot, lambda: screen.post_id is not None, "the draft to be saved")
            assert [(p["state"], p["author"]) for p in list_posts(ctx)] == [("draft", "anna")]

            await pilot.press("ctrl+t")
            await until(pilot, lambda: list_posts(ctx)[0]["state"] == "submitted", "the post to be submitted")
            assert not isinstance(app.screen, ErrorModal)
            posts = list_posts(ctx)
            assert len(posts) == 1  # the saved draft was submitted, not a second post
            assert posts[0]["text"] == "Pieteikšanās sāksies 1. decembrī."
            assert posts[0]["accounts"] == ["sandbox-x"]
            assert screen.query_one("#post-text", TextArea).text == ""  # ready for the next post

    asyncio.run(scenario())


def test_a_variant_media_and_campaign_tags_are_counted_checked_and_saved(
    sqlite_installation: Installation, tmp_path: Path
) -> None:
    ctx = sqlite_installation.ctx
    picture = tmp_path / "karte.png"
    picture.write_bytes(png(2, 2))

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            await pilot.click("#post-accounts")
            await pilot.press("down", "space")  # sandbox-fb too
            area = screen.query_one("#post-text", TextArea)
            area.text = "Pieteikšanās sāksies 1. decembrī. " * 10  # 340 characters: too long for X
            await until(pilot, lambda: "x 340/280" in shown(screen, "#post-counts"), "the X count over")
            await pilot.press("ctrl+e")  # the X variant
            assert "Variant for x" in str(area.border_title)
            area.text = "Pieteikšanās sāksies 1. decembrī."
            await until(pilot, lambda: "x* 33/280" in shown(screen, "#post-counts"), "the variant's count")
            assert "facebook 340/63206" in shown(screen, "#post-counts")
            screen.query_one("#post-media", Input).value = str(picture)
            screen.query_one("#post-campaigns", Input).value = "e-pakalpojumi, 2030"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: screen.post_id is not None, "the draft to be saved")
            post = show_post(ctx, screen.post_id or 0)
            assert post["variants"] == {"x": "Pieteikšanās sāksies 1. decembrī."}
            assert post["text"].startswith("Pieteikšanās sāksies 1. decembrī. Pieteikšanās")
            assert post["campaigns"] == ["e-pakalpojumi", "2030"]
            (media,) = post["media"]
            assert (media["name"], media["type"], media["in_store"]) == ("karte.png", "image/png", True)
            assert post["accounts"] == ["sandbox-fb", "sandbox-x"]
            # Opened again, the field names the stored copy; saving keeps it though the file is gone.
            picture.unlink()
            screen._load_post(post)
            assert screen.query_one("#post-media", Input).value.startswith(f"stored:{media['sha256'][:12]}:")
            version = post["version"]
            await pilot.press("ctrl+s")
            await until(pilot, lambda: show_post(ctx, post["id"])["version"] > version, "the second save")
            assert show_post(ctx, post["id"])["media"] == [media]

    asyncio.run(scenario())


def test_a_time_is_checked_as_it_is_typed_in_the_institutions_zone(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            screen.query_one("#post-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            when = screen.query_one("#post-when", Input)
            # Riga's clocks jump from 03:00 to 04:00 on the last Sunday of March.
            when.value = "2026-03-29 03:30"
            await until(pilot, lambda: "does not exist" in shown(screen, "#when-error"), "the DST refusal")
            when.value = "2026-10-25 03:30"  # and back from 04:00 to 03:00 in October
            await until(pilot, lambda: "happens twice" in shown(screen, "#when-error"), "the overlap")
            when.value = "2026-02-27 09:00"
            await until(
                pilot, lambda: "has passed" in shown(screen, "#when-error"), "past, by the TUI's clock"
            )
            when.value = "2026-03-03 09:30"
            await until(pilot, lambda: "07:30 UTC" in shown(screen, "#when-error"), "the instant in UTC")
            when.value = "2026-03-29 03:30"
            await pilot.press("ctrl+s")  # the service refuses it too, and says so next to the field
            await settled(pilot)
            assert not isinstance(app.screen, ErrorModal)
            assert "does not exist" in shown(screen, "#when-error")
            assert list_posts(ctx) == []

    asyncio.run(scenario())


def test_a_suggested_swap_is_applied_with_a_key(sqlite_installation: Installation) -> None:
    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            area = screen.query_one("#post-text", TextArea)
            area.text = "Pieteikumi netiek pieņemti sakarā ar remontu."
            await until(
                pilot,
                lambda: any(f.get("suggestion") for f in screen.query_one(FindingsList).findings),
                "a finding with a suggestion",
            )
            before = area.text
            await pilot.press("ctrl+r")
            assert area.text == "Pieteikumi netiek pieņemti dēļ remontu." and "Swapped" in shown(
                screen, "#notice"
            )
            assert before != area.text

    asyncio.run(scenario())


def test_a_refusal_is_shown_in_a_modal_with_its_title(sqlite_installation: Installation) -> None:
    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+t")  # submit with no text
            await until(pilot, lambda: isinstance(app.screen, ErrorModal), "the error modal")
            modal = app.screen
            assert isinstance(modal, ErrorModal)
            assert modal.error.title == "Invalid input" and "no text" in modal.error.msg
            await pilot.press("escape")
            assert isinstance(app.screen, ComposeScreen)

    asyncio.run(scenario())


def test_a_rejected_post_is_opened_with_the_reason_fixed_and_resubmitted(installation: Installation) -> None:
    ctx = installation.ctx
    post_id = create_post(
        ctx, "anna", Draft("Pieteikšanās sāksies drīz.", ["sandbox-fb"], at="2026-03-03 10:00")
    )
    submit_post(ctx, "anna", post_id)
    reject_post(ctx, "karlis", post_id, "Norādiet datumu.")

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the list of her posts")
            await pilot.press("enter")
            await until(pilot, lambda: screen.post_id == post_id, "the post in the form")
            assert "Norādiet datumu." in shown(screen, "#notice")
            assert screen.accounts == ("sandbox-fb",)
            assert screen.query_one("#post-when", Input).value == "2026-03-03 10:00"
            screen.query_one("#post-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+t")
            await until(pilot, lambda: show_post(ctx, post_id)["state"] == "submitted", "the resubmission")
            assert show_post(ctx, post_id)["text"] == "Pieteikšanās sāksies 1. decembrī."
            assert len(list_posts(ctx)) == 1

    asyncio.run(scenario())


def test_advice_is_shown_but_never_pasted_into_the_text(sqlite_installation: Installation) -> None:
    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            area = screen.query_one("#post-text", TextArea)
            # "Es" comes first and its finding suggests what to do (advice), not a phrase to put there.
            area.text = "Es domāju, ka pieteikumi netiek pieņemti sakarā ar remontu."
            await until(pilot, lambda: "voice.first-person" in rules(screen), "the first-person finding")
            await until(
                pilot, lambda: "plain-language.officialese" in rules(screen), "the officialese finding"
            )
            listed = str(screen.query_one(FindingsList).render())
            # A Latvian post: its findings, and the advice with them, are in Latvian.
            assert "→ Pārfrāzējiet iestādes vārdā" in listed and "Ctrl+R swaps it." in listed
            await pilot.press("ctrl+r")
            assert area.text == "Es domāju, ka pieteikumi netiek pieņemti dēļ remontu."
            await until(pilot, lambda: "plain-language.officialese" not in rules(screen), "the swap checked")
            await pilot.press("ctrl+r")  # only advice is left
            assert area.text == "Es domāju, ka pieteikumi netiek pieņemti dēļ remontu."
            assert "No suggested swap" in shown(screen, "#notice")

            # At 80x24 the findings overflow their box: Tab reaches it, so the keys scroll it.
            visited = []
            for _ in range(6):
                await pilot.press("tab")
                visited.append(app.focused.id if app.focused else None)
            assert "compose-findings" in visited

    asyncio.run(scenario())


def test_a_swap_inserts_one_phrase_in_the_originals_case_offers_alternatives_and_never_advice(
    sqlite_installation: Installation,
) -> None:
    async def scenario() -> None:
        app = build_app(sqlite_installation.ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            area = screen.query_one("#post-text", TextArea)

            def officialese() -> list[str]:
                return [
                    f["match"]
                    for f in screen.query_one(FindingsList).findings
                    if f["rule"] == "plain-language.officialese"
                ]

            # Issue 18's example: "saskaņā ar" has two plainer phrases, "attiecīgi" only advice.
            area.text = "Saskaņā ar noteikumiem lūdzam veikt apmaksu līdz piektdienai, attiecīgi ātrāk."
            await until(pilot, lambda: len(officialese()) == 3, "three officialese findings")
            listed = str(screen.query_one(FindingsList).render())
            assert "Ctrl+R offers: Pēc / Kā noteikts." in listed and "→ (bieži lieks)" in listed
            await pilot.press("ctrl+r")
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the choice of phrases")
            await pilot.press("enter")  # the first: "Pēc", capitalised as the sentence's first word
            assert area.text == "Pēc noteikumiem lūdzam veikt apmaksu līdz piektdienai, attiecīgi ātrāk."
            await until(pilot, lambda: len(officialese()) == 2, "the swap checked")
            await pilot.press("ctrl+r")
            assert area.text == "Pēc noteikumiem lūdzam samaksāt līdz piektdienai, attiecīgi ātrāk."
            await until(pilot, lambda: officialese() == ["attiecīgi"], "only the advice left")
            await pilot.press("ctrl+r")  # advice never goes into the post
            assert area.text == "Pēc noteikumiem lūdzam samaksāt līdz piektdienai, attiecīgi ātrāk."
            assert "No suggested swap" in shown(screen, "#notice")

            area.text = "Veikt apmaksu var līdz piektdienai. SAKARĀ AR remontu slēgts."
            await until(pilot, lambda: len(officialese()) == 2, "a capitalised and a shouted phrase")
            await pilot.press("ctrl+r")
            await until(pilot, lambda: len(officialese()) == 1, "the first swap checked")
            await pilot.press("ctrl+r")
            assert area.text == "Samaksāt var līdz piektdienai. DĒĻ remontu slēgts."

    asyncio.run(scenario())


def test_leaving_unsaved_edits_asks_first_new_open_and_quit(sqlite_installation: Installation) -> None:
    ctx = sqlite_installation.ctx
    post_id = create_post(ctx, "anna", Draft("Pieteikšanās sāksies drīz.", ["sandbox-x"]))

    async def scenario() -> None:
        app = build_app(ctx, "anna")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            await pilot.press("ctrl+o")  # nothing typed yet: no question
            await until(pilot, lambda: isinstance(app.screen, ChoiceModal), "the list of her posts")
            await pilot.press("enter")
            await until(pilot, lambda: screen.post_id == post_id, "the draft in the form")
            assert screen.unsaved_edits() is None
            # Issue 18's steps: add an account and a variant, then Ctrl+N.
            await pilot.click("#post-accounts")
            await pilot.press("down", "space")
            await pilot.press("ctrl+e")
            screen.query_one("#post-text", TextArea).text = "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question")
            assert f"Post {post_id} has edits that are not saved" in str(
                app.screen.query_one(".dialog-title", Static).render()
            )
            await pilot.press("n")  # keep them
            assert app.screen is screen and screen.post_id == post_id
            assert screen.query_one("#post-text", TextArea).text == "Pieteikšanās sāksies 1. decembrī."
            await pilot.press("ctrl+o")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question before opening")
            await pilot.press("n")
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question before quitting")
            await pilot.press("n")
            assert app.is_running and app.screen is screen

            await pilot.press("ctrl+s")  # saved: nothing is lost by leaving now
            await until(pilot, lambda: screen.unsaved_edits() is None, "the save")
            assert show_post(ctx, post_id)["variants"] == {"x": "Pieteikšanās sāksies 1. decembrī."}
            await pilot.press("ctrl+n")
            await settled(pilot)
            assert app.screen is screen and screen.post_id is None

            screen.query_one("#post-text", TextArea).text = "Melnraksts"
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), "the question for a new post")
            await pilot.press("y")
            await until(
                pilot, lambda: screen.query_one("#post-text", TextArea).text == "", "the form cleared"
            )

    asyncio.run(scenario())


def test_a_swap_key_is_named_only_where_one_exists() -> None:
    checked = check_text("Lūdzam veikt pārbaudi.", account_kind="institution")
    officialese = next(f for f in checked.findings if f.replacement)
    swap: DraftFinding = {**officialese.to_dict(), "accounts": [], "text_of": ""}
    assert "Ctrl+R swaps it" in render_findings([swap], swap_key="Ctrl+R").plain
    in_a_reply = render_findings([swap]).plain  # the reply dialog has no swap key
    assert "swaps it" not in in_a_reply and f"→ {officialese.suggestion}" in in_a_reply


def test_findings_speak_the_language_being_typed(installation: Installation) -> None:
    def messages(screen: ComposeScreen) -> list[str]:
        return [f["message"] for f in screen.query_one(FindingsList).findings if f["rule"] == "voice.opinion"]

    async def scenario() -> None:
        app = build_app(installation.ctx, "anna")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, ComposeScreen)
            area = screen.query_one("#post-text", TextArea)
            area.text = "Manuprāt, pieteikšanās sāksies 1. decembrī."
            await until(pilot, lambda: bool(messages(screen)), "the opinion finding")
            assert all("Personiska viedokļa" in m for m in messages(screen))
            area.text = "In my view, applications open on 1 December."
            await until(
                pilot, lambda: any("Personal opinion" in m for m in messages(screen)), "the English finding"
            )

    asyncio.run(scenario())
