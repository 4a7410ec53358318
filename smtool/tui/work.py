"""Running blocking service calls off the event loop, and the message that carries their errors up."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

from smtool.errors import SmtoolError

T = TypeVar("T")


class ServiceFailed(Message):
    """A service refused or failed; bubbles to the screen (which may react) and the app (a modal)."""

    def __init__(self, error: SmtoolError) -> None:
        super().__init__()
        self.error = error


def guarded(poster: MessagePump, call: Callable[[], T]) -> T | None:
    """Run `call` in a worker thread; an error becomes a ServiceFailed message, never a traceback.

    Returns None when the call failed (the message is already posted).
    """
    try:
        return call()
    except SmtoolError as error:
        poster.post_message(ServiceFailed(error))
    except Exception as error:  # a bug: reported like the CLI does, without a traceback
        poster.post_message(
            ServiceFailed(
                SmtoolError(
                    f"{type(error).__name__}: {error}. This is a bug in smtool; please report what you did.",
                    title="Internal error",
                )
            )
        )
    return None
