"""A state machine as data: what each event does in each state, and how a refusal is worded.

Posts, publications and inbox items each bind one `Transitions` table (states.py, inbox_states.py);
the lookup and the refusal that names what is possible instead are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from smtool.errors import InvalidTransition
from smtool.i18n import _

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Transitions(Generic[S, E]):
    """The states an object may be in, the events it takes, and where each allowed event leads.

    `refusal(state, event, possible)` words a refused event for a person, in the reader's language;
    `possible` lists the events the state allows in alphabetical order (they are commands, never
    translated), or says `final` (marked with N_, translated here) when it allows none.
    """

    states: type[S]
    events: type[E]
    table: Mapping[S, Mapping[E, S]]
    refusal: Callable[[S, E, str], str]
    final: str

    def next_state(self, state: S | str, event: E | str) -> S:
        """The state `event` leads to from `state`.

        Raises InvalidTransition when `state` does not allow `event`, and ValueError when either is
        not one of the machine's states or events (a programming error, not a person's).
        """
        current = self.states(state)
        action = self.events(event)
        allowed = self.table[current]
        if action not in allowed:
            possible = ", ".join(sorted(allowed)) or _(self.final)
            raise InvalidTransition(self.refusal(current, action, possible))
        return allowed[action]
