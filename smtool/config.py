"""Typed settings: config.toml first, then SMTOOL_* environment variables.

Every key is documented in the repository's config.toml. A bad file is reported with its path, the key
and what was expected; an unknown key is an error, because a misspelt key silently ignored is a policy
silently not applied.
"""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from smtool.errors import ConfigError, UsageError
from smtool.i18n import N_, _
from smtool.small_files import read_small

CONFIG_ENV = "SMTOOL_CONFIG"
DEFAULT_CONFIG = "config.toml"
# What a command run where there is no installation says (no config file, or no database yet).
NO_INSTALLATION = N_("no installation here: run `smtool init` or pass --config")
# A configuration is a few kilobytes; this bounds what a mistyped --config (a log, a disk image) reads.
MAX_CONFIG_BYTES = 1024 * 1024

Role = Literal["communicator", "approver", "press_officer", "specialist", "manager", "admin"]
Platform = Literal["x", "facebook"]
AccountKind = Literal["institution", "official", "personal"]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class _Strict(BaseModel):
    # TOML has inf and nan; no setting means either (a tick of inf seconds never ticks), so they are
    # refused here, and every number below has an upper bound too: an absurd value is a typo, and
    # accepted it would fail much later (a lease past the year 9999 overflows a date).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Upper bounds shared by several settings.
_DAY_SECONDS = 24 * 60 * 60
_YEAR_MINUTES = 366 * 24 * 60
_CENTURY_DAYS = 100 * 366


class Institution(_Strict):
    """Who the installation belongs to."""

    name: str = Field(min_length=1)
    """Shown in reports, the TUI and audit checkpoints."""
    timezone: str = "Europe/Riga"
    """IANA zone in which people enter and read times."""
    languages: list[Language] = Field(default_factory=lambda: ["lv", "en"])
    """Languages of the institution's posts; the first is the state language."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(
                _("unknown time zone {zone}; use an IANA name such as Europe/Riga").format(zone=repr(value))
            ) from e
        return value


class Database(_Strict):
    """Where the records live."""

    url: str = "sqlite:///smtool.db"
    """sqlite:///PATH (relative to the config file) or postgresql+psycopg://user@host/db."""

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError(_("expected a sqlite:/// or postgresql+psycopg:// URL"))
        return value


class Security(_Strict):
    """Where the key that encrypts platform tokens lives."""

    key_file: str = "smtool.key"
    """Key file made by `smtool init` (mode 0600), relative to the config file; SMTOOL_SECRET_KEY wins."""
    signing_key_file: str = "smtool-signing.key"
    """Ed25519 key that signs audit checkpoints, made by `smtool init` (mode 0600), relative to the
    config file."""
    checkpoint_folder: str = Field(default="checkpoints", min_length=1)
    """Where the worker writes a signed audit checkpoint at each start and daily, relative to the
    config file; `smtool audit verify` checks the newest one there. Outside the database, so that
    someone who rewrites the database must also reach this folder (better: a copy on another system)."""
    on_takeover: Literal["alert", "pause"] = "alert"
    """A sign of account takeover (a post smtool did not publish, a token that fails) raises an
    alert; "pause" also pauses publishing to that account. Accounts may override it."""


class Access(_Strict):
    """How the installation knows who acts."""

    mode: Literal["personal", "shared"] = "personal"
    """personal: a personal or training installation; whoever runs smtool names who acts with --as
    or SMTOOL_USER. shared: people connect over SSH and their registered key decides who they are
    (`smtool user add-key`); --as and SMTOOL_USER are refused, and commands run on the server
    without SSH act as the installation's operator (its OS account)."""


class Checker(_Strict):
    """Institution-wide inputs of the guideline checker."""

    allowed_phones: list[str] = Field(default_factory=list)
    """Official phone numbers that may appear in posts."""
    allowed_email_domains: list[str] = Field(default_factory=list)
    """E-mail domains that may appear in posts."""
    allowed_names: list[str] = Field(default_factory=list)
    """Officials who may be named and quoted."""
    election_start: date | None = None
    """First day of a pre-election period (stricter political rules), or unset."""
    election_end: date | None = None
    """Last day of that period."""

    @model_validator(mode="after")
    def _period(self) -> Checker:
        if (self.election_start is None) != (self.election_end is None):
            raise ValueError(_("set both election_start and election_end, or neither"))
        if self.election_start and self.election_end and self.election_end < self.election_start:
            raise ValueError(_("election_end is before election_start"))
        return self


