"""The header menu admins arrange: which pages and category archives it lists, in what order.

Positions are renumbered 0, 1, 2 ... after every change, so moving an entry is a swap of two
neighbours and the order never depends on ties.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Category, MenuItem, Page


class MenuError(ValueError):
    """A menu change that cannot be made, with a message for the admin."""


def menu_items() -> list[MenuItem]:
    """Every entry in menu order, its page or category loaded in the same query."""
    return list(
        db.session.scalars(
            select(MenuItem)
            .options(joinedload(MenuItem.page), joinedload(MenuItem.category))
            .order_by(MenuItem.position, MenuItem.id)
        )
    )


def menu_label(item: MenuItem) -> str:
    """What visitors read in the header: the admin's label, else the page title or category."""
    if item.label:
        return item.label
    if item.page is not None:
        return item.page.title
    return item.category.name if item.category is not None else ""


def _renumber(items: list[MenuItem]) -> None:
    for position, item in enumerate(items):
        item.position = position
    db.session.flush()


def add_menu_item(
    *, page: Page | None = None, category: Category | None = None, label: str = ""
) -> MenuItem:
    """Append a page or a category archive at the end of the menu."""
    if (page is None) == (category is None):
        raise MenuError("Choose one page or one category to add.")
    items = menu_items()
    for item in items:
        if page is not None and item.page_id == page.id:
            raise MenuError(f"“{page.title}” is already in the menu.")
        if category is not None and item.category_id == category.id:
            raise MenuError(f"“{category.name}” is already in the menu.")
    item = MenuItem(page=page, category=category, label=label.strip() or None)
    db.session.add(item)
    _renumber([*items, item])
    return item


def move_menu_item(item: MenuItem, offset: int) -> None:
    """Move ``item`` ``offset`` places (-1 earlier, +1 later); at either end nothing changes."""
    items = menu_items()
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    new_index = min(max(index + offset, 0), len(items) - 1)
    items.insert(new_index, items.pop(index))
    _renumber(items)


def remove_menu_item(item: MenuItem) -> None:
    db.session.delete(item)
    db.session.flush()
    _renumber(menu_items())
