"""Installation: setting smtool up and keeping it able to speak.

`setup` (init, sandbox installations, database upgrades), `directory` (users and accounts seeded
from the configuration and changed by the audited `config apply`), `pending` (what `config apply`
would change), `accounts` (accounts and users as stored, tokens stored and read), `account_list`
(the accounts as `account list` shows them, read through Core tables without the ORM), `secrets` and
`keys` (the token key and its rotation), `status` (the installation's health at a glance), `tokens`
(the installation's OAuth apps, refresh ahead of expiry that several workers share, token health and
its alerts), `connect` (connecting an account through the platform's consent page; every token
checked with the platform before it is stored).
"""