class User(_Strict):
    """A person who uses smtool; roles decide what they may do."""

    name: str = Field(pattern=r"^[a-z0-9_.-]+$")
    roles: list[Role] = Field(min_length=1)
    team: str | None = None
    """Team a specialist or press officer belongs to (routing target)."""
    display_name: str | None = None
    lang: Literal["en", "lv"] | None = None
    """The language smtool speaks to this person (unset: the institution's first language);
    `--lang` or SMTOOL_LANG overrides it for one command."""


_PRESS_OFFICER_ONLY: list[Role] = ["press_officer"]


class Account(_Strict):
    """A social media account the institution manages."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    platform: Platform
    handle: str = Field(min_length=1)
    kind: AccountKind = "institution"
    spokespeople: list[str] = Field(default_factory=list)
    """Users who may speak for the institution on this account."""
    policies: list[str] = Field(default_factory=lambda: ["lv-public-sector"])
    base_url: str | None = None
    """Send API calls here instead of the platform (the sandbox); unset for the real platform."""
    remote_id: str | None = None
    """The platform's id of the account (X user id, Facebook Page id) when known in advance."""
    allowed_phones: list[str] = Field(default_factory=list)
    allowed_email_domains: list[str] = Field(default_factory=list)
    allowed_names: list[str] = Field(default_factory=list)
    self_approval: bool = False
    """Whether a spokesperson may approve their own post on this account (off: four eyes)."""
    profile_disclaimer: bool = False
    """An official's or employee's profile says the views are their own (checker: voice.no-disclaimer)."""
    on_takeover: Literal["alert", "pause"] | None = None
    """This account's answer to a sign of takeover; unset: [security] on_takeover."""
    reply_roles: list[Role] = Field(default_factory=_PRESS_OFFICER_ONLY.copy)
    """Roles whose holders may reply publicly here from the inbox; the account's spokespeople always
    may. Anyone else who may answer an item (a specialist) proposes a reply, and one of these
    approves it before it goes out."""


class Publishing(_Strict):
    """How the worker publishes approved posts."""

    window_hours: float = Field(default=24, gt=0, le=366 * 24)
    """A publication not sent within this many hours of its time expires and needs approval again."""
    lease_seconds: int = Field(default=120, ge=5, le=_DAY_SECONDS)
    """How long a worker's claim on a publication lasts before another worker may take it."""
    tick_seconds: float = Field(default=5, gt=0, le=3600)
    """How often the worker looks for due publications."""
    retry_base_seconds: float = Field(default=30, gt=0, le=_DAY_SECONDS)
    """First back-off after a platform error; doubled on each further attempt."""
    max_attempts: int = Field(default=8, ge=1, le=100)
    """Attempts before a publication that keeps failing is marked failed for a person to look at."""
    request_timeout_seconds: float = Field(default=15, gt=0, le=3600)
    """How long one platform call may take before its outcome counts as unknown."""
    reconcile_grace_seconds: float = Field(default=60, ge=0, le=_DAY_SECONDS)
    """How long after an unknown outcome the account's own posts must still not show the post
    before it is scheduled again (platform timelines can lag a little)."""
    batch_size: int = Field(default=50, ge=1, le=1000)
    """Publications a worker claims, commits as sending and records together (one transaction
    each way per batch; a crash leaves at most this many to reconcile)."""
    concurrent_sends: int = Field(default=8, ge=1, le=64)
    """Platform calls a worker makes at once, each to a different account (an account's posts go
    out one after another, in due order)."""


