"""The folder tree is the architecture: dependencies point one way, no cycles, no giant modules.

Imports are read from the source with `ast` (function-level imports included, because they are
dependencies too), so these tests see what the code does, not what a picture claims.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "segkit"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

#: Which top-level parts of segkit each part may import (besides itself). Domain packages never
#: import reporting or the pipeline; reporting renders domain results (it may read them) but is
#: never imported by them; only the pipeline and the CLI see everything.
ALLOWED = {
    "core": set(),
    "catalogues": set(),
    "intake": {"core"},
    "prep": {"core"},
    "value": {"core", "prep"},
    "models": {"core", "value"},
    "survey": {"core", "intake", "catalogues"},
    "needs": {"core", "intake", "survey", "catalogues"},
    "reporting": {"core", "prep", "value", "models", "survey", "needs"},
    "datasets": {"core"},
    "pipeline": {
        "__init__",
        "core",
        "intake",
        "prep",
        "value",
        "models",
        "survey",
        "needs",
        "reporting",
        "datasets",
        "catalogues",
    },
    "cli": {"core", "intake", "prep", "pipeline", "datasets"},
    "__main__": {"cli"},
    "__init__": {"core"},
}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, known: set[str]) -> set[str]:
    """segkit modules imported by `path` (``from segkit.x import y`` counts segkit.x.y when y is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("segkit"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("segkit"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, known) - {name} for name, path in modules.items()}


def test_no_import_cycles_between_modules():
    graph = _graph()
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the stack, 2 done
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state[nxt] == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif state[nxt] == 0 and nxt in graph:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_dependencies_point_one_way():
    wrong = []
    for module, imported in _graph().items():
        here = _part(module)
        for target in imported:
            there = _part(target)
            if there != here and there not in ALLOWED[here]:
                wrong.append(f"{module} imports {target} ({here} may use {sorted(ALLOWED[here]) or 'nothing'})")
    assert not wrong, "\n".join(sorted(wrong))


def test_every_part_is_in_the_table():
    assert {_part(m) for m in _modules()} <= set(ALLOWED)


def test_a_module_inside_a_package_does_not_import_its_own_face():
    """``segkit.value.tiers`` must import ``segkit.value.maps``, never ``segkit.value`` (a cycle in disguise)."""
    wrong = []
    for module, imported in _graph().items():
        package = module.rsplit(".", 1)[0]
        if _modules()[module].name != "__init__.py" and package != "segkit" and package in imported:
            wrong.append(module)
    assert not wrong


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_a_giant(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines; split it by concept"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.py")), ids=lambda p: p.stem)
def test_notebooks_read_no_files_themselves(path):
    """Notebooks read the prepared run (`segkit.pipeline.prepare.prepared`), never a file with pandas."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        f"{n.func.value.id}.{n.func.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
    }
    reads = sorted(c for c in calls if c.split(".")[1].startswith("read_") and c.split(".")[0] in {"pd", "pandas"})
    assert not reads, f"{path.name} reads files itself: {reads}"


#: Every report notebook: its sections live in the package (reporting.*_report).
THIN_NOTEBOOKS = tuple(p.stem for p in sorted(NOTEBOOKS.glob("*.py")))


@pytest.mark.parametrize("name", THIN_NOTEBOOKS)
def test_thin_notebooks_define_nothing_and_draw_nothing(name):
    """Parameters, calls into segkit and prose: no functions, no pandas, no plotting code."""
    tree = ast.parse((NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8"))
    defined = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert not defined, f"{name} defines {defined}"
    assert not any(isinstance(n, ast.Lambda) for n in ast.walk(tree)), f"{name} defines a lambda"
    imported = {
        (a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    }
    assert not imported & {"matplotlib", "seaborn", "pandas", "numpy"}, f"{name} imports {sorted(imported)}"
