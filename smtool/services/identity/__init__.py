"""Identity: who acts is proven by an SSH key, not typed.

`keys` (people's public keys: validated, fingerprinted as ssh-keygen does, added by an admin, listed,
revoked), `authorized` (the authorized_keys lines sshd needs, each with a forced command, for
AuthorizedKeysCommand or a managed block in a file), `shell` (the forced command: the person's
command read without a shell, refused where it would choose another person, installation or a
server file, then run as the key's owner).
"""
