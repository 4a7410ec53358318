"""The checker's findings for the text being written: level, rule and message, one per line."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from smtool.checker.findings import FindingDict
from smtool.domain.words import counted, noun
from smtool.services.publishing.checks import SATISFIED_BY_APPROVAL, blocking_findings
from smtool.services.text import strip_unsafe

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

    def __init__(
        self, *, id: str | None = None, answered_by: str = "the approval", swap_key: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.answered_by = answered_by  # what answers the findings an approval would answer
        self.swap_key = swap_key  # the key that pastes a finding's replacement, where there is one
        self.findings: Sequence[DraftFinding] = []

    def on_mount(self) -> None:
        self.show_findings([], checked=False)

    def show_findings(self, findings: Sequence[DraftFinding], *, checked: bool = True) -> None:
        """Replace the list."""
        self.findings = findings
        self.update(
            render_findings(findings, checked=checked, answered_by=self.answered_by, swap_key=self.swap_key)
        )


def render_findings(
    findings: Sequence[DraftFinding],
    *,
    checked: bool = True,
    answered_by: str = "the approval",
    swap_key: str | None = None,
) -> Text:
    if not checked:
        return Text("Findings appear here as you type.", style="dim")
    if not findings:
        return Text("No findings.", style="green")
    blockers = blocking_findings(findings)
    summary = (
        Text(
            f"{counted(len(blockers), 'error', 'errors')} "
            f"{noun(len(blockers), 'blocks', 'block')} submission.\n",
            style="bold red",
        )
        if blockers
        else Text("Nothing blocks submission.\n", style="green")
    )
    lines = [summary]
    for finding in findings:
        line = Text()
        # One column wider than the longest level ("suggestion"), so the rule never runs into it.
        line.append(f"{finding['level']:<11}", style=LEVEL_STYLES.get(finding["level"], ""))
        line.append(finding["rule"], style="bold")
        if finding["rule"] in SATISFIED_BY_APPROVAL:
            line.append(f" ({answered_by} answers this)", style="dim")
        if finding["accounts"]:
            line.append(f" [{', '.join(finding['accounts'])}]", style="dim")
        if finding["text_of"]:
            line.append(f" ({finding['text_of']} variant)", style="dim")
        line.append("\n  ")
        line.append(strip_unsafe(finding["message"]))
        choices = swap_choices(finding) if swap_key else []
        if len(choices) == 1:
            line.append(f"\n  {swap_key} swaps it.", style="cyan")
        elif choices:
            line.append(f"\n  {swap_key} offers: {' / '.join(choices)}.", style="cyan")
        elif finding["suggestion"]:  # advice, for the writer to act on
            line.append("\n  → ", style="dim")
            line.append(strip_unsafe(finding["suggestion"]), style="dim")
        line.append("\n")
        lines.append(line)
    text = Text("").join(lines)
    text.rstrip()
    return text
