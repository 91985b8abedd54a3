#!/usr/bin/env python3
"""Fail on an import circle among the modules of one package of `regista`.

The layers contract (`lint-imports`, see `[tool.importlinter]` in pyproject.toml) keeps the
imports between layers one-way; this keeps each package a one-way street too. For every
package (sub-packages included) the direct children are nodes — a sub-package counts as
one node with everything inside it, the package's own `__init__` as one more — and an
import from anywhere in one node to another is an edge. Imports inside functions and under
`TYPE_CHECKING` count: a circle hidden that way is still a circle of the design.

Run from the repository root: `.venv/bin/python .ci/check_imports.py`. Prints each circle
with the imports that make it; exit 1 when there is one (not allowed below), else 0.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable

import grimp

ROOT = "regista"

#: Circles known and being removed on another branch, while they last: each entry is the
#: exact set of modules of one circle (e.g. `frozenset({"regista.runtime.outbox",
#: "regista.runtime.unit_of_work"})`), so a circle that grows or changes still fails. An
#: entry that no longer matches a circle is reported, to be removed.
ALLOWED: list[frozenset[str]] = []


def node_of(package: str, module: str) -> str | None:
    """The node of `package` that `module` belongs to (None when outside it)."""
    if module == package:
        return package
    if not module.startswith(package + "."):
        return None
    return package + "." + module[len(package) + 1 :].split(".", 1)[0]


def strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(nodes):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, pending = work[-1]
            if pending:
                w = pending.pop()
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, sorted(edges[w])))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                component: list[str] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main() -> int:
    graph = grimp.build_graph(ROOT, cache_dir=None)
    modules = sorted(graph.modules)
    packages = [m for m in modules if graph.find_children(m)]
    circles: list[tuple[str, list[str]]] = []
    for package in packages:
        edges: dict[str, set[str]] = defaultdict(set)
        nodes: set[str] = set()
        for module in modules:
            source = node_of(package, module)
            if source is None:
                continue
            nodes.add(source)
            for imported in graph.find_modules_directly_imported_by(module):
                target = node_of(package, imported)
                if target is not None and target != source:
                    edges[source].add(target)
        for component in strongly_connected(nodes, edges):
            circles.append((package, component))

    allowed_seen: set[frozenset[str]] = set()
    failed = 0
    for package, component in circles:
        key = frozenset(component)
        if key in ALLOWED:
            allowed_seen.add(key)
            print(f"allowed (see ALLOWED): import circle in {package}: {', '.join(component)}")
            continue
        failed += 1
        print(f"import circle in {package} of {len(component)} modules: {', '.join(component)}")
        members = set(component)
        for module in modules:
            source = node_of(package, module)
            if source not in members:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                target = node_of(package, imported)
                if target is None or target == source or target not in members:
                    continue
                for detail in graph.get_import_details(importer=module, imported=imported):
                    line = detail["line_number"]
                    print(f"    {module}:{line} imports {imported}: {detail['line_contents']}")
    for stale in ALLOWED:
        if stale not in allowed_seen:
            print(f"note: the allowed circle {', '.join(sorted(stale))} is gone; remove it")
    print(f"import circles: {failed} in {len(packages)} packages")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
