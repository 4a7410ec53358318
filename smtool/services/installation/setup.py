"""Setting up an installation: `smtool init` and `smtool db upgrade`.

Everything that can be refused is checked before anything is written: the configuration is validated
and the database is reached (and its schema checked) before a config file, a key or a table appears.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from smtool.config import Settings, load_settings, parse_settings
from smtool.services.context import Context
from smtool.services.files import keep_private, make_private, require_database_file, sqlite_path
from smtool.services.installation.directory import seed, seed_unapplied_accounts
from smtool.services.installation.pending import Change, pending_changes
from smtool.services.installation.secrets import KEY_ENV, create_key_file, encrypt, load_keys
from smtool.services.publishing.seals import seal_unsealed, sealing_due
from smtool.services.records import attribution, audit
from smtool.services.records.signing import create_signing_key, load_signing_key
from smtool.store.engine import Database
from smtool.store.migrate import current_revision, refuse_newer, upgrade
from smtool.store.tables import Account

# The institution a training installation (the demo, `init --sandbox`) speaks for unless named.
TRAINING_INSTITUTION = "Valsts kanceleja"

STARTER_CONFIG = """\
# smtool configuration. Every key is described in the config.toml of the smtool repository.

[institution]
name = {name}                 # shown in reports, the TUI and audit checkpoints
timezone = "Europe/Riga"        # IANA zone in which people enter and read times
languages = ["lv", "en"]        # the first is the state language

[database]
url = "sqlite:///smtool.db"     # relative to this file; or postgresql+psycopg://user@host/db

[security]
key_file = "smtool.key"         # made by `smtool init` (mode 0600); SMTOOL_SECRET_KEY wins
signing_key_file = "smtool-signing.key"   # signs audit checkpoints; made by `smtool init` (0600)
{extra}"""


def toml_string(value: str) -> str:
    """`value` as a TOML basic string: a name with a quote or a backslash stays one valid value.

    JSON's string escapes (\\", \\\\, \\n, \\uXXXX) are all TOML's too.
    """
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class SandboxAccountSpec:
    """A sandbox account `smtool init --sandbox` configures, with the token the sandbox accepts."""

    id: str
    platform: str
    handle: str
    remote_id: str
    token: str


@dataclass
class InitReport:
    config_path: Path
    config_written: bool
    key_created: bool
    schema_before: str | None
    schema_after: str
    changes: list[Change] = field(default_factory=list)
    """What the first `init` wrote from config.toml's users and accounts."""
    pending: list[Change] = field(default_factory=list)
    """How config.toml's users and accounts differ from the applied ones (see `smtool config apply`)."""
    tokens_stored: list[str] = field(default_factory=list)
    signing_key_created: bool = False


def sandbox_config(base_url: str, accounts: list[SandboxAccountSpec]) -> str:
    """Config text for a training installation on the sandbox, with the four demo users."""
    blocks = [
        """
[[users]]
name = "anna"
display_name = "Anna Bērziņa"
roles = ["communicator"]

[[users]]
name = "karlis"
display_name = "Kārlis Ozols"
roles = ["approver"]

[[users]]
name = "liga"
display_name = "Līga Kalniņa"
roles = ["press_officer"]
team = "press"

[[users]]
name = "martins"
display_name = "Mārtiņš Liepa"
roles = ["manager"]
"""
    ]
    for account in accounts:
        blocks.append(
            f"""
[[accounts]]
id = "{account.id}"
platform = "{account.platform}"
handle = "{account.handle}"
kind = "institution"
spokespeople = ["karlis"]
policies = ["lv-public-sector"]
base_url = "{base_url}"       # the sandbox platform (`smtool sandbox serve`)
remote_id = "{account.remote_id}"
"""
        )
    return "".join(blocks)


