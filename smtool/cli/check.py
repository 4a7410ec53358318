"""`smtool check`: run the guideline checker on a post, a file, stdin, or a JSONL batch."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from smtool.cli import common
from smtool.domain.words import counted, forms
from smtool.errors import ConfigError, DatabaseError, UsageError
from smtool.i18n import N_, _
from smtool.services.text import strip_unsafe
from smtool.small_files import read_small

# The checker (its rule packs and morphology) and the configuration are imported when a post is
# checked, not when `smtool check --help` is asked for.
if TYPE_CHECKING:
    from rich.console import Console

    from smtool.checker import Finding
    from smtool.config import Settings

_LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "suggestion": "cyan"}
_LEVEL_COUNTED = {
    "error": forms("error", "errors"),
    "warning": forms("warning", "warnings"),
    "suggestion": forms("suggestion", "suggestions"),
}
_WINDOW = 100  # characters of a long line shown around a finding
# A post is a few kilobytes; a batch of JSONL lines many. Bounds what a mistyped --file reads.
MAX_INPUT_BYTES = 64 * 1024 * 1024


def register(app: typer.Typer) -> None:
    app.command(
        "check",
        help=N_(
            "Check a post against the institution's social media guidelines.\n"
            "\n"
            "Exit code 1 when any finding is an error, 0 otherwise, 2 for bad input or "
            "configuration."
        ),
    )(check)


def check(
    text: str | None = typer.Argument(
        None, help=N_("The post to check; omit it to read --file or standard input ('-' reads stdin).")
    ),
    file: Path | None = typer.Option(None, "--file", "-f", help=N_("Read the post from this UTF-8 file.")),
    jsonl: Path | None = typer.Option(
        None,
        "--jsonl",
        help=N_(
            'Batch mode: read lines `{"id","text","account","author"}` from this file (`-` for stdin) '
            'and write one line `{"id","findings"}` per input.'
        ),
    ),
    account: str | None = typer.Option(
        None,
        "--account",
        "-a",
        help=N_("Account id from the configuration (kind, spokespeople, allow-lists)."),
    ),
    account_kind: str | None = typer.Option(
        None,
        "--account-kind",
        help=N_(
            "institution | official | personal (default institution); works without a configuration file."
        ),
    ),
    author: str | None = typer.Option(
        None, "--author", help=N_("User who writes the post (checked against the account's spokespeople).")
    ),
    platform: str | None = typer.Option(
        None, "--platform", help=N_("x | facebook: enables the platform's length limit.")
    ),
    output: str = typer.Option("text", "--format", help=N_("text (underlined spans) or json.")),
    lang: str | None = typer.Option(
        None, "--lang", help=N_("Language of the messages: en or lv (default: the post's own language).")
    ),
    policies: Path | None = typer.Option(
        None,
        "--policies",
        help=N_("Policies folder (default: SMTOOL_POLICIES_DIR or the bundled policies/)."),
    ),
) -> None:
    """Check one post, or a JSONL batch, and exit 1 on an unwaived error. Its help is the help= of
    the decorator (translated where shown), not this docstring."""
    if output not in ("text", "json"):
        raise UsageError(_("unknown --format {value}; expected text or json").format(value=repr(output)))
    from smtool.services.guidelines import check_text

    if account is None and account_kind is None:
        account_kind = None if jsonl is not None else "institution"
    settings = _applied_settings() if account is not None else _optional_settings()
    if jsonl is not None:
        if text is not None or file is not None:
            raise UsageError(_("--jsonl cannot be combined with TEXT or --file"))
        failed = _batch(jsonl, settings, account_kind, author, platform, lang, policies, account)
        raise typer.Exit(1 if failed else 0)
    body = _read_text(text, file)
    result = check_text(
        body,
        settings=settings,
        account_id=account,
        account_kind=account_kind,
        author=author,
        platform=platform,
        lang=lang,
        policies=policies,
    )
    if output == "json":
        common.emit_json(result.to_dict())
    else:
        _render(body, result.findings)
    raise typer.Exit(1 if result.blocking else 0)


def _applied_settings() -> Settings:
    # An account's allowed names, policies and spokespeople as applied, as submit will check them;
    # before `smtool init` made a database, the file's are all there is.
    from smtool.services.files import NoInstallation

    try:
        with common.open_context() as ctx:
            return ctx.settings
    except (DatabaseError, NoInstallation):
        return common.settings()


def _optional_settings() -> Settings | None:
    # --account-kind works without any configuration; use one only if it is there and valid.
    try:
        return common.settings()
    except ConfigError:
        return None


def _read_text(text: str | None, file: Path | None) -> str:
    if text is not None and file is not None:
        raise UsageError(_("give the post as TEXT or --file, not both"))
    if file is not None:
        return _read_file(file)
    if text is not None and text != "-":
        return text
    if text is None and sys.stdin.isatty():
        raise UsageError(_("nothing to check: give TEXT, --file F, or pipe the post on standard input"))
    return _decode(sys.stdin.buffer.read(), _("standard input"))


def _read_file(path: Path) -> str:
    return _decode(read_small(path, MAX_INPUT_BYTES, N_("a UTF-8 text file")), str(path))


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(
            _("{where}: not UTF-8 text (byte {byte}); save it as UTF-8").format(where=where, byte=e.start)
        ) from None


def _batch(
    path: Path,
    settings: Settings | None,
    account_kind: str | None,
    author: str | None,
    platform: str | None,
    lang: str | None,
    policies: Path | None,
    account: str | None,
) -> bool:
    from smtool.services.guidelines import check_batch, read_jsonl

    if account is not None:
        raise UsageError(_('--account does not apply to --jsonl; put "account" in each line'))
    content = _decode(sys.stdin.buffer.read(), _("standard input")) if str(path) == "-" else _read_file(path)
    items = list(read_jsonl(content.splitlines(), str(path)))
    failed = False
    for result in check_batch(
        items,
        settings=settings,
        account_kind=account_kind,
        author=author,
        platform=platform,
        lang=lang,
        policies=policies,
    ):
        failed = failed or any(f.level == "error" and not f.waived for f in result.findings)
        common.emit_json(result.to_dict(), indent=None)
    return failed


def _clean(value: Any) -> Any:
    """JSON-safe: lone surrogates (possible in argv and files) become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in value)


