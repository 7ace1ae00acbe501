"""Factories for test data, built through the same domain functions the app uses."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from app.accounts.passwords import hash_password
from app.content.audit import Actor
from app.content.pages import PageDraft, save_page
from app.content.publishing import PostDraft, save_post
from app.content.taxonomy import save_category
from app.extensions import db
from app.models import Category, MenuItem, Page, Post, PostStatus, Role, User

DEFAULT_PASSWORD = "a long enough password"
_sequence = itertools.count(1)
# Test data is set up the way a script would write it: with every right.
SETUP = Actor(label="test setup")


def make_user(
    role: Role | str = Role.AUTHOR,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    n = next(_sequence)
    user = User(
        email=User.normalise_email(email or f"user{n}@example.org"),
        display_name=name or f"Writer {n}",
        role=str(Role(role).value),
        password_hash=hash_password(password),
        active=active,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_post(
    author: User,
    *,
    title: str | None = None,
    body: str = "Some words for the body of this post.",
    status: str = PostStatus.PUBLISHED.value,
    published_at: datetime | None = None,
    excerpt: str = "",
    slug: str = "",
    **details,
) -> Post:
    """A post saved through ``save_post``; ``details`` are further ``PostDraft`` fields
    (language, category_ids, tag_names, byline_name, source_name, sticky, translation_of ...)."""
    n = next(_sequence)
    if published_at is None and status == PostStatus.PUBLISHED:
        published_at = datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(hours=n)
    post = save_post(
        None,
        PostDraft(
            title=title or f"Post number {n}",
            body_source=body,
            status=status,
            published_at=published_at,
            custom_excerpt=excerpt,
            slug=slug,
            **details,
        ),
        by=SETUP,
        author=author,
    )
    db.session.commit()
    return post


def make_category(name: str, parent: Category | None = None, description: str = "") -> Category:
    category = save_category(None, name=name, parent=parent, description=description)
    db.session.commit()
    return category


def make_page(
    title: str,
    *,
    body: str = "Page text.",
    parent: Page | None = None,
    status: str = PostStatus.PUBLISHED.value,
    language: str = "en",
    menu_order: int = 0,
    slug: str = "",
) -> Page:
    page = save_page(
        None,
        PageDraft(
            title=title,
            body_source=body,
            parent_id=parent.id if parent else None,
            status=status,
            language=language,
            menu_order=menu_order,
            slug=slug,
        ),
        by=SETUP,
    )
    db.session.commit()
    return page


def add_to_menu(*targets: Page | Category) -> None:
    for position, target in enumerate(targets):
        if isinstance(target, Page):
            db.session.add(MenuItem(position=position, page_id=target.id))
        else:
            db.session.add(MenuItem(position=position, category_id=target.id))
    db.session.commit()
