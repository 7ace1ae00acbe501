"""Trees of rows with a ``parent_id`` (categories, pages): the one walk below a node."""

from __future__ import annotations

from collections.abc import Iterable


def descendant_ids(edges: Iterable[tuple[int, int | None]], root_id: int) -> set[int]:
    """Ids of every node below ``root_id`` (not including it), from ``(id, parent_id)`` pairs.

    Safe against a cycle in the stored parents: each node is visited once.
    """
    children: dict[int | None, list[int]] = {}
    for node_id, parent_id in edges:
        children.setdefault(parent_id, []).append(node_id)
    found: set[int] = set()
    stack = list(children.get(root_id, []))
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def with_ancestor_ids(edges: Iterable[tuple[int, int | None]], node_ids: Iterable[int]) -> set[int]:
    """``node_ids`` and every node above them, from ``(id, parent_id)`` pairs (cycle-safe)."""
    parents = dict(edges)
    found: set[int] = set()
    for node_id in node_ids:
        current: int | None = node_id
        while current is not None and current not in found:
            found.add(current)
            current = parents.get(current)
    return found
