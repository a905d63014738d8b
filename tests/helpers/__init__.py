"""Helpers shared by the test folders, imported as a package (``from ..helpers.toy import
...``): the test tree is a package, so no test edits ``sys.path``."""
