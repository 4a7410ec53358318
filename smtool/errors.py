"""The one family of exceptions a user ever sees.

Services raise SmtoolError subclasses; only the CLI (stderr and an exit code) and the TUI (a modal) show
them. Anything else escaping to a user is a bug.

The message is finished where it is raised: marked with smtool.i18n `_()` and filled with named
placeholders (`_("no post {post}").format(post=7)`), so it speaks the language active then, the
reader's (the CLI activates it before running a command). Ids, names, states and commands inside it
are not translated. The title is a class attribute marked with `N_` and translated where it is shown.
"""

from __future__ import annotations

from smtool.i18n import N_


class SmtoolError(Exception):
    """An error with a message a person can act on.

    `exit_code` is what the CLI exits with: 2 for usage and configuration, 1 for a failed operation.
    """

    exit_code = 1
    default_title = N_("Error")

    def __init__(self, msg: str, title: str | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.title = title or self.default_title

    def __str__(self) -> str:
        return self.msg


class ConfigError(SmtoolError):
    """The configuration file or environment is wrong; the message names the file, key and fix."""

    exit_code = 2
    default_title = N_("Configuration error")


class UsageError(SmtoolError):
    """A command was given input it cannot use."""

    exit_code = 2
    default_title = N_("Invalid input")


class UnappliedAddress(UsageError):
    """config.toml and the applied configuration name different addresses (`base_url`) for an
    account's platform: no token is sent to either until `smtool config apply`."""


class DatabaseError(SmtoolError):
    """The database cannot be reached or has a schema this code does not know."""

    exit_code = 2
    default_title = N_("Database error")


class DatabaseUnreachable(DatabaseError):
    """The database did not answer for a reason that passes: a server down or restarting, a network
    fault, SQLite locked by another process. A configuration error (a host that does not exist, a
    refused login, a missing database) is a plain DatabaseError. `reason` is the driver's words."""

    def __init__(self, msg: str, reason: str) -> None:
        super().__init__(msg)
        self.reason = reason


class NotFound(SmtoolError):
    """A named object does not exist."""

    exit_code = 1
    default_title = N_("Not found")


class PermissionDenied(SmtoolError):
    """The acting user's roles do not allow the action."""

    exit_code = 1
    default_title = N_("Not allowed")


class InvalidTransition(SmtoolError):
    """A state machine refused a transition."""

    exit_code = 1
    default_title = N_("Not possible now")


class Conflict(SmtoolError):
    """Someone else changed the object first (optimistic version check failed)."""

    exit_code = 1
    default_title = N_("Changed by someone else")


class SecretError(SmtoolError):
    """The secret key is missing or cannot decrypt a stored token."""

    exit_code = 2
    default_title = N_("Secret key error")
