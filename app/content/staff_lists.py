"""What the staff lists of categories, tags and pages show, each in a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import func, select

from app.content.collation import sort_key
from app.content.pages import page_path
from app.extensions import db
from app.models import Page, post_categories, post_tags


def category_post_counts() -> dict[int, int]:
    """Posts (any status) filed directly in each category, in one query."""
    rows = db.session.execute(
        select(post_categories.c.category_id, func.count()).group_by(post_categories.c.category_id)
    )
    return {row_id: count for row_id, count in rows}


def tag_post_counts() -> dict[int, int]:
    """Posts (any status) carrying each tag, in one query."""
    rows = db.session.execute(select(post_tags.c.tag_id, func.count()).group_by(post_tags.c.tag_id))
    return {row_id: count for row_id, count in rows}


def page_tree() -> list[tuple[Page, int, str]]:
    """Every page in tree order (menu order, then title) with its depth and public path.

    One query; pages whose parent chain loops are listed at the top level rather than lost.
    """
    pages = sorted(
        db.session.scalars(select(Page)), key=lambda p: (p.menu_order, sort_key(p.title))
    )
    by_id = {page.id: page for page in pages}
    children: dict[int | None, list[Page]] = {}
    for page in pages:
        parent_id = page.parent_id if page.parent_id in by_id else None
        children.setdefault(parent_id, []).append(page)
    ordered: list[tuple[Page, int, str]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for page in children.get(parent_id, []):
            if page.id not in seen:
                seen.add(page.id)
                ordered.append((page, depth, page_path(page, by_id)))
                walk(page.id, depth + 1)

    walk(None, 0)
    for page in pages:  # only reachable if the data holds a cycle
        if page.id not in seen:
            seen.add(page.id)
            ordered.append((page, 0, page_path(page, by_id)))
    return ordered
