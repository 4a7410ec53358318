"""Installation: setting smtool up and keeping it able to speak.

`setup` (init, sandbox installations, database upgrades), `accounts` (accounts and users synced from
the configuration, tokens stored and read), `secrets` and `keys` (the token key and its rotation),
`status` (the installation's health at a glance).
"""
