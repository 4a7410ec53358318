"""The bundled guideline rule packs, shipped as data: one folder of TOML files per pack, and README.md.

There is no Python code here; the file only makes the folder a package, so the packs travel inside the
wheel and are found the same way in editable and regular installs, with importlib.resources
(`smtool.checker.packs.default_policies_dir`). policies/README.md documents the pack format.
"""
