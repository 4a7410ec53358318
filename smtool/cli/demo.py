"""`smtool demo`: the main job of `make run`, the whole publishing flow on the sandbox platform.

On first run it creates a training installation next to its config file (`init --sandbox`). Each run
then starts the sandbox in-process (or joins the one a running session serves) and walks through
what the roles do: a communicator's draft gets a checker finding, she fixes it and submits, an
approver signs off, the worker publishes to the sandbox X account and Facebook Page exactly once,
and the audit log verifies.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table

from smtool import worker
from smtool.cli import common
from smtool.cli.sandbox_setup import TrainingSandbox, free_port, prepare_sandbox_init
from smtool.cli.sandbox_setup import training_sandbox as serve_or_join
from smtool.config import config_path
from smtool.domain.state_words import state_word
from smtool.domain.words import counted, forms, noun
from smtool.errors import UsageError
from smtool.i18n import N_, _, format_day
from smtool.services.context import Context
from smtool.services.installation.setup import initialise
from smtool.services.installation.status import status
from smtool.services.publishing.approval import approve_posts, submit_post
from smtool.services.publishing.checks import SATISFIED_BY_APPROVAL, check_post
from smtool.services.publishing.drafts import Draft, create_post, edit_post
from smtool.services.publishing.views import list_publications
from smtool.services.reports import engagement, period_between


def register(app: typer.Typer) -> None:
    app.command(
        "demo",
        help=N_("Run the publishing flow end to end on the sandbox platform and show the installation."),
    )(demo)


def demo(
    port: int = typer.Option(
        8787, "--port", min=1, max=65535, help=N_("Sandbox port for a new demo installation.")
    ),
) -> None:
    path, created = ensure_installation(port)
    with Context.open(common.settings()) as ctx:
        with training_sandbox(ctx, path) as sandbox:
            _walk_through(ctx)
            for platform in ("x", "facebook"):
                latest = sandbox.published(platform)[-1]
                common.console.print(
                    _("  on the sandbox {platform}: {text}").format(
                        platform=platform, text=common.inert(latest["text"])
                    )
                )
            if created:
                seed_citizens(ctx, sandbox)
        show_engagement(ctx)
        show_status(ctx)


def ensure_installation(port: int) -> tuple[Path, bool]:
    """The config path; a training installation is created there first if missing (then True).
    An existing one is brought up to date (migrations), as `smtool init` would."""
    path = config_path(common.state.config_path)
    if path.exists():
        initialise(path, actor=common.actor(), via=common.via())
        return path, False
    common.console.print(
        _("Creating a training installation in {folder}/").format(folder=common.inert(str(path.parent)))
    )
    chosen = free_port(port)
    if port not in (chosen, 0):  # --port 0 asks for any free port: nothing to explain
        common.console.print(
            _("Port {port} is in use; this installation's sandbox uses port {chosen}").format(
                port=port, chosen=chosen
            )
        )
    extra, accounts = prepare_sandbox_init(path, chosen)
    initialise(path, actor=common.actor(), extra_config=extra, sandbox_accounts=accounts, via=common.via())
    return path, True


@contextmanager
def training_sandbox(ctx: Context, path: Path) -> Iterator[TrainingSandbox]:
    """The training installation's sandbox platform for the block: served here, or joined where
    another `make run` of this installation serves it. Raises UsageError when the installation has
    no sandbox accounts or its port is taken by something else."""
    sandbox_urls = {a.base_url for a in ctx.settings.accounts if a.base_url}
    if len(sandbox_urls) != 1:
        raise UsageError(
            _("{file} has no sandbox accounts; this runs on a training installation").format(file=path)
        )
    with serve_or_join(path, sandbox_urls.pop()) as sandbox:
        if sandbox.joined:
            common.err_console.print(
                _(
                    "Joined the training session already running (sandbox at {address}): its worker "
                    "publishes and its citizens write while it runs."
                ).format(address=sandbox.base_url),
                markup=False,
            )
        yield sandbox


def seed_citizens(ctx: Context, sandbox: TrainingSandbox, count: int = 40) -> None:
    """Simulated citizens comment and mention the accounts, and the worker takes it into the
    moderation queue: a fresh training installation has work for a press officer."""
    sandbox.simulate(count)
    ingested = worker.run_once(ctx)
    common.console.print(
        _("Seeded citizen activity: {items} in the inbox").format(
            items=counted(ingested.get("ingest_new", 0), "item", "items")
        )
    )


def _walk_through(ctx: Context) -> None:
    out = common.console
    accounts = [a.id for a in ctx.settings.accounts]
    step = "[bold cyan]>[/]"
    out.print(
        f"{step} "
        + _("anna (communicator) drafts a post for {accounts}").format(accounts=", ".join(accounts))
    )
    draft = "Es personīgi uzskatu, ka jaunais e-pakalpojums ir ļoti ērts! Izmēģiniet to latvija.gov.lv"
    post_id = create_post(ctx, "anna", Draft(text=draft, accounts=accounts))
    for finding in check_post(ctx, "anna", post_id):
        if finding["rule"] in SATISFIED_BY_APPROVAL:
            continue  # that one is what the approval answers
        if finding["level"] in ("error", "warning") and finding["account"] == accounts[0]:
            out.print(
                _("  checker {level}: {rule} «{match}»: {message}").format(
                    level=common.level_name(finding["level"]),
                    rule=finding["rule"],
                    match=common.inert(finding["match"]),
                    message=common.inert(finding["message"]),
                )
            )
    out.print(f"{step} " + _("anna rewrites it in the institution's voice and submits it"))
    fixed = (
        "Valsts kanceleja aicina izmēģināt jauno e-pakalpojumu: iesniegumu var iesniegt tiešsaistē "
        "dažās minūtēs. Vairāk: https://latvija.gov.lv"
    )
    # A number per run: platforms refuse a text identical to a recent post.
    edit_post(ctx, "anna", post_id, Draft(text=f"{fixed} (Nr. {post_id})", accounts=accounts))
    submit_post(ctx, "anna", post_id)
    out.print(
        f"{step} "
        + _("karlis (approver, spokesperson of both accounts) approves post {id}").format(id=post_id)
    )
    approve_posts(ctx, "karlis", [post_id], comment="Saskaņots.")
    out.print(f"{step} " + _("the worker publishes what is due"))
    _print_pass(worker.run_once(ctx))
    table = Table(
        noun(1, "publication", "publications"),
        _("account"),
        _("state"),
        _("remote id"),
        title=_("Post {id} on the sandbox").format(id=post_id),
    )
    for row in list_publications(ctx):
        if row["post_id"] == post_id:
            table.add_row(
                str(row["id"]), common.inert(row["account"]), state_word(row["state"]), row["remote_id"] or ""
            )
    out.print(table)


# The worker's counters that every pass reports, in these words; any other one is named only when
# it is not zero (a failure, an alert), so that two runs print the same lines.
# Each sentence names its count ({count}), so that the verb never has to agree with a number.
_ALWAYS = (
    ("published", forms("publication", "publications"), N_("published {count}")),
    ("ingest_new", forms("new inbox item", "new inbox items"), N_("took {count}")),
)


def _print_pass(totals: Counter[str]) -> None:
    """What one worker pass did, as a sentence that reads the same on every run."""
    said = "; ".join(_(verb).format(count=counted(totals[key], *nouns)) for key, nouns, verb in _ALWAYS)
    common.console.print(_("  the worker {did}").format(did=said))
    quiet = {key for key, _nouns, _verb in _ALWAYS} | {"ingest_fetched", "metrics_measured"}
    other = [f"{key.replace('_', ' ')}: {n}" for key, n in sorted(totals.items()) if n and key not in quiet]
    if other:
        common.console.print(_("  also: {counts}").format(counts=", ".join(other)))


def show_engagement(ctx: Context) -> None:
    """The engagement report's totals: on a training sandbox they grow while people train."""
    period = period_between(None, None, ctx.settings.institution.timezone, ctx.clock())
    f = engagement(ctx, period, with_posts=False).totals
    common.console.print(
        _(
            "Engagement since {day}: {posts}, {impressions}, {likes}, {shares}, {replies} (the sandbox's "
            "simulated audience; `smtool report engagement` for the whole report)"
        ).format(
            day=format_day(period.first_day),
            posts=counted(f.posts, "post", "posts"),
            impressions=counted(f.impressions, "impression", "impressions"),
            likes=counted(f.likes, "like", "likes"),
            shares=counted(f.shares, "share", "shares"),
            replies=counted(f.replies, "reply", "replies"),
        )
    )


