"""Helpers the tests share. Import them from here, never from a conftest or another test module.

- `databases`: the PostgreSQL switch, the base configuration, settings for a URL
- `sandbox`: an installation whose accounts live on an in-process sandbox platform
- `cli`: running the real `smtool` command in a subprocess
- `store_data`: posts, publications, snapshots and inbox items written straight into the store
- `ssh`: keys made by ssh-keygen, a real sshd on a loopback port, the ssh client
- `texts`: hostile citizen text every display must keep inert
- `tui`: waiting for the Textual app by condition, the TUI tests' fixed clock and inbox items
- `waiting`: waiting for a condition in plain code instead of sleeping a fixed time
"""
