"""Use cases: what people and the worker do with smtool, each in its own transactions.

One package per flow, in the users' words:

- `publishing/`   posts from draft to platform: drafts, checks (the guideline checker on a post),
                  approval, the outbox the worker publishes from, replies (the institution answering in
                  a thread), calendar, pauses, and views (posts and publications as the CLI shows them)
- `monitoring/`   citizens' comments and mentions: ingest, the moderation queue and its pages,
                  routing to teams, takeover alerts, reading (audited), proposed replies
- `reports/`      what the work achieved: metrics (the snapshots the worker collects) and the
                  engagement, response-time, cadence and campaign reports with their file formats
- `records/`      the public record and its proof: the audit log, signed checkpoints, retention and
                  legal holds, the archive
- `installation/` setting an installation up and keeping it healthy: setup, accounts and tokens,
                  secrets and key rotation, status
- `identity/`     who acts, proven by an SSH key: keys (people's public keys), authorized (the lines
                  sshd needs, each with a forced command), shell (that forced command)

Shared by every flow, at this level: `context` (settings and database), `people` (who may do what),
`guidelines` (the checker bridged to the settings), `platforms` (connectors for accounts), `refusals`
(refused actions audited), `files` (files written whole), `media` (the media store: attached
files by SHA-256, read back only with their hash checked), `text` (citizens' text kept exact, shown
inert), `citizen_data` (who may read citizens' data, each read audited), `paging` (keyset pages
of every list, and the checks of a limit, a cursor and a value from a fixed set),
`spreadsheets` (CSV files as offices' spreadsheets save and open them), `alerts` (the alerts
smtool raises itself, as inbox items at the highest priority) and `parallel` (CPU-bound work, an
import's checks, on every core in forked processes). Flows import the
shared modules, never the other way round; publishing knows nothing of monitoring, and reports
read the store, not the other flows (contracts in pyproject.toml).
"""
