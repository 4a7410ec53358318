"""Records: the institution's public record and the proof that it was not altered.

`audit` (the hash-chained log every state change appends to), `attribution` (how the actors
of a process were proven, carried into every audit row), `checkpoints` and `signing` (signed
heads of that log), `retention` (purging what may go, under legal holds), `archive/` (export and
verify a BagIt archive of a period).
"""
