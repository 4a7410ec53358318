"""The guideline checker: pure text analysis and rules as data (no database, network or UI).

Build an Engine once from policy packs, then call `check` on every keystroke and `triage` on incoming
citizen text.
"""

from smtool.checker.context import ACCOUNT_KINDS, PLATFORMS, AccountKind, CheckContext, RecentPost
from smtool.checker.engine import Engine, Triage, TriageFlags
from smtool.checker.examples import verify_examples
from smtool.checker.findings import CATEGORIES, LEVELS, Finding, Level, blocking
from smtool.checker.loader import Pack, PolicyError, load_pack
from smtool.checker.waivers import Waiver, apply_waivers, match_hash

__all__ = [
    "ACCOUNT_KINDS",
    "CATEGORIES",
    "LEVELS",
    "PLATFORMS",
    "AccountKind",
    "CheckContext",
    "Engine",
    "Finding",
    "Level",
    "Pack",
    "PolicyError",
    "RecentPost",
    "Triage",
    "TriageFlags",
    "Waiver",
    "apply_waivers",
    "blocking",
    "load_pack",
    "match_hash",
    "verify_examples",
]
