"""The package imports one way only (docs/ARCHITECTURE.md): every ``clinical_ner`` import in
``src/``, including those inside functions, names a unit at or below the importing one.

Units are the top-level modules and subpackages of ``clinical_ner``, in one order, lowest
first, grouped into layers. A module may import its own unit and any unit listed before
it; an import of a unit listed after it (upward, or sideways against the order within a
layer) fails this test with the module, the line and the import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "clinical_ner"

#: Layers, lowest first; within a layer, a unit may import only the units before it.
#: ``clinical_ner`` is the package root (the public API), which re-exports from all the
#: library layers and is imported only by the applications (for ``__version__``).
LAYERS: dict[str, tuple[str, ...]] = {
    "core": ("errors", "labels", "annotation", "io", "tags", "stage", "parallelism",
             "gc_pause", "resources"),
    "models": ("nn", "embeddings"),
    "annotators": ("annotators",),
    "pipeline": ("windows", "records", "display", "pipeline", "recipes", "pretrained_pipeline"),
    "data": ("corpora", "evaluation", "scoring", "training"),
    "api": (PACKAGE,),
    "apps": ("spark", "server", "cli_models", "cli"),
}
ORDER = [unit for units in LAYERS.values() for unit in units]
LAYER_OF = {unit: layer for layer, units in LAYERS.items() for unit in units}

#: Modules whose imports are not checked yet, each with the reason and who removes it.
#: The test fails once such a module is clean (or gone), so the entry cannot go stale.
KNOWN_EXCEPTIONS: dict[str, str] = {}

#: Dynamic imports by name (``importlib.import_module("...")``) that may run upward: the
#: compatibility aliases of modules that moved up, as (module, imported module).
COMPAT_ALIASES: set[tuple[str, str]] = {
    ("clinical_ner.annotators.ner_dl_approach", "clinical_ner.training.ner_dl_approach"),
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    line: int
    target: str  # the imported module (or package), dotted
    dynamic: bool = False  # importlib.import_module("...") rather than an import statement


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def unit_of(module: str) -> str:
    """``clinical_ner.annotators.tokenizer`` -> ``annotators``; the root -> ``clinical_ner``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def _is_main_guard(node: ast.AST) -> bool:
    """``if __name__ == "__main__":``: a script entry point, never run on import."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__"
                for c in node.test.comparators)
    )


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> list[Import]:
    """Every ``clinical_ner`` import in ``source``, at any depth (functions, classes,
    ``try``), except under a ``__main__`` guard. ``from a import b`` names ``a.b`` when that
    is a module in ``known``, else ``a``."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        if _is_main_guard(node):
            return
        if isinstance(node, ast.Import):
            found.extend(Import(module, node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(Import(module, node.lineno, candidate if candidate in known else base))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append(Import(module, node.lineno, node.args[0].value, dynamic=True))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return [i for i in found if i.target == PACKAGE or i.target.startswith(PACKAGE + ".")]


def violation(imp: Import) -> str | None:
    """Why ``imp`` breaks the layering, or None when it is allowed."""
    source, target = unit_of(imp.module), unit_of(imp.target)
    for unit in (source, target):
        if unit not in LAYER_OF:
            return f"unit {unit!r} is in no layer; add it to LAYERS here and in ARCHITECTURE.md"
    if source == target or ORDER.index(target) < ORDER.index(source):
        return None
    if imp.dynamic and (imp.module, imp.target) in COMPAT_ALIASES:
        return None
    direction = "upward" if LAYER_OF[source] != LAYER_OF[target] else "sideways, against the order"
    return (f"{imp.module} (line {imp.line}, {LAYER_OF[source]} layer) imports {imp.target} "
            f"({LAYER_OF[target]} layer): {direction}")


def all_imports() -> list[Import]:
    paths = sorted((SRC / PACKAGE).rglob("*.py"))
    known = {module_name(p) for p in paths}
    return [
        imp
        for path in paths
        for imp in imports_of(path.read_text(encoding="utf-8"), module_name(path),
                              path.name == "__init__.py", known)
    ]


def test_no_import_runs_upward_or_sideways():
    problems = list(dict.fromkeys(  # one line per import statement and target
        message for imp in all_imports()
        if imp.module not in KNOWN_EXCEPTIONS and (message := violation(imp))
    ))
    assert not problems, "layer violations (docs/ARCHITECTURE.md):\n" + "\n".join(problems)


def test_known_exceptions_are_still_needed():
    imports = all_imports()
    for module in KNOWN_EXCEPTIONS:
        bad = [imp for imp in imports if imp.module == module and violation(imp)]
        assert bad, f"{module} imports one way now (or is gone): remove it from KNOWN_EXCEPTIONS"


def test_every_unit_is_in_a_layer():
    units = {unit_of(module_name(p)) for p in (SRC / PACKAGE).rglob("*.py")}
    assert units - set(ORDER) == set(), "place these in LAYERS and docs/ARCHITECTURE.md"


def test_the_checker_finds_upward_sideways_and_nested_imports():
    source = (
        "import clinical_ner.errors\n"
        "from clinical_ner.stage import Row\n"
        "def fit():\n"
        "    from clinical_ner.training import trainer\n"  # line 4: upward, in a function
        "from . import tokenizer\n"
        "from .. import pipeline\n"  # line 6: relative, upward
        "import importlib\n"
        "importlib.import_module('clinical_ner.corpora.build')\n"  # line 8: dynamic
        "if __name__ == '__main__':\n"
        "    from clinical_ner.cli import main\n"  # a script entry point: not counted
    )
    known = {"clinical_ner.training.trainer", "clinical_ner.annotators.tokenizer",
             "clinical_ner.pipeline"}
    found = imports_of(source, "clinical_ner.annotators.ner_dl", False, known)
    assert [(i.line, i.target) for i in found] == [
        (1, "clinical_ner.errors"), (2, "clinical_ner.stage"), (4, "clinical_ner.training.trainer"),
        (5, "clinical_ner.annotators.tokenizer"), (6, "clinical_ner.pipeline"),
        (8, "clinical_ner.corpora.build"),
    ]
    assert [i.line for i in found if violation(i)] == [4, 6, 8]
    assert "upward" in violation(found[2])
    # Within the apps layer the order is spark, server, cli_models, cli.
    sideways = Import("clinical_ner.server.app", 1, "clinical_ner.cli")
    assert "sideways" in violation(sideways)
    assert violation(Import("clinical_ner.cli", 1, "clinical_ner.server.cli")) is None
    assert "no layer" in violation(Import("clinical_ner.newthing", 1, "clinical_ner.errors"))


def test_the_moved_estimator_keeps_its_old_import_path():
    from clinical_ner.annotators import ner_dl_approach as old
    from clinical_ner.training import ner_dl_approach as new

    assert old is new
    from clinical_ner.annotators.ner_dl_approach import NerDLApproach

    assert NerDLApproach.__module__ == "clinical_ner.training.ner_dl_approach"
