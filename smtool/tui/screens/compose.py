"""Drafting a post: live checker findings and per-platform counts, variants per platform, targets,
media, campaign tags, a time validated as it is typed, save and submit.

The text area edits the main text or one platform's variant (Ctrl+E switches); each target account
is checked on the text it would get. The checker runs in a thread worker after a pause in typing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, SelectionList, Static, TextArea

from smtool.domain.media import MediaEntry
from smtool.domain.text import collapse_spaces
from smtool.domain.timezones import format_local, parse_local, to_local
from smtool.errors import UsageError
from smtool.i18n import N_, _, format_moment
from smtool.services.guidelines import check_text
from smtool.services.publishing.approval import submit_post
from smtool.services.publishing.checks import platform_length, recent_posts
from smtool.services.publishing.drafts import Attachment, Draft, create_post, edit_post
from smtool.services.publishing.views import MediaView, PostDetail, kept_media, list_posts, show_post
from smtool.tui import words
from smtool.tui.screens.base import MainScreen
from smtool.tui.widgets.checked_text import CheckedTextArea
from smtool.tui.widgets.dialogs import ChoiceModal, ConfirmModal
from smtool.tui.widgets.findings import DraftFinding, FindingsList, swap_choices
from smtool.tui.widgets.inert import inert_text
from smtool.tui.work import ServiceFailed

# Posts their author may still change here (an approved one is moved on the calendar instead).
EDITABLE = ("draft", "checked", "rejected", "submitted")


# The form as saving would store it: main text, variants, accounts, and the when, media and campaign fields.
Form = tuple[str, tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Saved:
    post_id: int
    state: str
    version: int
    submitted: bool


@dataclass(frozen=True)
class Checked:
    """Findings and platform lengths for one draft."""

    draft: Draft
    findings: list[DraftFinding]
    counts: Text


def split_list(value: str) -> list[str]:
    """ "a, b;c" -> ["a", "b", "c"]: how media paths and campaign tags are typed."""
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


def media_token(media: MediaView) -> str:
    """How the Media field shows an item already in the store: short hash and name (without the
    separators the field splits on); a path for a post from before the store."""
    if not media["in_store"] or media["sha256"] is None:
        return media["name"]
    name = media["name"].replace(",", " ").replace(";", " ")
    return f"stored:{media['sha256'][:12]}:{name}"


class ComposeScreen(MainScreen):
    """A communicator's editor."""

    TITLE_NAME = N_("Compose")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", N_("Save"), priority=True),
        Binding("ctrl+t", "submit", N_("Submit"), priority=True),
        Binding("ctrl+e", "next_variant", N_("Variant"), priority=True),
        Binding("ctrl+r", "apply_suggestion", N_("Swap"), priority=True),
        Binding("ctrl+n", "new", N_("New"), priority=True),
        Binding("ctrl+o", "open", N_("Open mine"), priority=True),
    ]

    DEBOUNCE_SECONDS = 0.3

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.post_id: int | None = None
        self.version: int | None = None
        self.main_text = ""
        self.variants: dict[str, str] = {}
        # The opened post's media, by the token the Media field shows for each: kept while the
        # token stays in the field (the file is in the media store already, not at a path).
        self.stored_media: dict[str, MediaEntry | str] = {}
        self.editing = ""  # "" the main text, else the platform whose variant is edited
        self._debounce: Timer | None = None
        self.checked: Checked | None = None
        self.saved_form: Form | None = None  # None until mounted: nothing typed yet

    def compose(self) -> ComposeResult:
        accounts = self.ctx.settings.accounts
        yield Header()
        with Horizontal(id="compose-top"):
            yield CheckedTextArea(id="post-text")
            yield SelectionList[str](
                *((f"{a.id} ({a.platform})", a.id, n == 0) for n, a in enumerate(accounts)),
                id="post-accounts",
            )
        yield Static(id="post-counts")
        with Horizontal(id="compose-when"):
            # Only the format: a longer placeholder is cut short ("YYYY-MM-DD HH:MM;" at 120 columns);
            # the hint below says what an empty time means.
            yield Input(placeholder=_("YYYY-MM-DD HH:MM"), id="post-when")
            yield Input(placeholder=_("paths, comma-separated"), id="post-media")
            yield Input(placeholder=_("tags, comma-separated"), id="post-campaigns")
        yield Static(id="when-error")
        # Focusable (Tab), so that findings beyond the few lines of an 80x24 terminal can be scrolled to.
        with VerticalScroll(id="compose-findings"):
            yield FindingsList(id="post-findings", swap_key="Ctrl+R")
        yield Static(id="notice")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#post-accounts").border_title = _("Accounts")
        self.query_one("#post-when").border_title = _("When ({zone})").format(zone=self.zone)
        self.query_one("#post-media").border_title = _("Media")
        self.query_one("#post-campaigns").border_title = _("Campaigns")
        self.query_one("#compose-findings").border_title = _("Checker")
        self._title_editor()
        self.query_one("#post-text", TextArea).focus()
        self._show_counts(self._counts(self._draft()))
        self._when_changed()  # what an empty time means: the placeholder only shows the format
        self._mark_saved()

    # --- reading the form ------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The main text (whatever the text area shows right now)."""
        return self._texts()[0]

    def _texts(self) -> tuple[str, dict[str, str]]:
        shown = self.query_one("#post-text", TextArea).text
        if not self.editing:
            return shown, {p: v for p, v in self.variants.items() if v.strip()}
        variants = {**self.variants, self.editing: shown}
        return self.main_text, {p: v for p, v in variants.items() if v.strip()}

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(self.query_one("#post-accounts", SelectionList).selected)

    @property
    def when(self) -> str | None:
        return self.query_one("#post-when", Input).value.strip() or None

    def _platforms(self, accounts: tuple[str, ...]) -> list[str]:
        chosen = [a.platform for a in self.ctx.settings.accounts if a.id in accounts]
        return list(dict.fromkeys(chosen or [a.platform for a in self.ctx.settings.accounts]))

    def _draft(self) -> Draft:
        text, variants = self._texts()
        platforms = self._platforms(self.accounts)
        return Draft(
            text=text,
            accounts=self.accounts,
            at=self.when,
            variants={p: v for p, v in variants.items() if p in platforms},
            media=[
                self.stored_media.get(item) or Attachment(item)
                for item in split_list(self.query_one("#post-media", Input).value)
            ],
            campaigns=split_list(self.query_one("#post-campaigns", Input).value),
        )

    # --- variants --------------------------------------------------------------------------

    def action_next_variant(self) -> None:
        """Edit the main text, then each target platform's variant in turn."""
        area = self.query_one("#post-text", TextArea)
        if self.editing:
            self.variants[self.editing] = area.text
        else:
            self.main_text = area.text
        order = ["", *self._platforms(self.accounts)]
        self.editing = order[(order.index(self.editing) + 1) % len(order)] if self.editing in order else ""
        area.text = self.variants.get(self.editing, "") if self.editing else self.main_text
        self.query_one(CheckedTextArea).underline([])  # the next check underlines this text
        self._title_editor()

    def _title_editor(self) -> None:
        area = self.query_one("#post-text", TextArea)
        if self.editing:
            area.border_title = _("Variant for {platform} (empty: the main text) · Ctrl+E").format(
                platform=self.editing
            )
        else:
            others = ", ".join(sorted(p for p, v in self.variants.items() if v.strip()))
            area.border_title = (
                _("Post")
                + (_(" (variants: {platforms})").format(platforms=others) if others else "")
                + _(" · Ctrl+E variant")
            )

    # --- live checking ---------------------------------------------------------------------

    @on(TextArea.Changed, "#post-text")
    @on(SelectionList.SelectedChanged, "#post-accounts")
    def _schedule_check(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(self.DEBOUNCE_SECONDS, self._start_check)

    def _start_check(self) -> None:
        self._debounce = None
        draft = self._draft()
        self.background(lambda: self._check(draft), self._checked, group="check")

    def _check(self, draft: Draft) -> Checked:
        """Findings per target account on the text it gets, merged: one line per finding and text,
        naming the accounts when it does not apply everywhere."""
        merged: dict[tuple[str, str, str, str, int, int], DraftFinding] = {}
        platform_of = {a.id: a.platform for a in self.ctx.settings.accounts}
        # The burst rule sees the institution's posts before this one goes out, as at submission.
        moment = self._goes_out(draft)
        recent = recent_posts(self.ctx, moment, exclude_post=self.post_id)
        for account_id in draft.accounts:
            platform = platform_of.get(account_id, "")
            source = platform if platform in draft.variants else ""
            text = draft.variants.get(platform, draft.text)
            if not text.strip():
                continue
            result = check_text(
                text,
                settings=self.ctx.settings,
                account_id=account_id,
                author=self.user,
                recent_posts=recent,
                now=moment,
            )
            for found in result.findings:
                data = found.to_dict()
                key = (source, data["rule"], data["level"], data["message"], data["start"], data["end"])
                entry = merged.setdefault(key, {**data, "accounts": [], "text_of": source})
                entry["accounts"].append(account_id)
        findings = list(merged.values())
        for finding in findings:
            if len(finding["accounts"]) == len(draft.accounts):
                finding["accounts"] = []  # applies everywhere: no need to say where
        return Checked(draft, findings, self._counts(draft))

    def _goes_out(self, draft: Draft) -> datetime:
        """When the draft would go out: its time while that is readable and ahead, else now."""
        now = self.clock()
        try:
            at = parse_local(draft.at, self.zone) if draft.at else None
        except UsageError:
            return now
        return at if at is not None and at > now else now

    def _counts(self, draft: Draft) -> Text:
        counts = Text(_("Length: "), style="dim")
        for n, platform in enumerate(self._platforms(tuple(draft.accounts))):
            text = draft.variants.get(platform, draft.text)
            length, limit = platform_length(text, platform)
            over = limit is not None and length > limit
            if n:
                counts.append("  ")
            mark = "*" if platform in draft.variants else ""
            counts.append(f"{platform}{mark} {length}/{limit or '-'}", style="bold red" if over else "")
        if draft.variants:
            counts.append(_("  (* its own variant)"), style="dim")
        return counts

    def _show_counts(self, counts: Text) -> None:
        self.query_one("#post-counts", Static).update(counts)

    def _checked(self, checked: Checked) -> None:
        current = self._draft()
        if (checked.draft.text, checked.draft.variants, checked.draft.accounts) != (
            current.text,
            current.variants,
            current.accounts,
        ):
            return  # an older text: a newer check is on its way
        self.checked = checked
        anything = bool(current.text.strip() or current.variants)
        self.query_one(FindingsList).show_findings(checked.findings, checked=anything)
        self.query_one(CheckedTextArea).underline(
            [(f["start"], f["end"], f["level"]) for f in checked.findings if f["text_of"] == self.editing]
        )
        self._show_counts(checked.counts)

    def action_apply_suggestion(self) -> None:
        """Swap the first suggested phrase in the text being edited for the checker's plainer one,
        in the original's capitalisation; where the rule names alternatives, the writer picks one.
        Advice (a suggestion that is no phrase to put there) never goes into the text."""
        area = self.query_one("#post-text", TextArea)
        findings = self.checked.findings if self.checked else []
        finding = next(
            (
                f
                for f in findings
                if f["text_of"] == self.editing
                and swap_choices(f)
                and f["end"] > f["start"]
                and area.text[f["start"] : f["end"]] == f["match"]
            ),
            None,
        )
        if finding is None:
            self.notice(_("No suggested swap in this text."), "dim")
            return
        choices = swap_choices(finding)
        if len(choices) == 1:
            self._swap(finding, choices[0])
            return

        def chosen(n: str | None) -> None:
            if n is not None and finding is not None:
                self._swap(finding, choices[int(n)])

        options = [(str(n), choice) for n, choice in enumerate(choices)]
        title = _("Swap «{match}» for").format(match=finding["match"])
        self.app.push_screen(ChoiceModal(title, options, dialog_id="swap"), chosen)

    def _swap(self, finding: DraftFinding, phrase: str) -> None:
        area = self.query_one("#post-text", TextArea)
        start, end = finding["start"], finding["end"]
        if area.text[start:end] != finding["match"]:  # the text changed while the choice was open
            self.notice(_("The text changed; press Ctrl+R again."), "yellow")
            return
        area.text = area.text[:start] + phrase + area.text[end:]
        # The sentence is translated whole; the user's words go into it inert.
        swapped = _("Swapped «{match}» for «{phrase}».")
        self.notice(words.assemble(swapped, match=inert_text(finding["match"]), phrase=inert_text(phrase)))

    # --- the time, as it is typed ------------------------------------------------------------

    @on(Input.Changed, "#post-when")
    def _when_changed(self) -> None:
        self.query_one("#when-error", Static).update(self._when_hint(self.when))

    def _when_hint(self, value: str | None) -> Text:
        if value is None:
            return Text(_("Goes out as soon as it is approved."), style="dim")
        try:
            moment = parse_local(value, self.zone)
        except UsageError as error:
            return inert_text(error.msg, style="red")
        if moment <= self.clock():
            return Text(_("{time} has passed; choose a later time.").format(time=value), style="red")
        return Text(f"{format_local(moment, self.zone)} = {format_moment(moment)} UTC", style="green")

    # --- saving and submitting -------------------------------------------------------------

    def action_save(self) -> None:
        self._store(self._draft(), submit=False)

    def action_submit(self) -> None:
        self._store(self._draft(), submit=True)

    # --- unsaved edits ----------------------------------------------------------------------

    def _form(self) -> Form:
        """Everything the form holds that saving would store, as typed."""
        texts = self._texts()
        fields = tuple(
            self.query_one(f, Input).value for f in ("#post-when", "#post-media", "#post-campaigns")
        )
        return (texts[0], tuple(sorted(texts[1].items())), self.accounts, fields)

    def _mark_saved(self, form: Form | None = None) -> None:
        """The form as last saved, opened or cleared: what `unsaved_edits` compares with."""
        self.saved_form = form if form is not None else self._form()

    def unsaved_edits(self) -> str | None:
        if self.saved_form is None or self.saved_form == self._form():
            return None
        return _("post {id}").format(id=self.post_id) if self.post_id is not None else _("a new post")

    def _unless_unsaved(self, then: Callable[[], None], leaving: str) -> None:
        """Run `then` at once, or after the writer agrees to drop the unsaved edits."""
        what = self.unsaved_edits()
        if what is None:
            then()
            return
        question = Text(
            _("{what} has edits that are not saved. {leaving} and drop them?").format(
                what=what[:1].upper() + what[1:], leaving=leaving
            )
        )
        self.app.push_screen(ConfirmModal(question), lambda yes: then() if yes else None)

    def action_new(self) -> None:
        self._unless_unsaved(self._clear, _("Start a new post"))

    def _clear(self) -> None:
        self.post_id = self.version = None
        self.main_text, self.variants, self.editing = "", {}, ""
        self.stored_media = {}
        self.query_one("#post-text", TextArea).text = ""
        for field in ("#post-when", "#post-media", "#post-campaigns"):
            self.query_one(field, Input).value = ""
        self._title_editor()
        self.query_one("#post-text", TextArea).focus()
        self._mark_saved()

    def action_open(self) -> None:
        """Pick one of this user's posts that may still change (a draft, a rejected post, one
        waiting for approval) and load it into the form."""

        def mine() -> list[tuple[str, str]]:
            posts = [p for p in list_posts(self.ctx) if p["author"] == self.user and p["state"] in EDITABLE]
            return [
                (str(p["id"]), f"#{p['id']} {words.state(p['state'])}: {collapse_spaces(p['text'])[:50]}")
                for p in posts
            ]

        def pick(options: list[tuple[str, str]]) -> None:
            if not options:
                self.notice(_("You have no draft, rejected or waiting post."), "dim")
                return
            self.app.push_screen(
                ChoiceModal(_("Open which of your posts?"), options, dialog_id="open"), chosen
            )

        def chosen(post_id: str | None) -> None:
            if post_id is not None:
                self.background(lambda: show_post(self.ctx, int(post_id)), self._load_post, group="store")

        self._unless_unsaved(lambda: self.background(mine, pick, group="store"), _("Open another post"))

    def _load_post(self, post: PostDetail) -> None:
        self._clear()
        self.post_id, self.version = post["id"], post["version"]
        self.main_text, self.variants = post["text"], dict(post["variants"])
        self.query_one("#post-text", TextArea).text = self.main_text
        accounts = self.query_one("#post-accounts", SelectionList)
        accounts.deselect_all()
        for account in post["accounts"]:
            accounts.select(account)
        # As the reader types a time ("3.03.2026. 10:00" in Latvian); the field reads either form.
        at = post["scheduled_at"]
        self.query_one("#post-when", Input).value = (
            format_moment(to_local(datetime.fromisoformat(at), self.zone)) if at else ""
        )
        # A post from before the media store shows its path: saving attaches that file again.
        tokens = [media_token(m) for m in post["media"]]
        self.stored_media = {
            t: kept_media(m) for t, m in zip(tokens, post["media"], strict=True) if m["in_store"]
        }
        self.query_one("#post-media", Input).value = ", ".join(tokens)
        self.query_one("#post-campaigns", Input).value = ", ".join(post["campaigns"])
        self._title_editor()
        self._mark_saved()
        rejected = [a for a in post["approvals"] if a["decision"] == "rejected"]
        if post["state"] == "rejected" and rejected:
            self.notice(
                Text.assemble(
                    _("Post {id} was rejected by {approver}: ").format(
                        id=post["id"], approver=rejected[-1]["approver"]
                    ),
                    inert_text(rejected[-1]["comment"] or "", style="bold"),
                ),
            )
        else:
            self.notice(
                _("Post {id} opened ({state}); Ctrl+S saves, Ctrl+T submits.").format(
                    id=post["id"], state=words.state(post["state"])
                ),
                "green",
            )

    def _store(self, draft: Draft, submit: bool) -> None:
        """Create or edit the post (the version guards against a concurrent edit), then maybe submit."""
        post_id, version, form = self.post_id, self.version, self._form()

        def run() -> Saved:
            saved_id = post_id
            if saved_id is None:
                saved_id = create_post(self.ctx, self.user, draft)
            else:
                edit_post(self.ctx, self.user, saved_id, draft, expected_version=version)
            if submit:
                submit_post(self.ctx, self.user, saved_id)
            shown = show_post(self.ctx, saved_id)
            return Saved(saved_id, shown["state"], shown["version"], submit)

        self.background(run, lambda saved: self._stored(saved, form), group="store")

    def _stored(self, saved: Saved, form: Form) -> None:
        if saved.submitted:
            self._clear()
            self.notice(
                _("Post {id} submitted for approval ({state}).").format(
                    id=saved.post_id, state=words.state(saved.state)
                ),
                "green",
            )
        else:
            self.post_id, self.version = saved.post_id, saved.version
            self._mark_saved(form)  # what was saved: edits typed meanwhile still count as unsaved
            self.notice(
                _("Post {id} saved ({state}).").format(id=saved.post_id, state=words.state(saved.state)),
                "green",
            )

    def on_service_failed(self, message: ServiceFailed) -> None:
        # A time the zone refuses (DST gap or overlap, past, unreadable) is shown next to the field.
        when = self.when
        if isinstance(message.error, UsageError) and when and when in message.error.msg:
            message.stop()
            self.query_one("#when-error", Static).update(inert_text(message.error.msg, style="red"))
            self.query_one("#post-when", Input).focus()