def _show(value: str) -> str:
    return strip_unsafe(str(_clean(value)))


def _render(body: str, findings: Sequence[Finding]) -> None:
    console = common.console
    lines = body.split("\n")
    counts = {"error": 0, "warning": 0, "suggestion": 0}
    for f in findings:
        counts[f.level] += 1
        waived = _(" (waived)") if f.waived else ""
        console.print(
            f"{common.level_name(f.level)}[{f.rule}]{waived}: {_show(f.message)}",
            style=_LEVEL_STYLE[f.level],
            markup=False,
        )
        if f.start != f.end or f.match:
            _underline(console, lines, f)
        if f.suggestion:
            console.print(_("   = suggestion: {text}").format(text=_show(f.suggestion)), markup=False)
        console.print(_("   = see: {source}").format(source=f.source), markup=False, style="dim")
        console.print()
    if not findings:
        console.print(_("No findings."), markup=False)
    else:
        summary = ", ".join(counted(n, *_LEVEL_COUNTED[level]) for level, n in counts.items())
        console.print(summary, markup=False)


def _underline(console: Console, lines: list[str], f: Finding) -> None:
    line = lines[f.line - 1] if f.line - 1 < len(lines) else ""
    col = f.col - 1
    width = max(1, min(f.end - f.start, len(line) - col))
    lo = max(0, col - _WINDOW // 2) if len(line) > _WINDOW else 0
    hi = min(len(line), max(col + width, lo + _WINDOW)) if len(line) > _WINDOW else len(line)
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(line) else ""
    shown = prefix + _show(line[lo:col])
    marked = _show(line[col : min(col + width, hi)])
    gutter = f"{f.line:>4} | "
    console.print(f"{gutter}{shown}{marked}{_show(line[col + width : hi])}{suffix}", markup=False)
    console.print(" " * (len(gutter) - 2) + "| " + " " * len(shown) + "^" * max(1, len(marked)), markup=False)
