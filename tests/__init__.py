"""The test suite, a package so shared helpers (``tests/helpers``) import without
``sys.path`` edits under ``--import-mode=importlib``."""
