"""Use cases: what people and the worker do with smtool, in transactions."""
