"""A worker process for the token tests: `python -m tests.support.token_worker CONFIG NAME`.

It keeps one Publisher (and so its cached connectors) for its whole life, as `smtool worker` does,
and runs on a clock the test moves: each stdin line is a JSON command
``{"offset": SECONDS, "do": "publish" | "token"}`` and gets one JSON line back on stdout:
``publish`` publishes what is due, ``token`` asks X whom the account's (cached) connector speaks for.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import Any

from connectors.base import Connector
from smtool.config import load_settings
from smtool.services.context import Context
from smtool.services.platforms import connector_for
from smtool.services.publishing.outbox import Publisher
from smtool.store.tables import Account
from smtool.store.types import utcnow


def main(config: str, name: str) -> None:
    offset = timedelta(0)

    def clock() -> datetime:
        return utcnow() + offset

    ctx = Context.open(load_settings(config), clock=clock)
    publisher = Publisher(ctx, me=name)
    connector: Connector | None = None
    print(json.dumps({"ready": name}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        offset = timedelta(seconds=command["offset"])
        result: dict[str, Any]
        try:
            if command["do"] == "publish":
                result = dict(publisher.publish_due())
            else:
                if connector is None:
                    with ctx.db.read() as session:
                        account = session.get(Account, "sandbox-x")
                    assert account is not None
                    connector = connector_for(ctx, account)
                result = {"handle": connector.verify_credentials().handle}
        except Exception as e:  # the test reads what went wrong
            result = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
