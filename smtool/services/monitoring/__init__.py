"""Monitoring: citizens' comments and mentions, from the platforms to a press officer's answer.

ingest (poll every account's streams into inbox items, triaged and routed; `prefetch` fetches an
account's next page while the current one is stored) -> queue (claim, assign,
reply, hide, resolve); `queue_pages` holds the keyset pages, search and the store reads of items,
which only `reading` calls for a person (an import contract keeps cli, tui and worker off it);
`routing` picks a team by keywords and flags; `takeover` raises alerts when an account looks
hijacked; `views` are inbox items as people and scripts read them; `reading` is how people read the
queue and its items (role-checked, audited); `proposals` holds the replies someone may write but
not send until a person allowed to reply on the account approves them.
"""
