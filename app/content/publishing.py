"""Saving posts: who may save what, rendering on save, excerpts, revisions and the audit log.

``save_post`` and ``delete_post`` are the only ways a post is written (staff forms, the command
line, demo content): they check the actor's rights (a contributor cannot publish, whoever
calls), take a unique slug race-safely, render and sanitise the body once, keep a revision,
refuse a save based on an outdated copy, and record publishing in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm.exc import StaleDataError

from app.content import revisions
from app.content.audit import Actor, record
from app.content.permissions import NotAllowed, allowed_statuses, require
from app.content.rendering import render_markdown
from app.content.slugs import post_slug, save_with_unique_slug
from app.content.taxonomy import default_category, tags_from_names
from app.content.text import derive_excerpt
from app.content.visibility import public_post_clauses
from app.extensions import db
from app.models import Category, Post, PostStatus, Tag, User, utcnow

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
    seo_title: str = ""
    seo_description: str = ""
    noindex: bool = False


class StatusNotAllowed(NotAllowed):
    """The actor's role may not give the post this status (publishing without the right)."""


def save_post(
    post: Post | None,
    draft: PostDraft,
    *,
    by: Actor,
    author: User | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Post:
    """Create (``post`` None) or update a post as ``by``; flushed, not committed.

    ``by`` is a signed-in person, whose role decides (:class:`NotAllowed`,
    :class:`StatusNotAllowed`), or a named system actor (command line, demo content), which
    may do anything. A new post belongs to ``author`` (default: the person acting).
    ``expected_version`` is the version the form was loaded at: an older one raises
    :class:`revisions.ConflictError`. A typed slug that is taken raises
    :class:`app.content.slugs.SlugTaken`. After any of these, roll back.
    """
    user = by.user
    require(by, "create_post" if post is None else "edit_post", post)
    if user is not None and draft.status not in allowed_statuses(user, post):
        raise StatusNotAllowed("Your role cannot publish this post.")
    if draft.translation_of is not None and draft.translation_of != (post and post.id):
        # Linking changes the other post too ("Also in", hreflang).
        require(by, "edit_post", db.session.get(Post, draft.translation_of))
    old_status = post.status if post is not None else None
    # Terms first: a new tag or the default category is written in its own savepoint, which
    # flushes whatever is pending, so the post must not have changed yet.
    terms = _terms_of(draft)
    if post is None:
        owner = author or user
        if owner is None:
            raise ValueError("A new post needs an author.")
        if owner.id is None:
            db.session.flush()  # a new account (demo content) gets its id first
        # By id: setting the relationship would put the post in the owner's collection, and
        # the slug's savepoint must be the first to write the post.
        post = Post(slug="", author_id=owner.id)
    else:
        revisions.check_version(post, expected_version)
    autosave_key = revisions.autosave_key("post", post.id)
    slug, fixed = _slug_wanted(post, draft)
    try:
        revisions.bump_version(post)
        _apply_draft(post, draft, now=now, terms=terms)
        save_with_unique_slug(post, slug, fixed=fixed)
    except StaleDataError:  # the UPDATE found a newer version than the one checked above
        raise revisions.ConflictError from None
    if old_status is None and draft.translation_of is not None:
        set_translation(post, draft.translation_of)
    record_status_change(post, old_status, by)
    revisions.record_revision(post, user)
    if user is not None:
        revisions.discard_autosave(user, autosave_key)
    return post


def delete_post(post: Post, *, by: Actor) -> None:
    """Delete ``post`` as ``by`` (its revisions and autosaves go with it) and audit it."""
    require(by, "delete_post", post)
    record("post.deleted", by, post, {"status": post.status})
    db.session.delete(post)
    db.session.flush()


def _slug_wanted(post: Post, draft: PostDraft) -> tuple[str, bool]:
    """The slug to save ``post`` under, and whether it is fixed (typed or kept) or a stem."""
    requested = draft.slug.strip()
    if requested and requested == post.slug:
        return post.slug, True  # unchanged, even if not ASCII (imported WordPress slugs stay)
    if requested:
        return post_slug(requested), True
    if post.slug:
        return post.slug, True
    return post_slug(draft.title.strip()), False


def _apply_draft(
    post: Post,
    draft: PostDraft,
    *,
    now: datetime | None = None,
    terms: tuple[list[Category], list[Tag]] | None = None,
) -> Post:
    """Copy a submission onto ``post`` (all but the slug), rendering the body and deriving the
    excerpt; :func:`save_post` calls it after the rights are checked."""
    now = now or utcnow()
    post.title = draft.title.strip()
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
    post.seo_title = draft.seo_title.strip() or None
    post.seo_description = draft.seo_description.strip() or None
    post.noindex = draft.noindex
    categories, tags = terms if terms is not None else _terms_of(draft)
    with db.session.no_autoflush:
        post.categories = categories
        post.tags = tags
    if post.id is not None:
        set_translation(post, draft.translation_of)
    if draft.published_at is not None:
        post.published_at = draft.published_at
    elif draft.status in PUBLIC_OR_PRIVATE and post.published_at is None:
        post.published_at = now
    return post


def _terms_of(draft: PostDraft) -> tuple[list[Category], list[Tag]]:
    """The draft's categories (the default one if none) and tags (new ones created)."""
    with db.session.no_autoflush:
        categories = (
            list(db.session.scalars(db.select(Category).where(Category.id.in_(draft.category_ids))))
            if draft.category_ids
            else []
        )
    return categories or [default_category()], tags_from_names(draft.tag_names)


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