_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Inbox(_Strict):
    """The moderation queue: ingest, claims, response-time targets and the comment policy."""

    default_team: str = Field(default="press", min_length=1)
    """Team that gets every item no routing rule matches (the press office)."""
    poll_seconds: float = Field(default=60, gt=0, le=_DAY_SECONDS)
    """How often the worker polls each account for new comments and mentions."""
    lease_seconds: int = Field(default=600, ge=10, le=_DAY_SECONDS)
    """How long a claim on an item lasts unless renewed by a heartbeat."""
    target_first_response_minutes: int = Field(default=240, gt=0, le=_YEAR_MINUTES)
    """First-response target, in working minutes of the institution's time zone."""
    target_resolution_minutes: int = Field(default=960, gt=0, le=_YEAR_MINUTES)
    """Resolution target, in working minutes."""
    working_hours: tuple[str, str] = ("08:30", "17:00")
    """Start and end of the working day, local time ("HH:MM")."""
    working_days: list[Annotated[int, Field(ge=1, le=7)]] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    """ISO weekdays counted as working days (1 = Monday)."""
    public_holidays: Literal["lv", "none"] = "lv"
    """Public holidays excluded from working time: "lv" (Latvia's, with moved days) or "none"."""
    extra_holidays: list[date] = Field(default_factory=list)
    """More non-working days (e.g. a holiday declared by the Saeima)."""
    hide_reasons: list[str] = Field(
        default_factory=lambda: ["personal data", "abuse", "spam", "advertising", "off-topic"],
        min_length=1,
    )
    """Reasons from the institution's published comment policy; hiding needs one of these."""
    search_terms: list[str] = Field(default_factory=list)
    """Keyword monitoring: X recent-search queries whose matches become "mention elsewhere" items."""
    takeover_alerts: bool = True
    """Posts on a managed account that smtool did not publish become high-priority alert items."""

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: tuple[str, str]) -> tuple[str, str]:
        import re

        for clock in value:
            if not re.match(_CLOCK, clock):
                raise ValueError(
                    _("{clock} is not a time of day; write it as HH:MM, e.g. 08:30").format(clock=repr(clock))
                )
        if value[0] >= value[1]:
            raise ValueError(_("the working day must end after it starts"))
        return value


class RoutingRule(_Strict):
    """Items whose text has one of `keywords` (or carries one of `flags`) go to `team`."""

    team: str = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    """Words or word starts ("nodok*" matches nodoklis, nodokļi); case and diacritics are ignored."""
    flags: list[Literal["question", "personal_data", "abuse", "spam"]] = Field(default_factory=list)
    """Triage flags that route here regardless of keywords."""

    @model_validator(mode="after")
    def _something(self) -> RoutingRule:
        if not self.keywords and not self.flags:
            raise ValueError(
                _("routing rule for team {team} needs keywords or flags").format(team=repr(self.team))
            )
        return self


class Metrics(_Strict):
    """The worker's refresh of published posts' engagement figures (snapshots for reports)."""

    refresh_days: int = Field(default=30, ge=1, le=3660)
    """Posts published within this many days have their metrics refreshed."""
    interval_minutes: float = Field(default=60, gt=0, le=7 * 24 * 60)
    """How often the worker refreshes; a post's figures are not fetched again sooner than this."""
    max_posts_per_tick: int = Field(default=2000, ge=1, le=1_000_000)
    """At most this many posts per account per refresh (the rest wait for the next one)."""


ReportName = Literal["engagement", "response-times", "cadence", "campaign"]


class ScheduledReport(_Strict):
    """A report the worker writes into [reports] folder once per week or month."""

    report: ReportName
    every: Literal["weekly", "monthly"]
    """weekly: the previous Monday-to-Monday week; monthly: the previous calendar month (local)."""
    format: Literal["html", "csv", "json", "xlsx"] = "html"
    account: str | None = None
    """Only this account (an [[accounts]] id); unset: every account."""
    campaign: str | None = None
    """Only posts with this campaign tag; required for the campaign report."""

    @model_validator(mode="after")
    def _campaign(self) -> ScheduledReport:
        if self.report == "campaign" and not self.campaign:
            raise ValueError(_('the campaign report needs campaign = "TAG"'))
        return self

    @property
    def name(self) -> str:
        """A stable name for files and the record of what was generated."""
        parts = [self.report, self.every, self.format, self.account, self.campaign]
        return "-".join(p for p in parts if p)


class Reports(_Strict):
    """Manager reports: engagement, response times, cadence, campaigns."""

    folder: str = "reports"
    """Where scheduled reports are written, relative to the config file."""
    top_posts: int = Field(default=10, ge=1, le=1000)
    """How many top posts the engagement report lists."""
    gap_days: float = Field(default=7, gt=0, le=3660)
    """Cadence: a silence longer than this many days on an account is reported as a gap."""
    burst_posts_per_day: int = Field(default=5, ge=2, le=1000)
    """Cadence: a local day with at least this many posts on one account is reported as a burst."""
    bare_link_min_words: int = Field(default=5, ge=1, le=1000)
    """Cadence: a post with a link and fewer words than this counts as a bare link."""
    scheduled: list[ScheduledReport] = Field(default_factory=list)
    """Reports the worker generates each week or month."""


