"""The checker's findings for the text being written: level, rule and message, one per line."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from smtool.checker.findings import FindingDict
from smtool.domain.words import counted, noun
from smtool.i18n import _
from smtool.services.publishing.checks import SATISFIED_BY_APPROVAL, blocking_findings
from smtool.services.text import strip_unsafe
from smtool.tui import words

LEVEL_STYLES = {"error": "bold red", "warning": "yellow", "suggestion": "cyan"}


class DraftFinding(FindingDict):
    """A finding on a text being written: `accounts` where it applies ([] everywhere) and `text_of`
    the platform whose variant it is in ("" the main text)."""

    accounts: list[str]
    text_of: str


def swap_choices(finding: FindingDict) -> list[str]:
    """The phrases that may stand in for the finding's match, each in the match's capitalisation.

    A rule pack writes a swap as one phrase ("samaksāt"), as alternatives ("pēc / kā noteikts": the
    writer picks one) or as advice in parentheses ("(bieži lieks)"): advice is never a phrase to
    put into a post, so it gives no choice at all.
    """
    replacement = (finding["replacement"] or "").strip()
    if not replacement or (replacement.startswith("(") and replacement.endswith(")")):
        return []
    phrases = [p.strip() for p in replacement.split(" / ")]
    return [match_case(finding["match"], p) for p in dict.fromkeys(phrases) if p]


def match_case(original: str, phrase: str) -> str:
    """The phrase capitalised like the original: all capitals, a capital first letter, or as written."""
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return phrase.upper()
    if letters and letters[0].isupper():
        return phrase[:1].upper() + phrase[1:]
    return phrase


class FindingsList(Static):
    """Findings as plain Text (messages quote the user's words, so never markup)."""

    def __init__(self, *, id: str | None = None, by_role: bool = False, swap_key: str | None = None) -> None:
        super().__init__(id=id)
        # What answers the findings an approval would answer: the approval, or (a reply) the role.
        self.by_role = by_role
        self.swap_key = swap_key  # the key that pastes a finding's replacement, where there is one
        self.findings: Sequence[DraftFinding] = []

    def on_mount(self) -> None:
        self.show_findings([], checked=False)

    def show_findings(self, findings: Sequence[DraftFinding], *, checked: bool = True) -> None:
        """Replace the list."""
        self.findings = findings
        self.update(render_findings(findings, checked=checked, by_role=self.by_role, swap_key=self.swap_key))


def render_findings(
    findings: Sequence[DraftFinding],
    *,
    checked: bool = True,
    by_role: bool = False,
    swap_key: str | None = None,
) -> Text:
    """The findings' list; their messages are in the post's language (the checker's), the words
    around them in the reader's."""
    if not checked:
        return Text(_("Findings appear here as you type."), style="dim")
    if not findings:
        return Text(_("No findings."), style="green")
    blockers = blocking_findings(findings)
    summary = (
        Text(
            _("{errors} {block} submission.").format(
                errors=counted(len(blockers), "error", "errors"), block=noun(len(blockers), "blocks", "block")
            )
            + "\n",
            style="bold red",
        )
        if blockers
        else Text(_("Nothing blocks submission.") + "\n", style="green")
    )
    answers = _(" (your role answers this)") if by_role else _(" (the approval answers this)")
    width = max(len(words.level(code)) for code in words.LEVELS) + 1
    lines = [summary]
    for finding in findings:
        line = Text()
        # One column wider than the longest level ("suggestion"), so the rule never runs into it.
        line.append(f"{words.level(finding['level']):<{width}}", style=LEVEL_STYLES.get(finding["level"], ""))
        line.append(finding["rule"], style="bold")
        if finding["rule"] in SATISFIED_BY_APPROVAL:
            line.append(answers, style="dim")
        if finding["accounts"]:
            line.append(f" [{', '.join(finding['accounts'])}]", style="dim")
        if finding["text_of"]:
            line.append(_(" ({platform} variant)").format(platform=finding["text_of"]), style="dim")
        line.append("\n  ")
        line.append(strip_unsafe(finding["message"]))
        choices = swap_choices(finding) if swap_key else []
        if len(choices) == 1:
            line.append("\n  " + _("{key} swaps it.").format(key=swap_key), style="cyan")
        elif choices:
            line.append(
                "\n  " + _("{key} offers: {choices}.").format(key=swap_key, choices=" / ".join(choices)),
                style="cyan",
            )
        elif finding["suggestion"]:  # advice, for the writer to act on
            line.append("\n  → ", style="dim")
            line.append(strip_unsafe(finding["suggestion"]), style="dim")
        line.append("\n")
        lines.append(line)
    text = Text("").join(lines)
    text.rstrip()
    return text
