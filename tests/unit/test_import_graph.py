"""Imports between our modules go one way: a cycle means neither module can be read, tested or moved without
the other, and which one loads first decides what the other sees half-built.

Every `import` and `from ... import` of every module under pipeline/, connectors/ and tools/ counts, relative ones
and those inside functions too (a lazy import still ties the two modules together). An import names one module:
`from a import b` is a.b when that module exists, else the package a itself. The runtime (pipeline/, connectors/)
imports nothing of the tooling (tools/)."""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("pipeline", "connectors")
PACKAGES = (*RUNTIME, "tools")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Module name -> source file, for every module of our packages (a package is its __init__.py)."""
    files = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def imported_modules(module: str, path: Path, modules: Collection[str]) -> set[str]:
    """The modules of ours that `module` imports, relative imports resolved."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:
                parts = package.split(".")
                origin = ".".join([*parts[: len(parts) - node.level + 1], *([origin] if origin else [])])
            for alias in node.names:  # the module origin.name if there is one, else a name origin defines
                found.add(f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin)
    return (found & set(modules)) - {module}


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports."""
    return {module: imported_modules(module, path, files) for module, path in files.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle for each strongly connected group of modules (Tarjan's algorithm), as the path that closes it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: Mapping[str, set[str]]) -> list[str]:
    """A path from the group's first module back to itself, within the group (breadth first: a shortest one)."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]  # no self-import: node is not start
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle in the group {sorted(group)}")


def test_no_import_cycle_among_our_modules() -> None:
    found = cycles(import_graph(module_files()))
    assert found == [], "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in found)


def test_the_runtime_imports_nothing_of_the_tooling() -> None:
    """The worker and the connectors run without tools/ (its commands reach `wirestream` by entry point)."""
    graph = import_graph(module_files())
    runtime = {module for module in graph if module.partition(".")[0] in RUNTIME}
    found = {module: sorted(graph[module] - runtime) for module in sorted(runtime) if graph[module] - runtime}
    assert found == {}, f"runtime modules importing the tooling: {found}"


def test_the_graph_sees_relative_lazy_and_from_imports(tmp_path: Path) -> None:
    """The walk itself, on a package of its own: each kind of import is an edge, and a cycle is named."""
    package = tmp_path / "pipeline"
    (package / "sub").mkdir(parents=True)
    (tmp_path / "connectors").mkdir()
    sources = {
        "__init__.py": "",
        "app.py": "import json\nfrom pipeline.sub import agent\n",
        "sub/__init__.py": "",
        "sub/agent.py": "def run():\n    from ..app import thing\n",
        "sub/tools.py": "from . import helpers\nimport pipeline.sub.agent\n",
        "sub/helpers.py": "from .agent import run\n",
    }
    for name, source in sources.items():
        (package / name).write_text(source)
    graph = import_graph(module_files(tmp_path))
    assert graph["pipeline.app"] == {"pipeline.sub.agent"}
    assert graph["pipeline.sub.agent"] == {"pipeline.app"}
    assert graph["pipeline.sub.tools"] == {"pipeline.sub.helpers", "pipeline.sub.agent"}
    assert graph["pipeline.sub.helpers"] == {"pipeline.sub.agent"}
    assert cycles(graph) == [["pipeline.app", "pipeline.sub.agent", "pipeline.app"]]
