"""No lost work: revisions of posts and pages, the lost-update check, and autosaved copies.

- Every save keeps a :class:`Revision` (who, when, title, body source, excerpt, status).
  Restoring one saves its text again, so the restore is itself a new revision.
- A post form carries the ``version`` it was loaded at. Saving checks it (and the UPDATE repeats
  the check in SQL, see ``Post.version``), so a save based on an outdated copy never overwrites.
- An :class:`Autosave` is the latest unsaved copy of a form per user and post; it never touches
  the live post.

No request code here: views pass the acting user.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from app.content.settings import get_setting
from app.extensions import db, listen_once
from app.models import Autosave, Page, Post, Revision, User, utcnow

# Form fields an autosave keeps (what the writer typed; never the CSRF token).
AUTOSAVE_FIELDS = (
    "title",
    "slug",
    "body",
    "excerpt",
    "status",
    "published_at",
    "language",
    "tags",
    "byline_name",
    "source_name",
    "source_url",
    "source_published_on",
    "translation_of",
    "parent",
    "menu_order",
)
AUTOSAVE_MAX_CHARS = 250_000


class ConflictError(Exception):
    """Someone else saved the post after this form was loaded."""


def content_type_of(item: Post | Page) -> str:
    return "post" if isinstance(item, Post) else "page"


def record_revision(item: Post | Page, author: User | None, note: str = "") -> Revision:
    """Keep the state ``item`` was just saved in (call after the save, before committing)."""
    if item.id is None:
        db.session.flush()
    revision = Revision(
        content_type=content_type_of(item),
        content_id=item.id,
        author_id=author.id if author is not None and author.is_authenticated else None,
        created_at=utcnow(),
        title=item.title,
        body_source=item.body_source or "",
        excerpt=getattr(item, "custom_excerpt", None) or "",
        status=item.status,
        note=note,
    )
    db.session.add(revision)
    db.session.flush()
    prune(item)
    return revision


def prune(item: Post | Page) -> int:
    """Drop the oldest revisions beyond the ``revisions_to_keep`` setting (0: keep all)."""
    keep = int(get_setting("revisions_to_keep") or 0)
    if keep <= 0:
        return 0
    kind = content_type_of(item)
    newest = (
        select(Revision.id)
        .where(Revision.content_type == kind, Revision.content_id == item.id)
        .order_by(Revision.id.desc())
        .limit(keep)
    )
    kept = list(db.session.scalars(newest))
    if len(kept) < keep:
        return 0
    result = db.session.execute(
        delete(Revision).where(
            Revision.content_type == kind,
            Revision.content_id == item.id,
            Revision.id < min(kept),
        )
    )
    return result.rowcount or 0


def revisions_of(item: Post | Page) -> list[Revision]:
    """Newest first, with their authors, without the texts (a list never loads bodies)."""
    from sqlalchemy.orm import joinedload, load_only

    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.content_type == content_type_of(item), Revision.content_id == item.id)
            .options(
                load_only(
                    Revision.id,
                    Revision.content_type,
                    Revision.content_id,
                    Revision.author_id,
                    Revision.created_at,
                    Revision.title,
                    Revision.status,
                    Revision.note,
                ),
                joinedload(Revision.author),
            )
            .order_by(Revision.id.desc())
        )
    )


def get_revision(item: Post | Page, revision_id: int) -> Revision | None:
    revision = db.session.get(Revision, revision_id)
    if (
        revision is None
        or revision.content_type != content_type_of(item)
        or revision.content_id != item.id
    ):
        return None
    return revision


def check_version(post: Post, form_version: int | None) -> None:
    """Raise :class:`ConflictError` when the form was loaded from an older version of ``post``."""
    if form_version is not None and form_version != post.version:
        raise ConflictError


def bump_version(post: Post) -> None:
    """Mark a content save: the UPDATE checks the old version and stores the next one."""
    if post.id is not None:
        post.version = (post.version or 1) + 1


def diff_table(old: str, new: str, old_label: str, new_label: str) -> str:
    """A side-by-side HTML diff (difflib; the text is escaped by it, no inline script or style)."""
    differ = difflib.HtmlDiff(wrapcolumn=70)
    return differ.make_table(
        (old or "").splitlines(),
        (new or "").splitlines(),
        fromdesc=old_label,
        todesc=new_label,
        context=True,
        numlines=3,
    )


def unified_diff(old: str, new: str) -> list[str]:
    return list(
        difflib.unified_diff((old or "").splitlines(), (new or "").splitlines(), lineterm="", n=2)
    )


# ---- autosave ------------------------------------------------------------------------------


def autosave_key(kind: str, content_id: int | None) -> str:
    return f"{kind}-{content_id if content_id is not None else 'new'}"


def store_autosave(
    user: User, key: str, fields: dict[str, Any], base_version: int | None
) -> Autosave:
    """Keep the latest copy of the form for ``user`` and ``key`` (insert or overwrite)."""
    kept = {name: str(fields.get(name, ""))[:AUTOSAVE_MAX_CHARS] for name in AUTOSAVE_FIELDS}
    copy = db.session.scalar(
        select(Autosave).where(Autosave.user_id == user.id, Autosave.key == key)
    )
    if copy is None:
        copy = Autosave(user_id=user.id, key=key)
        db.session.add(copy)
    copy.fields = kept
    copy.saved_at = utcnow()
    copy.base_version = base_version
    return copy


def pending_autosave(user: User, key: str, item: Post | Page | None) -> Autosave | None:
    """The user's autosave for ``key`` if it is worth offering: newer than the saved item and
    different from it."""
    copy = db.session.scalar(
        select(Autosave).where(Autosave.user_id == user.id, Autosave.key == key)
    )
    if copy is None:
        return None
    if item is not None:
        saved_at: datetime | None = item.updated_at
        same_text = (
            copy.fields.get("body", "") == (item.body_source or "")
            and copy.fields.get("title", "") == item.title
        )
        if same_text or (saved_at is not None and copy.saved_at <= saved_at):
            return None
    elif not (copy.fields.get("body") or copy.fields.get("title")):
        return None
    return copy


def discard_autosave(user: User, key: str) -> None:
    db.session.execute(delete(Autosave).where(Autosave.user_id == user.id, Autosave.key == key))


def install_listeners() -> None:
    """Revisions have no foreign key (one table for posts and pages): remove them with their
    item. Called by ``create_app`` (``register_model_hooks``)."""
    listen_once(Post, "after_delete", _drop_post_revisions)
    listen_once(Page, "after_delete", _drop_page_revisions)


def _drop_post_revisions(mapper, connection, target: Post) -> None:
    connection.execute(
        delete(Revision).where(Revision.content_type == "post", Revision.content_id == target.id)
    )
    connection.execute(delete(Autosave).where(Autosave.key == f"post-{target.id}"))


def _drop_page_revisions(mapper, connection, target: Page) -> None:
    connection.execute(
        delete(Revision).where(Revision.content_type == "page", Revision.content_id == target.id)
    )
    connection.execute(delete(Autosave).where(Autosave.key == f"page-{target.id}"))


def restore_revision(item: Post | Page, revision: Revision, author: User) -> Revision:
    """Put ``revision``'s title, body and excerpt back (status and dates stay as they are) and keep
    that as a new revision; the caller commits."""
    from app.content.rendering import render_markdown
    from app.content.text import derive_excerpt

    item.title = revision.title
    item.body_source = revision.body_source
    item.body_html = render_markdown(revision.body_source)
    if isinstance(item, Post):
        item.custom_excerpt = revision.excerpt or None
        item.excerpt = revision.excerpt or derive_excerpt(item.body_html)
        bump_version(item)
    item.updated_at = utcnow()
    return record_revision(item, author, note=f"restored from revision {revision.id}")
