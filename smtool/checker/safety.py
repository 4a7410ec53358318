"""Refuse regular expressions that could backtrack catastrophically, before they ever run.

Python's `re` backtracks, so `(a+)+$` takes exponential time on "aaaa…!". Policy authors write patterns,
and the checker runs on every keystroke, so a pattern is refused at load when it has an unbounded
repeat inside another unbounded repeat, an alternation inside an unbounded repeat, or a backreference.
These are the shapes behind exponential blow-ups (google/re2 issue 344 collects real ones).
"""

from __future__ import annotations

import re
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MAX_PATTERN_LENGTH = 4000
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)}
_UNBOUNDED = 50  # a repeat allowing more than this many is treated as unbounded


class UnsafePattern(ValueError):
    """The pattern is refused; the message says why."""


def compile_safe(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile `pattern` after checking it cannot backtrack catastrophically.

    Raises UnsafePattern for a refused shape and for a pattern that does not compile.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    try:
        tree = sre_parse.parse(pattern, flags)
        compiled = re.compile(pattern, flags)
    except re.error as e:
        raise UnsafePattern(f"not a valid regular expression: {e}") from None
    except OverflowError:  # a{99999999999}: sre refuses a count past its own limit this way
        raise UnsafePattern("a repeat count is too large; bound it by a few hundred at most") from None
    _walk(list(tree), inside_unbounded=False)
    return compiled


def _walk(items: list[tuple[Any, Any]], inside_unbounded: bool) -> None:
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            unbounded = high > _UNBOUNDED
            if unbounded and inside_unbounded:
                raise UnsafePattern(
                    "nested unbounded repeats such as (a+)+ can take exponential time; "
                    "rewrite with a single repeat"
                )
            if unbounded and _has_branch(list(body)):
                raise UnsafePattern(
                    "an alternation inside an unbounded repeat such as (a|ab)* can take exponential "
                    "time; use a character class or bound the repeat"
                )
            _walk(list(body), inside_unbounded or unbounded)
        elif op is sre_c.GROUPREF or op is sre_c.GROUPREF_EXISTS:
            raise UnsafePattern("backreferences are not allowed in policy patterns")
        elif op is sre_c.SUBPATTERN:
            _walk(list(av[-1]), inside_unbounded)
        elif op is sre_c.BRANCH:
            for alternative in av[1]:
                _walk(list(alternative), inside_unbounded)
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            _walk(list(av[1]), inside_unbounded)
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            _walk(list(av), inside_unbounded)


def _has_branch(items: list[tuple[Any, Any]]) -> bool:
    for op, av in items:
        if op is sre_c.BRANCH:
            return True
        if op is sre_c.SUBPATTERN and _has_branch(list(av[-1])):
            return True
    return False
