"""Publishing: a post from draft to the platform, exactly once.

drafts (create, edit, import) -> checks (findings, what blocks) -> approval (submit, approve, reject,
waive, withdraw; writes the outbox) -> outbox (the worker claims, sends, settles and reconciles each
publication, a batch at a time: `claims` claims a batch and commits it as sending, `sending` makes
its platform calls concurrently, `results` records their outcomes). `posts` holds what those steps
share about post rows; `replies` writes a citizen's answer into the same outbox; `calendar` and
`pauses` move and stop what is scheduled; `views` are the read models the CLI and TUI show. `seals`
signs each publication with the installation's key when it is written and checks it before a send;
`holds` tells a person about one the worker held instead.
"""
