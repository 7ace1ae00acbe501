"""The date copied into a post's category and tag links, kept in step with the post.

``post_categories.published_at`` and ``post_tags.published_at`` hold the post's date while it is
published, else NULL (the rule: app.content.visibility ``link_published_at``). Term archives walk
those links newest-first through a partial index, so a page costs the same rows whatever the
term's share of the posts (app.content.archives).

Whoever writes, the copy changes in the same transaction:

- through the ORM: a flush listener re-copies the date of every post that is new or whose
  status, date, categories or tags changed (one UPDATE per link table);
- in bulk (Core inserts of links, the WordPress importer, tag merges, the bench generator):
  the writer calls :func:`sync_link_dates` for the posts it touched.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, event, inspect, select, update
from sqlalchemy.orm import Session

from app.content.visibility import link_published_at
from app.models import Post, post_categories, post_tags

# What a link's copy depends on: the post's status and date, and which links exist.
_FIELDS = ("status", "published_at", "categories", "tags")
_CHUNK = 5000


def sync_link_dates(connection: Connection, post_ids: Iterable[int]) -> None:
    """Copy the date of each post in ``post_ids`` into all of its category and tag links."""
    ids = sorted(set(post_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for link in (post_categories, post_tags):
            value = select(link_published_at()).where(Post.id == link.c.post_id)
            connection.execute(
                update(link)
                .where(link.c.post_id.in_(bindparam("ids", expanding=True)))
                .values(published_at=value.scalar_subquery()),
                {"ids": chunk},
            )


def _changed(post: Post) -> bool:
    attrs = inspect(post).attrs
    return any(attrs[name].history.has_changes() for name in _FIELDS)


def _after_flush(session: Session, flush_context) -> None:
    post_ids = {obj.id for obj in session.new if isinstance(obj, Post)}
    post_ids |= {obj.id for obj in session.dirty if isinstance(obj, Post) and _changed(obj)}
    post_ids -= {obj.id for obj in session.deleted if isinstance(obj, Post)}
    if post_ids:
        sync_link_dates(session.connection(), post_ids)


def install_listeners() -> None:
    """Called by ``create_app`` (``register_model_hooks``)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