def show_status(ctx: Context) -> None:
    s = status(ctx)
    out = common.console
    out.print(f"[bold]{common.inert(s.institution)}[/] ({s.timezone})")
    out.print(
        _("Database: {database}, schema {schema}").format(database=common.inert(s.database), schema=s.schema)
    )
    out.print(
        _("Users: {users}  Posts: {posts}  Publications: {publications}  Inbox items: {items}").format(
            users=s.users, posts=s.posts, publications=s.publications, items=s.inbox_items
        )
    )
    if s.attention:
        listed = ", ".join(f"{count} {state}" for state, count in s.attention.items())
        out.print(
            _("Publications needing a person: {states} (`smtool publications list --state STATE`)").format(
                states=listed
            )
        )
    table = Table(_("account"), _("platform"), _("handle"), noun(1, "token", "tokens"), title=_("Accounts"))
    for a in s.accounts:
        table.add_row(common.inert(a.id), a.platform, common.inert(a.handle), a.token_status)
    out.print(table)
    verdict = _("chain intact") if s.audit.ok else _("chain BROKEN at row {id}").format(id=s.audit.broken_id)
    out.print(
        _("Audit log: {rows}, {verdict}").format(rows=counted(s.audit.rows, "row", "rows"), verdict=verdict)
    )