class Retention(_Strict):
    """How long each kind of record is kept before `smtool retention purge` may delete it.

    Unset keeps that kind for ever. A record under a legal hold is never purged.
    """

    posts_days: int | None = Field(default=None, ge=1, le=_CENTURY_DAYS)
    """Posts, with their approvals, waivers, publications and metrics, counted from the last change."""
    inbox_items_days: int | None = Field(default=None, ge=1, le=_CENTURY_DAYS)
    """Closed inbox items (resolved or spam) with their moderation actions, counted from arrival and
    from the newest action: an item is kept until both are this old."""
    metric_snapshots_days: int | None = Field(default=None, ge=1, le=_CENTURY_DAYS)
    """Engagement snapshots, counted from when they were taken."""


class Storage(_Strict):
    """Where the installation keeps files it owns besides the database."""

    media_dir: str = "media"
    """The media store: a copy of every attached file, named by its SHA-256 (folders 0700, files
    0600), relative to the config file. Posts refer to their media only through it."""


class Settings(_Strict):
    """The whole configuration of one installation."""

    institution: Institution
    database: Database = Database()
    security: Security = Security()
    access: Access = Access()
    checker: Checker = Checker()
    publishing: Publishing = Publishing()
    inbox: Inbox = Inbox()
    metrics: Metrics = Metrics()
    reports: Reports = Reports()
    retention: Retention = Retention()
    storage: Storage = Storage()
    routing: list[RoutingRule] = Field(default_factory=list)
    """Routing rules, first match wins; unmatched items go to inbox.default_team."""
    users: list[User] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    source: Path | None = Field(default=None, exclude=True)
    """The file these settings came from; relative paths are resolved against its folder."""

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        _no_duplicates("users", [u.name for u in self.users])
        _no_duplicates("accounts", [a.id for a in self.accounts])
        names = {u.name for u in self.users}
        for index, account in enumerate(self.accounts):
            for person in account.spokespeople:
                if person not in names:
                    raise ValueError(
                        _("accounts[{index}] ({account}): spokesperson {person} is not in [[users]]").format(
                            index=index, account=account.id, person=repr(person)
                        )
                    )
        teams = {u.team for u in self.users if u.team} | {self.inbox.default_team}
        for index, rule in enumerate(self.routing):
            if rule.team not in teams:
                raise ValueError(
                    _("routing[{index}]: team {team} has no member in [[users]] (teams: {teams})").format(
                        index=index, team=repr(rule.team), teams=", ".join(sorted(teams))
                    )
                )
        return self

    @model_validator(mode="after")
    def _scheduled_reports(self) -> Settings:
        ids = {a.id for a in self.accounts}
        for index, entry in enumerate(self.reports.scheduled):
            if entry.account and entry.account not in ids:
                raise ValueError(
                    _("reports.scheduled[{index}]: account {account} is not in [[accounts]]").format(
                        index=index, account=repr(entry.account)
                    )
                )
        _no_duplicates("reports.scheduled", [e.name for e in self.reports.scheduled])
        return self

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def resolve_path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute against the config's folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:"):
            path = url[len(prefix) :]
            if not path.startswith("/"):
                return prefix + str(self.resolve_path(path))
        return url

    @property
    def key_path(self) -> Path:
        return self.resolve_path(self.security.key_file)

    @property
    def signing_key_path(self) -> Path:
        return self.resolve_path(self.security.signing_key_file)

    @property
    def checkpoint_folder(self) -> Path:
        return self.resolve_path(self.security.checkpoint_folder)

    def on_takeover(self, account_id: str) -> str:
        """What a sign of takeover on the account does: "alert" or "pause"."""
        configured = self.account(account_id)
        return (configured.on_takeover if configured else None) or self.security.on_takeover

    def user(self, name: str) -> User | None:
        return next((u for u in self.users if u.name == name), None)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)


