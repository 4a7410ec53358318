"""Identity: who acts is proven by an SSH key, not typed.

`keys` (people's public keys: validated, fingerprinted as ssh-keygen does, added by an admin, listed,
revoked).
"""
