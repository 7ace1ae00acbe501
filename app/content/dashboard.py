"""The staff post list: filters, title search, list columns and bulk actions. No request code.

The list loads only what its columns show (never bodies): posts with their author in one query,
their categories in a second, whatever the page size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import joinedload, load_only, selectinload

from app.content.audit import Actor, record
from app.content.permissions import can
from app.content.publishing import record_status_change
from app.content.visibility import is_scheduled, public_post_clauses, scheduled_post_clauses
from app.extensions import db
from app.models import Category, Post, PostStatus, User, utcnow

SCHEDULED = "scheduled"
FILTER_LABELS = {
    PostStatus.DRAFT.value: "Draft",
    PostStatus.PENDING.value: "Pending review",
    SCHEDULED: "Scheduled",
    PostStatus.PUBLISHED.value: "Published",
}
LIST_COLUMNS = (
    Post.id,
    Post.title,
    Post.slug,
    Post.status,
    Post.language,
    Post.published_at,
    Post.created_at,
    Post.author_id,
    Post.sticky,
    Post.version,
)


def status_label(post: Post, now: datetime | None = None) -> str:
    if is_scheduled(post, now):
        return FILTER_LABELS[SCHEDULED]
    return FILTER_LABELS.get(post.status, post.status)


def status_key(post: Post, now: datetime | None = None) -> str:
    return SCHEDULED if is_scheduled(post, now) else post.status


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def post_list_query(status: str = "", search: str = "", now: datetime | None = None) -> Select:
    now = now or utcnow()
    query = (
        db.select(Post)
        .options(
            load_only(*LIST_COLUMNS),
            joinedload(Post.author).load_only(User.id, User.display_name, User.slug),
            selectinload(Post.categories).load_only(Category.id, Category.name, Category.slug),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    if status == SCHEDULED:
        query = query.where(*scheduled_post_clauses(now))
    elif status == PostStatus.PUBLISHED:
        query = query.where(*public_post_clauses(now))
    elif status in FILTER_LABELS:
        query = query.where(Post.status == status)
    search = search.strip()
    if search:
        query = query.where(title_contains(search))
    return query


def title_contains(search: str):
    """Case-insensitive "title contains", with % and _ taken literally."""
    return Post.title.ilike(f"%{_escape_like(search)}%", escape="\\")


# Bulk actions: name -> (label, the permission each post needs)
BULK_ACTIONS = {
    "publish": ("Publish", "publish_post"),
    "draft": ("Move to draft", "edit_post"),
    "set_category": ("Set category", "edit_post"),
    "delete": ("Delete", "delete_post"),
}


@dataclass
class BulkOutcome:
    done: list[Post] = field(default_factory=list)
    refused: list[Post] = field(default_factory=list)


def bulk_targets(user: User, action: str, post_ids: list[int]) -> BulkOutcome:
    """Split the chosen posts into those ``user`` may ``action`` and those they may not."""
    if action not in BULK_ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    permission = BULK_ACTIONS[action][1]
    outcome = BulkOutcome()
    if not post_ids:
        return outcome
    posts = db.session.scalars(
        db.select(Post)
        .where(Post.id.in_(post_ids))
        .options(load_only(*LIST_COLUMNS), joinedload(Post.author))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    for post in posts:
        allowed = can(user, permission, post) and can(user, "edit_post", post)
        (outcome.done if allowed else outcome.refused).append(post)
    return outcome


def apply_bulk(
    user: User,
    actor: Actor,
    action: str,
    post_ids: list[int],
    category: Category | None = None,
    now: datetime | None = None,
) -> BulkOutcome:
    """Do ``action`` on every chosen post ``user`` may change; the caller commits."""
    from app.content.revisions import bump_version

    outcome = bulk_targets(user, action, post_ids)
    now = now or utcnow()
    for post in outcome.done:
        old_status = post.status
        if action != "delete":
            bump_version(post)  # an editor with the post open gets the conflict page, not a loss
        if action == "publish":
            post.status = PostStatus.PUBLISHED.value
            if post.published_at is None:
                post.published_at = now
            record_status_change(post, old_status, actor)
        elif action == "draft":
            post.status = PostStatus.DRAFT.value
            record_status_change(post, old_status, actor)
        elif action == "set_category":
            if category is None:
                raise ValueError("choose a category")
            post.categories = [category]
        elif action == "delete":
            record("post.deleted", actor, post, {"status": post.status, "bulk": True})
            db.session.delete(post)
    return outcome
