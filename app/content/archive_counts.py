"""The footer's archive list as stored counts, so recomputing it costs O(months), not O(posts).

``archive_month_counts`` holds, per month of the site's calendar, how many posts are published,
scheduled ones included (their date has not come yet); ``archive_counts_state`` holds, in its
one row, the timezone those months are in. The archive list (app.content.archives) is then the
stored counts minus the scheduled posts still to come, which are few and found through the
public date index.

Kept in step in the same transaction as the posts:

- through the ORM: a flush listener takes, for each post that is new, deleted, or whose status
  or date changed, -1 from its old month if it was published and +1 to its new month if it is,
  and applies them with one upsert (``INSERT ... ON CONFLICT (month) DO UPDATE``);
- in bulk (the WordPress importer; the bench generator and a fresh migration, which leave the
  tables empty): the writer calls :func:`mark_stale`, and the next read rebuilds the counts
  from the posts (:func:`replace_counts`). A change of the ``site_timezone`` setting makes the
  stored timezone differ from the setting, which is stale too.

Races: every writer of the counts first upserts the state row, which creates it if missing and
locks it until the transaction ends (SQLite has a single writer anyway), so applying deltas,
marking stale and rebuilding are serialized. A rebuild claims the row by compare-and-set (sets
the timezone only if it differs; a second worker rebuilding at once waits, finds the work done
and does nothing), then deletes and re-inserts the counts in the same transaction, from a
snapshot taken once it holds the lock (so every writer that committed before is included, and
none is counted twice); a writer waiting on the lock then adds its deltas to the rebuilt counts,
in the timezone the rebuild wrote. A reader whose own transaction holds the lock (it saved a
post and has not committed) does not rebuild, which would wait for itself: it counts the posts
directly, as before the counts were stored.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, Select, delete, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.content.dates import to_site_time
from app.models import Post, PostStatus, archive_counts_state, archive_month_counts

STATE_ID = 1
# Set in ``session.info`` while the session's transaction holds the state row's lock.
_HOLDS_LOCK = "broadside.archive_counts_locked"


def month_of(moment: datetime, timezone: str) -> str:
    """``moment``'s month on the site's clock, as the stored counts key it: ``'2026-11'``."""
    return to_site_time(moment, timezone).strftime("%Y-%m")


def _insert(connection: Connection, table):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def lock_state(connection: Connection) -> str | None:
    """Make sure the state row exists and lock it until the transaction ends (an upsert that
    sets the timezone to itself: one statement); return the timezone the counts are in (None:
    stale)."""
    state = archive_counts_state
    statement = _insert(connection, state).values(id=STATE_ID, timezone=None)
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={"timezone": state.c.timezone}
    )
    return connection.scalar(statement.returning(state.c.timezone))


def stored_timezone(connection: Connection) -> str | None:
    return connection.scalar(
        select(archive_counts_state.c.timezone).where(archive_counts_state.c.id == STATE_ID)
    )


def mark_stale(connection: Connection) -> None:
    """Posts were written behind the flush listener: the next read rebuilds the counts."""
    connection.execute(
        update(archive_counts_state)
        .where(archive_counts_state.c.id == STATE_ID)
        .values(timezone=None)
    )


def add_counts(connection: Connection, deltas: dict[str, int]) -> None:
    """Add ``deltas`` (month -> change) to the stored counts, atomically per month."""
    rows = [{"month": m, "posts": n} for m, n in sorted(deltas.items()) if n]
    if not rows:
        return
    statement = _insert(connection, archive_month_counts)
    statement = statement.on_conflict_do_update(
        index_elements=["month"],
        set_={"posts": archive_month_counts.c.posts + statement.excluded.posts},
    )
    connection.execute(statement, rows)


def claim_rebuild(connection: Connection, timezone: str) -> bool:
    """Compare-and-set: lock the state row and set it to ``timezone`` unless it already is.
    False: another worker rebuilt the counts for ``timezone`` meanwhile (nothing to do; the
    row is locked all the same, until the transaction ends)."""
    state = archive_counts_state
    statement = _insert(connection, state).values(id=STATE_ID, timezone=timezone)
    statement = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={"timezone": statement.excluded.timezone},
        where=state.c.timezone.is_distinct_from(statement.excluded.timezone),
    )
    return connection.scalar(statement.returning(state.c.id)) is not None


def replace_counts(connection: Connection, counts: Select) -> None:
    """The stored counts become ``counts`` (month, published posts), in one transaction with
    :func:`claim_rebuild`, which must come first."""
    connection.execute(delete(archive_month_counts))
    connection.execute(archive_month_counts.insert().from_select(["month", "posts"], counts))


def holds_lock(session: Session) -> bool:
    """Whether the session's transaction holds the state row (a rebuild on another connection
    would wait for it)."""
    return bool(session.info.get(_HOLDS_LOCK))


# ---- the flush listener -------------------------------------------------------------------

_UNKNOWN = object()


def _values(post: Post, name: str, *, deleted: bool) -> tuple[object, object]:
    """(old, new) of one attribute as of this flush; ``_UNKNOWN`` where it was never loaded."""
    history = inspect(post).attrs[name].history
    if history.unchanged:
        return history.unchanged[0], history.unchanged[0]
    if not history.has_changes():  # not loaded, so not changed either
        value = _UNKNOWN if deleted else getattr(post, name)
        return value, value
    # Both attributes keep active history, so the old value was loaded: none deleted is None.
    old = history.deleted[0] if history.deleted else None
    return old, history.added[0] if history.added else None


def _month_if_published(status, published_at, timezone: str) -> str | None:
    if status == PostStatus.PUBLISHED and published_at is not None:
        return month_of(published_at, timezone)
    return None


def _after_flush(session: Session, flush_context) -> None:
    # (old status, old date, new status, new date); None stands for "not a post then".
    changes: list[tuple] = []
    for post in session.new:
        if isinstance(post, Post):
            changes.append((None, None, post.status, post.published_at))
    for post in session.dirty:
        if not isinstance(post, Post):
            continue
        state = inspect(post).attrs
        if not (state.status.history.has_changes() or state.published_at.history.has_changes()):
            continue
        old_status, new_status = _values(post, "status", deleted=False)
        old_date, new_date = _values(post, "published_at", deleted=False)
        changes.append((old_status, old_date, new_status, new_date))
    for post in session.deleted:
        if isinstance(post, Post):
            old_status, _ = _values(post, "status", deleted=True)
            old_date, _ = _values(post, "published_at", deleted=True)
            changes.append((old_status, old_date, None, None))
    relevant = [
        change
        for change in changes
        if PostStatus.PUBLISHED in (change[0], change[2]) or _UNKNOWN in change
    ]
    if not relevant:
        return
    connection = session.connection()
    timezone = lock_state(connection)
    session.info[_HOLDS_LOCK] = True
    if timezone is None:
        return  # stale already: the next read counts every post
    if any(_UNKNOWN in change for change in relevant):
        mark_stale(connection)  # an old value was never loaded: count again rather than guess
        return
    deltas: Counter[str] = Counter()
    for old_status, old_date, new_status, new_date in relevant:
        old_month = _month_if_published(old_status, old_date, timezone)
        new_month = _month_if_published(new_status, new_date, timezone)
        if old_month != new_month:
            if old_month:
                deltas[old_month] -= 1
            if new_month:
                deltas[new_month] += 1
    add_counts(connection, deltas)


def _transaction_ended(session: Session, *args) -> None:
    session.info.pop(_HOLDS_LOCK, None)


def install_listeners() -> None:
    """Called by ``create_app`` (``register_model_hooks``)."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _transaction_ended),
        ("after_rollback", _transaction_ended),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)
