"""The shape of the server's imports: no cycles in resolvers/, one way into plans."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every import run at some point: at the top or
    inside a function, but not those for type checkers only."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph(folder: str) -> dict[str, set[str]]:
    """Which modules of the project each module of ``folder`` makes Python load."""
    paths = [*ROOT.glob("*.py")]
    for top in ("resolvers", "models", "planner", "schema"):
        paths += ROOT.glob(f"{top}/**/*.py")
    files = {_module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        if not name.startswith(folder):
            continue
        edges: set[str] = set()
        for module, names in _imported(ast.parse(path.read_text())):
            targets = [module] + [f"{module}.{n}" for n in names]
            for target in targets:
                parts = target.split(".")
                # Loading a module loads every package above it first.
                edges |= {
                    ".".join(parts[:k])
                    for k in range(1, len(parts) + 1)
                    if ".".join(parts[:k]) in files
                }
        # A module's own packages are loaded before it, never because of it.
        own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 2)}
        graph[name] = edges - own
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among the graph's modules, or ``None``."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        trail.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_resolvers_import_one_another_without_a_cycle():
    """Tests that no module of resolvers/ needs itself to load, even through an
    import put inside a function to dodge the loop."""
    # given
    graph = _graph("resolvers")
    # when
    cycle = _cycle(graph)
    # then
    assert "resolvers.plans" in graph
    assert cycle is None, " -> ".join(cycle or [])


def test_the_schema_and_the_server_enter_planning_by_its_package():
    """Tests that schema/, server.py and cli/ import resolvers.plans itself,
    never one of its modules."""
    # given
    outside = [*ROOT.glob("schema/**/*.py"), ROOT / "server.py", *ROOT.glob("cli/*.py")]
    # when
    inner = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in outside
        for module, _ in _imported(ast.parse(path.read_text()))
        if module.startswith("resolvers.plans.")
    ]
    # then
    assert inner == []
