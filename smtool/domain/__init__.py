"""Pure rules of the product: state machines, roles and permissions, time rules.

Nothing here touches a database, a network or a terminal, so every rule is testable on its own.
"""
