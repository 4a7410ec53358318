"""Running blocking service calls off the event loop, and the messages that carry results and errors up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import get_current_worker

from smtool.domain.words import clause
from smtool.errors import SmtoolError
from smtool.i18n import N_, _

T = TypeVar("T")


class ServiceFailed(Message):
    """A service refused or failed; bubbles to the screen (which may react) and the app (a modal)."""

    def __init__(self, error: SmtoolError) -> None:
        super().__init__()
        self.error = error


class ServiceDone(Message):
    """A background call finished: `then(result)` runs on the event loop, where widgets may change."""

    def __init__(self, then: Callable[[Any], None], result: Any) -> None:
        super().__init__()
        self.then = then
        self.result = result


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
                    f"{type(error).__name__}: {clause(str(error))}. "
                    + _("This is a bug in smtool; please report what you did."),
                    title=N_("Internal error"),
                )
            )
        )
    return None


def in_background(node: DOMNode, call: Callable[[], T], then: Callable[[T], None], *, group: str) -> None:
    """Run the blocking `call` in a thread worker of `node` and hand its result to `then` on the event
    loop. A newer call in the same group supersedes an older one: the older result is dropped."""

    def job() -> None:
        # Boxed, so that a call returning None is told apart from one that failed.
        boxed = guarded(node, lambda: (call(),))
        if boxed is not None and not get_current_worker().is_cancelled:
            node.post_message(ServiceDone(then, boxed[0]))

    node.run_worker(job, thread=True, group=group, exclusive=True)
