"""Publishing rules: slugs, rendering on save, excerpts and what the public may see.

Rendering and sanitising happen here, once, when a post is saved; pages only read stored HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.content.audit import Actor, record
from app.content.rendering import render_markdown
from app.content.settings import get_setting
from app.content.slugs import free_slug, slug_taken
from app.content.taxonomy import default_category, tags_from_names
from app.content.text import derive_excerpt, slugify
from app.content.visibility import public_post_clauses
from app.extensions import db
from app.models import Category, Post, PostStatus, User, utcnow

STATUS_LABELS = {
    PostStatus.DRAFT.value: "Draft",
    PostStatus.PENDING.value: "Pending review",
    PostStatus.PUBLISHED.value: "Published",
    PostStatus.PRIVATE.value: "Private (staff only)",
}


# Statuses that give a post its date (private posts are dated like published ones).
PUBLIC_OR_PRIVATE = frozenset({PostStatus.PUBLISHED.value, PostStatus.PRIVATE.value})


@dataclass
class PostDraft:
    """What an author submits for a post, independent of how it arrived (form, CLI, import)."""

    title: str
    body_source: str
    slug: str = ""
    custom_excerpt: str = ""
    status: str = PostStatus.DRAFT.value
    published_at: datetime | None = None
    language: str = "en"
    category_ids: list[int] = field(default_factory=list)
    tag_names: list[str] = field(default_factory=list)
    byline_name: str = ""
    source_name: str = ""
    source_url: str = ""
    source_published_on: date | None = None
    sticky: bool = False
    translation_of: int | None = None
    featured_media_id: int | None = None  # a media library image (see app/media/library.py)
    password: str = ""


def post_slug(text: str) -> str:
    """The slug of ``text`` for a post, following the ``unicode_slugs`` setting."""
    return slugify(text, keep_scripts=bool(get_setting("unicode_slugs")))


def unique_slug(desired: str, exclude_post_id: int | None = None) -> str:
    """A post slug made from ``desired`` that no other post uses."""
    return free_slug(Post, post_slug(desired), exclude_post_id)


def slug_is_taken(slug: str, exclude_post_id: int | None = None) -> bool:
    return slug_taken(Post, slug, exclude_post_id)


def apply_draft(post: Post, draft: PostDraft, *, now: datetime | None = None) -> Post:
    """Copy a submission onto ``post``, rendering the body and deriving the excerpt."""
    now = now or utcnow()
    post.title = draft.title.strip()
    requested = draft.slug.strip()
    if requested and requested == post.slug:
        pass  # unchanged, even if not ASCII (imported WordPress slugs stay as they were)
    elif requested:
        post.slug = post_slug(requested)
    elif not post.slug:
        post.slug = unique_slug(post.title, exclude_post_id=post.id)
    post.body_source = draft.body_source
    post.body_html = render_markdown(draft.body_source)
    custom = draft.custom_excerpt.strip()
    post.custom_excerpt = custom or None
    post.excerpt = custom or derive_excerpt(post.body_html)
    post.status = draft.status
    post.language = draft.language
    post.byline_name = draft.byline_name.strip() or None
    post.source_name = draft.source_name.strip() or None
    post.source_url = draft.source_url.strip() or None
    post.source_published_on = draft.source_published_on
    post.sticky = draft.sticky
    post.featured_media_id = draft.featured_media_id
    post.password = draft.password.strip() or None
    _apply_terms(post, draft)
    if post.id is not None:
        set_translation(post, draft.translation_of)
    if draft.published_at is not None:
        post.published_at = draft.published_at
    elif draft.status in PUBLIC_OR_PRIVATE and post.published_at is None:
        post.published_at = now
    return post


def _apply_terms(post: Post, draft: PostDraft) -> None:
    with db.session.no_autoflush:
        categories = (
            list(db.session.scalars(db.select(Category).where(Category.id.in_(draft.category_ids))))
            if draft.category_ids
            else []
        )
        post.categories = categories or [default_category()]
        post.tags = tags_from_names(draft.tag_names)


def set_translation(post: Post, translation_of: int | None) -> None:
    """Put ``post`` in the translation group of post ``translation_of`` (or take it out)."""
    if translation_of is None or translation_of == post.id:
        post.translation_group = None
        return
    other = db.session.get(Post, translation_of)
    if other is None:
        raise ValueError("The post to link as a translation does not exist.")
    if other.translation_group is None:
        other.translation_group = other.id
    post.translation_group = other.translation_group


def translations_of(post: Post) -> list[Post]:
    """The other published language versions of ``post``, in language order."""
    if post.translation_group is None:
        return []
    return list(
        db.session.scalars(
            db.select(Post)
            .where(
                Post.translation_group == post.translation_group,
                Post.id != post.id,
                *public_post_clauses(),
            )
            .order_by(Post.language)
        )
    )


def create_post(author: User, draft: PostDraft, *, now: datetime | None = None) -> Post:
    post = Post(slug="")
    apply_draft(post, draft, now=now)
    post.author = author
    db.session.add(post)
    if draft.translation_of is not None:
        db.session.flush()
        set_translation(post, draft.translation_of)
    return post


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
