"""Pure rules of the product: state machines (one `Transitions` lookup), roles and permissions, time
rules, and how whitespace is ignored where texts are compared (`text.collapse_spaces`).

Nothing here touches a database, a network or a terminal, so every rule is testable on its own.
"""
