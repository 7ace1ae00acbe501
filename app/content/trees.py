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
