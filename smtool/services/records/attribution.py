"""How the actors of a process were proven, carried on the database's engine into every audit row.

Apart from services.records.audit because every command sets it as it opens the database, also a
command that only reads and appends nothing (`account list`): this module imports nothing of the
ORM (issue 21, item 6).
"""

from __future__ import annotations

from smtool.store.engine import Database

# The engine option that carries how the actors of a process were proven (`attribute_to`).
_VIA = "smtool_via"


def attribute_to(db: Database, via: str) -> None:
    """Record `via` ("ssh SHA256:...", "local anna") in every event appended through `db`.

    Set once by the interface that proved who acts, so no use case can leave it out or change it.
    """
    db.engine.update_execution_options(**{_VIA: via})