def _no_duplicates(what: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(
                _("duplicate {section} entry {key}: each must be unique").format(section=what, key=repr(key))
            )
        seen.add(key)


# Scalar keys that SMTOOL_<SECTION>_<KEY> may override, e.g. SMTOOL_DATABASE_URL.
_ENV_OVERRIDES = {
    "SMTOOL_DATABASE_URL": ("database", "url"),
    "SMTOOL_INSTITUTION_NAME": ("institution", "name"),
    "SMTOOL_INSTITUTION_TIMEZONE": ("institution", "timezone"),
    "SMTOOL_SECURITY_KEY_FILE": ("security", "key_file"),
    "SMTOOL_SECURITY_CHECKPOINT_FOLDER": ("security", "checkpoint_folder"),
}


def config_path(explicit: str | Path | None = None) -> Path:
    """The config file to use: --config, then SMTOOL_CONFIG, then ./config.toml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration.

    Raises ConfigError naming the file, the key and what was expected.
    """
    file = config_path(path)
    environ = os.environ if env is None else env
    if not file.exists():
        raise ConfigError(
            _(
                "no installation here: run `smtool init` or pass --config (or "
                "SMTOOL_CONFIG); {file} does not exist."
            ).format(file=file)
        )
    try:
        raw = read_small(file, MAX_CONFIG_BYTES, N_("the installation's config.toml"))
    except UsageError as e:  # /dev/zero, a FIFO, a folder, a huge file: never read for ever
        raise ConfigError(e.msg) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(_("{file}: not UTF-8 text; save the file as UTF-8.").format(file=file)) from None
    return parse_settings(text, file, environ)


def parse_settings(text: str, source: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Validate TOML text as if read from `source`, applying SMTOOL_* overrides from `env`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(_("{file}: TOML syntax error: {error}.").format(file=source, error=e)) from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError(
            _("{file}: arrays or tables nested too deeply; no key needs that.").format(file=source)
        ) from None
    for variable, (section, key) in _ENV_OVERRIDES.items():
        if env and variable in env:
            data.setdefault(section, {})
            if isinstance(data[section], dict):
                data[section][key] = env[variable]
    return settings_from_dict(data, source=source)


def settings_from_dict(data: dict[str, Any], source: Path | None = None) -> Settings:
    """Validate already parsed settings; raises ConfigError like load_settings."""
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e, source, data)) from None
    return settings.model_copy(update={"source": source.resolve() if source else None})


def _describe(error: ValidationError, source: Path | None, data: dict[str, Any]) -> str:
    where = f"{source}: " if source else ""
    lines = []
    for problem in error.errors():
        key = _key_path(problem["loc"], data)
        kind = problem["type"]
        if kind == "extra_forbidden":
            lines.append(where + _("unknown key {key}; remove it or check its spelling").format(key=key))
        elif kind == "missing":
            lines.append(where + _("missing key {key}").format(key=key))
        elif kind == "literal_error":
            expected = problem.get("ctx", {}).get("expected", "")
            lines.append(
                where
                + _("{key} = {value} is not allowed; expected one of {expected}").format(
                    key=key, value=repr(problem.get("input")), expected=expected
                )
            )
        else:
            lines.append(f"{where}{key}: {_problem(problem)}")
    return "\n".join(lines)


# pydantic's own messages are English; these say the same in the reader's language. A type not
# listed keeps pydantic's message (our validators' ValueErrors are translated where raised).
_PROBLEMS = {
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number"),
    "float_type": N_("expected a number"),
    "float_parsing": N_("expected a number"),
    "finite_number": N_("expected a finite number"),
    "bool_type": N_("expected true or false"),
    "bool_parsing": N_("expected true or false"),
    "string_type": N_("expected text in quotes"),
    "string_too_short": N_("must not be empty"),
    "string_pattern_mismatch": N_("not in the expected form"),
    "list_type": N_("expected a list [...]"),
    "tuple_type": N_("expected a list [...]"),
    "model_type": N_("expected a table"),
    "dict_type": N_("expected a table"),
    "date_type": N_("expected a date, YYYY-MM-DD"),
    "date_parsing": N_("expected a date, YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("expected a date, YYYY-MM-DD"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be greater than or equal to {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be less than or equal to {le}"),
    "too_short": N_("needs at least {min_length} entries"),
    "too_long": N_("takes at most {max_length} entries"),
}


def _problem(problem: Any) -> str:
    """What is wrong with one value, in the reader's language where smtool knows the kind."""
    template = _PROBLEMS.get(problem["type"])
    if template is None:
        return str(problem["msg"]).removeprefix("Value error, ")
    limits = {name: str(value) for name, value in problem.get("ctx", {}).items()}
    try:
        return _(template).format(**limits)
    except (KeyError, IndexError):  # a limit pydantic did not give: its own words then
        return str(problem["msg"]).removeprefix("Value error, ")


def _key_path(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """Render a pydantic location as the TOML reader sees it: accounts[1].platform (id 'vk-fb')."""
    parts: list[str] = []
    node: Any = data
    label = ""
    for item in loc:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
            if isinstance(node, list) and item < len(node):
                node = node[item]
                if isinstance(node, dict):
                    name = node.get("id") or node.get("name")
                    if name:
                        label = f" ({name})"
        else:
            parts.append(item)
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts) + label if parts else "(top level)"
