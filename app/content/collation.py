"""Sorting names the way readers expect: by the Unicode Collation Algorithm (pyuca, pure Python,
the default DUCET table), so case and accents only break ties (``Über uns`` sits with ``uber``,
``consular access`` comes before ``United Nations``) and every script sorts sensibly.

One key function, used by every staff list and picker of names (tags, categories, pages,
authors, the menu picker), so they all agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


@lru_cache(maxsize=1)
def _collator():
    from pyuca import Collator

    return Collator()


@lru_cache(maxsize=4096)  # the same names are sorted on every page view
def sort_key(text: str | None) -> tuple[int, ...]:
    return _collator().sort_key((text or "").strip())


def collated(items: Iterable[T], name: Callable[[T], str]) -> list[T]:
    """``items`` sorted by ``name(item)`` in collation order."""
    return sorted(items, key=lambda item: sort_key(name(item)))
