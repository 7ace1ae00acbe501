"""Unique slugs: the first free ``base``, ``base-2``, ``base-3`` ... found with one query."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.extensions import db


def first_free(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _same_stem(model, base: str, exclude_id: int | None):
    query = select(model.slug).where((model.slug == base) | model.slug.like(f"{base}-%"))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return query


def free_slug(model, base: str, exclude_id: int | None = None) -> str:
    """The first slug from ``base`` that no other row of ``model`` uses.

    ``model`` is any mapped class with ``id`` and ``slug`` columns (Post, Page, Category, Tag).
    """
    with db.session.no_autoflush:  # the row being saved may not be complete yet
        taken = db.session.scalars(_same_stem(model, base, exclude_id))
        return first_free(base, taken)


def slug_taken(model, slug: str, exclude_id: int | None = None) -> bool:
    query = select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    with db.session.no_autoflush:
        return db.session.scalar(query) is not None
