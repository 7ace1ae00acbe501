"""Publishing rules: slugs, rendering on save, excerpts and what the public may see.

Rendering and sanitising happen here, once, when a post is saved; pages only read stored HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from app.content.audit import Actor, record
from app.content.rendering import render_markdown
from app.content.text import derive_excerpt, slugify
from app.extensions import db
from app.models import Post, PostStatus, User, utcnow

STATUS_LABELS = {
    PostStatus.DRAFT.value: "Draft",
    PostStatus.PENDING.value: "Pending review",
    PostStatus.PUBLISHED.value: "Published",
}


@dataclass
class PostDraft:
    """What an author submits for a post, independent of how it arrived (form, CLI, import)."""

    title: str
    body_source: str
    slug: str = ""
    custom_excerpt: str = ""
    status: str = PostStatus.DRAFT.value
    published_at: datetime | None = None


def unique_slug(desired: str, exclude_post_id: int | None = None) -> str:
    """Return ``desired`` or the first free ``desired-2``, ``desired-3`` ... in one query."""
    base = slugify(desired)
    query = db.select(Post.slug).where(
        (Post.slug == base) | Post.slug.like(f"{base}-%", escape="\\")
    )
    if exclude_post_id is not None:
        query = query.where(Post.id != exclude_post_id)
    with db.session.no_autoflush:  # the post being saved may not be complete yet
        taken = set(db.session.scalars(query))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def slug_is_taken(slug: str, exclude_post_id: int | None = None) -> bool:
    query = db.select(Post.id).where(Post.slug == slug)
    if exclude_post_id is not None:
        query = query.where(Post.id != exclude_post_id)
    return db.session.scalar(query) is not None


def apply_draft(post: Post, draft: PostDraft, *, now: datetime | None = None) -> Post:
    """Copy a submission onto ``post``, rendering the body and deriving the excerpt."""
    now = now or utcnow()
    post.title = draft.title.strip()
    requested = slugify(draft.slug) if draft.slug.strip() else ""
    if requested:
        post.slug = requested
    elif not post.slug:
        post.slug = unique_slug(post.title, exclude_post_id=post.id)
    post.body_source = draft.body_source
    post.body_html = render_markdown(draft.body_source)
    custom = draft.custom_excerpt.strip()
    post.custom_excerpt = custom or None
    post.excerpt = custom or derive_excerpt(post.body_html)
    post.status = draft.status
    if draft.published_at is not None:
        post.published_at = draft.published_at
    elif draft.status == PostStatus.PUBLISHED and post.published_at is None:
        post.published_at = now
    return post


def create_post(author: User, draft: PostDraft, *, now: datetime | None = None) -> Post:
    post = Post(slug="")
    apply_draft(post, draft, now=now)
    post.author = author
    db.session.add(post)
    return post


def visible_posts_query(now: datetime | None = None) -> Select:
    """Published posts whose date has come, newest first, authors loaded in the same query."""
    now = now or utcnow()
    return (
        db.select(Post)
        .where(Post.status == PostStatus.PUBLISHED, Post.published_at <= now)
        .options(joinedload(Post.author))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def record_status_change(post: Post, old_status: str | None, by: Actor) -> None:
    """Write publishing, unpublishing and submitting for review into the audit log."""
    new_status = post.status
    if new_status == old_status:
        return
    if new_status == PostStatus.PUBLISHED:
        record("post.published", by, post, {"from": old_status or "new"})
    elif old_status == PostStatus.PUBLISHED:
        record("post.unpublished", by, post, {"to": new_status})
    if new_status == PostStatus.PENDING:
        record("post.submitted", by, post)
