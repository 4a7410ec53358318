"""Installation: setting smtool up and keeping it able to speak.

`setup` (init, sandbox installations, database upgrades), `directory` (users and accounts seeded
from the configuration and changed by the audited `config apply`), `accounts` (accounts and users as
stored, tokens stored and read), `secrets` and `keys` (the token key and its rotation),
`status` (the installation's health at a glance).
"""