def initialise(
    config_path: Path,
    *,
    actor: str,
    institution: str = TRAINING_INSTITUTION,
    extra_config: str = "",
    sandbox_accounts: list[SandboxAccountSpec] | None = None,
    via: str | None = None,
) -> InitReport:
    """Create (or bring up to date) an installation around `config_path`.

    Writes a starter config when none exists, creates the key file unless SMTOOL_SECRET_KEY is set,
    migrates the database and, the first time, writes config.toml's users and accounts into it; later
    edits of those wait for `smtool config apply` and are reported as pending. Raises ConfigError,
    DatabaseError or SecretError before writing anything when the configuration or database cannot
    be used.
    """
    config_written = not config_path.exists()
    if config_written:
        text = STARTER_CONFIG.format(name=toml_string(institution), extra=extra_config)
        settings = parse_settings(text, config_path.resolve(), os.environ)
        # The folder is where the installation was asked to be; the database file goes there.
        config_path.parent.mkdir(parents=True, exist_ok=True)
    else:
        settings = load_settings(config_path)
    database_file = sqlite_path(settings)
    if database_file is not None and database_file.parent.is_dir():
        make_private(database_file)  # before SQLite creates it world-readable (citizens' personal data)
    db = Database(settings.database_url)
    if via:
        attribution.attribute_to(db, via)
    try:
        # Reach the database and refuse a newer schema before anything is written.
        refuse_newer(db, current_revision(db))
        if config_written:
            make_private(config_path)
            config_path.write_text(text, encoding="utf-8")
        key_created = False if os.environ.get(KEY_ENV) else create_key_file(settings.key_path)
        signing_key_created = create_signing_key(settings.signing_key_path)
        load_signing_key(settings)  # a damaged existing signing key is reported here, not at a checkpoint
        load_keys(settings)  # a malformed existing key is reported before the schema changes
        sealing = sealing_due(db)
        before, after = upgrade(db)
        keep_private(settings)  # a config written with an editor, a database from a backup
        ctx = Context(settings, db)
        with db.write() as session:
            changes = seed(session, settings, actor)
            pending = pending_changes(session, settings)
            if sealing:
                _seal_waiting(session, load_signing_key(settings), actor)
            if before is None:
                audit.append(
                    session,
                    actor=actor,
                    action="installation.init",
                    subject_type="installation",
                    subject_id=settings.institution.name,
                    payload={"schema": after},
                )
        stored = _store_sandbox_tokens(ctx, sandbox_accounts or [], actor)
        return InitReport(
            config_path,
            config_written,
            key_created,
            before,
            after,
            changes,
            pending,
            stored,
            signing_key_created=signing_key_created,
        )
    finally:
        db.dispose()


def _store_sandbox_tokens(ctx: Context, accounts: list[SandboxAccountSpec], actor: str) -> list[str]:
    if not accounts:
        return []
    keys = load_keys(ctx.settings)
    with ctx.db.write() as session:
        for spec in accounts:
            account = session.get(Account, spec.id)
            if account is None:
                continue
            account.token_encrypted = encrypt(keys, spec.token)
            account.token_status = "ok"
            account.token_set_at = ctx.clock()
            session.add(account)
            audit.append(
                session,
                actor=actor,
                action="account.set_token",
                subject_type="account",
                subject_id=spec.id,
                payload={"source": "sandbox"},
            )
    return [spec.id for spec in accounts]


def upgrade_database(settings: Settings, actor: str, via: str | None = None) -> tuple[str | None, str]:
    """Migrate the configured database to this code's schema; accounts stored before their settings
    lived in the database get config.toml's entry once (audited). `via` says how the actor was
    proven, for the audit log (services.records.attribution.attribute_to).

    The upgrade that brings publication seals also seals the publications still waiting to go out
    (`_seal_waiting`). Raises ConfigError when there is no SQLite database to upgrade, and
    SecretError before anything changes when that needs the signing key and it is missing or
    unreadable.
    """
    require_database_file(settings)  # `init` creates an installation; an upgrade needs one
    db = Database(settings.database_url)
    if via:
        attribution.attribute_to(db, via)
    try:
        key = load_signing_key(settings) if sealing_due(db) else None
        before, after = upgrade(db)
        with db.write() as session:
            seed_unapplied_accounts(session, settings, actor)
            if before != after:
                audit.append(
                    session,
                    actor=actor,
                    action="database.upgrade",
                    subject_type="installation",
                    subject_id=settings.institution.name,
                    payload={"from": before, "to": after},
                )
            if key is not None:
                _seal_waiting(session, key, actor)
        return before, after
    finally:
        db.dispose()


def _seal_waiting(session: Session, key: Ed25519PrivateKey, actor: str) -> None:
    """Seal the publications written before seals existed, in one audited step.

    A migration holds no key, so it cannot sign them; without a seal the worker would hold every
    one. Until this upgrade the database was the record smtool trusted, so what it holds for them
    now is what was approved. Later rows without a seal are never sealed: the worker holds them.
    """
    sealed = seal_unsealed(session, key)
    if sealed:
        audit.append(
            session,
            actor=actor,
            action="publication.seal_existing",
            subject_type="installation",
            subject_id="publications",
            payload={"publications": sealed, "reason": "written before seals; sealed at the upgrade"},
        )
