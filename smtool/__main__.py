"""`python -m smtool` is the same as the `smtool` command."""

from smtool.cli.main import run

run()
