"""Archives: the posts of a category (with its sub-categories), a tag, an author or a calendar
period, and the archive navigation: months that have visible posts, with their counts, grouped
by year.

The navigation reads stored counts per month (app.content.archive_counts) minus the scheduled
posts still to come, so its cost follows the number of months, not of posts. Rebuilding those
counts (fresh tables, bulk writes, a new timezone) is one GROUP BY over the ``(status,
published_at)`` index: no post rows or bodies are loaded. Months are the site's calendar months
(its timezone), exactly as the ``/yyyy/mm/`` archives bound them: PostgreSQL converts with
``AT TIME ZONE``; SQLite, which has no timezone database, gets a small SQL function (registered
on each connection) that uses Python's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    Table,
    bindparam,
    case,
    func,
    literal,
    select,
    union,
    union_all,
)
from sqlalchemy.engine import Engine

from app.caching.fragments import per_site_state, per_value
from app.caching.generation import current_state
from app.content import archive_counts
from app.content.dates import MAX_YEAR, MIN_YEAR, from_site_time
from app.content.listing import PUBLISHED, Query, card_options
from app.content.settings import get_setting
from app.content.taxonomy import CategoryRef, category_by_slug, category_outline, descendant_ids
from app.content.visibility import (
    open_body_clauses,
    public_link_clauses,
    public_post_clauses,
    public_posts_query,
    scheduled_post_clauses,
)
from app.extensions import db, listen_once
from app.models import (
    Post,
    Tag,
    User,
    archive_counts_state,
    archive_month_counts,
    post_categories,
    post_tags,
    utcnow,
)

SQLITE_FUNCTION = "broadside_local_month"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_month(stored: str | None, timezone: str) -> str | None:
    """``'2020-01-31 23:30:00'`` (naive UTC, as SQLite stores it) -> ``'2020-02'`` in ``timezone``."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    try:
        return moment.astimezone(_zone(timezone)).strftime("%Y-%m")
    except (OverflowError, ValueError):  # year 1 west of UTC: keep the UTC month, never fail
        return moment.strftime("%Y-%m")


def install_listeners() -> None:
    """Give every new SQLite connection the month function. Called by ``create_app``
    (``register_model_hooks``) before the first connection is made."""
    listen_once(Engine, "connect", _register_sqlite_function)


def _register_sqlite_function(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.create_function(SQLITE_FUNCTION, 2, _local_month, deterministic=True)


@dataclass(frozen=True)
class ArchiveMonth:
    year: int
    month: int
    count: int

    @property
    def name(self) -> str:
        return f"{datetime(self.year, self.month, 1):%B}"


@dataclass(frozen=True)
class ArchiveYear:
    year: int
    count: int
    months: list[ArchiveMonth]


def _month_expression(timezone: str):
    if db.engine.dialect.name == "postgresql":
        local = func.timezone(literal(timezone), func.timezone("UTC", Post.published_at))
        return func.to_char(local, "YYYY-MM")
    # Python's timezone conversion is ~15 µs a row (1.4 s for 100,000 posts). A moment on the
    # 2nd to 27th of a UTC month is in that same month everywhere (offsets stay within ±14 h),
    # so only the first and last days of each month need it; the rest is SQLite's substr.
    day = func.substr(Post.published_at, 9, 2)
    return case(
        (day.between("02", "27"), func.substr(Post.published_at, 1, 7)),
        else_=getattr(func, SQLITE_FUNCTION)(Post.published_at, literal(timezone)),
    )


def archive_years(now: datetime | None = None) -> list[ArchiveYear]:
    """Years, newest first, each with its months (newest first) and their visible post counts.

    Read from the stored counts (app.content.archive_counts) minus the scheduled posts still to
    come: O(months), not O(posts). Without ``now``, the result is also kept per site state
    (app.caching.fragments): the state changes with every public change and when a scheduled
    post's time comes, so the counts are never stale, and they are read once per change instead
    of on every page view."""
    if now is not None:
        return _stored_months(now)
    timezone = get_setting("site_timezone")
    return per_site_state("archive_years", lambda: _stored_months(utcnow()), timezone)


def _stored_months(now: datetime) -> list[ArchiveYear]:
    """One statement: the state row's timezone, the stored counts, and minus the scheduled
    posts still to come per month. Stale counts are rebuilt first (:func:`_rebuild`)."""
    timezone = get_setting("site_timezone")
    for _attempt in range(2):
        counts, stored = _read_stored(now, timezone)
        if stored == timezone:
            return _as_years(sorted(counts.items(), reverse=True))
        if not _rebuild(timezone):
            break
    return _count_months(now)  # could not rebuild here: count every post, as before


def _read_stored(now: datetime, timezone: str) -> tuple[dict[str, int], str | None]:
    state, stored = archive_counts_state, archive_month_counts
    bucket = _month_expression(timezone)
    rows = db.session.execute(
        union_all(
            select(literal("zone"), state.c.timezone, literal(0)).where(
                state.c.id == archive_counts.STATE_ID
            ),
            select(literal("month"), stored.c.month, stored.c.posts),
            # Scheduled posts not yet arrived: a range of the public date index past ``now``.
            select(literal("month"), bucket, -func.count())
            .select_from(Post)
            .where(*scheduled_post_clauses(now))
            .group_by(bucket),
        )
    ).all()
    zone = None
    counts: Counter[str] = Counter()
    for kind, key, posts in rows:
        if kind == "zone":
            zone = key
        else:
            counts[key] += posts
    return {month: posts for month, posts in counts.items() if posts > 0}, zone


def _rebuild(timezone: str) -> bool:
    """Count every published post again into the stored counts, in a transaction of its own
    (the reader's is usually a GET's, which is never committed). False: not possible here,
    because this session's own transaction holds the lock the rebuild would wait for."""
    if archive_counts.holds_lock(db.session()) or _sqlite_session_writing():
        return False

    bucket = _month_expression(timezone).label("bucket")
    counts = (
        select(bucket, func.count())
        .select_from(Post)
        .where(Post.status == PUBLISHED, Post.published_at.is_not(None))
        .group_by(bucket)
    )
    with db.engine.begin() as connection:
        if archive_counts.claim_rebuild(connection, timezone):
            archive_counts.replace_counts(connection, counts)
    return True


def _sqlite_session_writing() -> bool:
    """On SQLite, a session that has written holds the database's write lock."""
    session = db.session()
    if db.engine.dialect.name != "sqlite" or not session.in_transaction():
        return False
    dbapi = session.connection().connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", False))


def _count_months(now: datetime) -> list[ArchiveYear]:
    """The archive list counted from the posts (one GROUP BY over every public post)."""
    bucket = _month_expression(get_setting("site_timezone")).label("bucket")
    rows = db.session.execute(
        db.select(bucket, func.count())
        .select_from(Post)
        .where(*public_post_clauses(now))
        .group_by(bucket)
        .order_by(bucket.desc())
    ).all()
    return _as_years(rows)


def _as_years(rows) -> list[ArchiveYear]:
    """(month key, count) pairs, newest first -> years with their months."""
    years: dict[int, list[ArchiveMonth]] = {}
    for key, count in rows:
        year, month = (int(part) for part in key.split("-"))
        years.setdefault(year, []).append(ArchiveMonth(year, month, count))
    return [
        ArchiveYear(year, sum(m.count for m in months), months) for year, months in years.items()
    ]


# ---- the posts of one archive (queries the public archive pages paginate) -----------------

# What an archive lists: ``listing(depth, *conditions)`` is a ``Query`` of its public posts,
# newest first, narrowed by ``conditions`` on posts (language, no password ...), without loader
# options; ``depth`` is how many rows from the newest the caller will read at most (offset +
# page + 1), which a category with sub-categories needs to bound each sub-category's range.
Listing = Callable[..., Query]


def find_archive(kind: str, slug: str) -> tuple[CategoryRef | TagRef | AuthorRef, Listing] | None:
    """The category, tag or author ``slug`` and its :data:`Listing` (for its page and its
    feed): a category's includes its sub-categories. None: there is no such archive."""
    if kind == "category":
        # The category and its tree from the outline kept per site state: no query.
        category = category_by_slug(slug)
        if category is None:
            return None
        ids = sorted({category.id} | descendant_ids(category.id, category_outline()))
        return category, partial(term_posts, post_categories, post_categories.c.category_id, ids)
    if kind == "tag":
        tag = _subject(TagRef, _by_slug(Tag), slug)
        if tag is None:
            return None
        return tag, partial(term_posts, post_tags, post_tags.c.tag_id, [tag.id])
    if kind == "author":
        author = _subject(AuthorRef, _author_by_slug(), slug)
        if author is None:
            return None

        def by_author(
            depth: int,
            *conditions: ColumnElement[bool],
            open_only: bool = False,
            language: str | None = None,
        ) -> Query:
            values = {"author_id": author.id, "visible_until": utcnow()}
            if language:
                values["language"] = language
            statement = _author_posts_sql(open_only, bool(language))
            return Query(statement.where(*conditions) if conditions else statement, values)

        return author, by_author
    raise ValueError(f"no archive kind {kind!r}")


class TagRef(NamedTuple):
    """What a tag's archive and feed show of the tag."""

    id: int
    name: str
    slug: str
    description: str


class AuthorRef(NamedTuple):
    """What an author's archive and feed show of the account: never its e-mail, password hash
    or second-factor secret."""

    id: int
    display_name: str
    slug: str
    bio: str


# Tags and authors looked up by their address, kept per site state (renaming one is a public
# change, which starts a new state): a site may have tens of thousands of tags, so no outline
# of them is kept as for categories, only the most recently viewed.
SUBJECTS_KEPT = 1000


def _subject(shape: type[TagRef] | type[AuthorRef], statement: Select, slug: str):
    """The tag or author at ``slug`` as a plain row (None: none there), read once per site
    state and worker while it is among the ``SUBJECTS_KEPT`` most recently viewed."""

    def read():
        row = db.session.execute(statement, {"slug": slug}).first()
        return None if row is None else shape(*row)

    key = (shape.__name__, current_state().tag, slug)
    return per_value(key, read, store="broadside.archive_subjects", limit=SUBJECTS_KEPT)


# Statements below are built once (per shape) and given each request's values as parameters:
# building them cost more than running them.


@lru_cache(maxsize=2)
def _by_slug(model: type) -> Select:
    return select(model.id, model.name, model.slug, model.description).where(
        model.slug == bindparam("slug")
    )


@lru_cache(maxsize=1)
def _author_by_slug() -> Select:
    """An author as a public page shows them: never the account's e-mail, password hash or
    second-factor secret."""
    return select(User.id, User.display_name, User.slug, User.bio).where(
        User.slug == bindparam("slug")
    )


@lru_cache(maxsize=4)
def _author_posts_sql(open_only: bool = False, by_language: bool = False) -> Select:
    return (
        select(Post)
        .where(
            *public_post_clauses(bindparam("visible_until")),
            Post.author_id == bindparam("author_id"),
            *_narrowing(open_only, by_language),
        )
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def term_posts(
    link: Table,
    term: Column,
    term_ids: list[int],
    depth: int,
    *conditions: ColumnElement[bool],
    now: datetime | None = None,
    open_only: bool = False,
    language: str | None = None,
) -> Query:
    """The public posts linked to any of ``term_ids`` through ``link`` (post_categories or
    post_tags), newest first, each once; ``open_only``: those whose body any visitor may read
    (a feed's), ``language``: in that language (both narrow a statement built once, unlike
    ``conditions``, which build one for the request).

    The order comes from the link's own ``(term, published_at, post_id)`` partial index, so a
    page reads offset + page rows however rare the term is (the posts' date index, probing the
    link, reads that divided by the term's share of all posts). Several terms (a category with
    its sub-categories): one range per term, each stopped at ``depth`` rows, merged without
    duplicates (a post in two sub-categories), then joined to the posts: at most
    (number of terms) x depth link rows."""
    values = {"visible_until": utcnow() if now is None else now, "depth": depth}
    values.update((f"term_{n}", term_id) for n, term_id in enumerate(term_ids))
    if language:
        values["language"] = language
    if conditions:  # a language filter, say: built for this request
        narrow = (*conditions, *_narrowing(open_only, bool(language)))
        statement = _build_term_posts(link, term, len(term_ids), narrow)
    else:
        statement = _plain_term_posts_sql(link.name, len(term_ids), open_only, bool(language))
    return Query(statement, values)


def _narrowing(open_only: bool, by_language: bool) -> tuple[ColumnElement[bool], ...]:
    """The conditions of ``open_only`` and ``language`` (a bound parameter ``language``)."""
    return (
        *(open_body_clauses() if open_only else ()),
        *((Post.language == bindparam("language"),) if by_language else ()),
    )


_LINKS = {
    post_categories.name: (post_categories, post_categories.c.category_id),
    post_tags.name: (post_tags, post_tags.c.tag_id),
}


@lru_cache(maxsize=64)
def _plain_term_posts_sql(
    link_name: str, terms: int, open_only: bool = False, by_language: bool = False
) -> Select:
    link, term = _LINKS[link_name]
    return _build_term_posts(link, term, terms, _narrowing(open_only, by_language))


def _build_term_posts(
    link: Table, term: Column, terms: int, conditions: tuple[ColumnElement[bool], ...]
) -> Select:
    """:func:`term_posts`'s statement for ``terms`` term ids: parameters ``term_0`` ...,
    ``visible_until`` and ``depth``."""
    now = bindparam("visible_until")
    if terms == 1:
        query = (
            select(Post)
            .join(link, link.c.post_id == Post.id)
            .where(term == bindparam("term_0"), *public_link_clauses(link, now))
            .order_by(link.c.published_at.desc(), link.c.post_id.desc())
        )
    else:
        ranges = []
        for n in range(terms):
            one = select(link.c.post_id, link.c.published_at).where(
                term == bindparam(f"term_{n}"), *public_link_clauses(link, now)
            )
            if conditions:
                one = one.join(Post, Post.id == link.c.post_id).where(*conditions)
            one = one.order_by(link.c.published_at.desc(), link.c.post_id.desc()).limit(
                bindparam("depth")
            )
            inner = one.subquery()
            ranges.append(select(inner.c.post_id, inner.c.published_at))
        merged = union(*ranges).subquery("term_posts")
        query = (
            select(Post)
            .join(merged, merged.c.post_id == Post.id)
            .order_by(merged.c.published_at.desc(), merged.c.post_id.desc())
        )
    return query.where(*public_post_clauses(now), *conditions)


def archive_posts(
    kind: str, slug: str
) -> tuple[CategoryRef | TagRef | AuthorRef, Callable[..., Query | Select]] | None:
    """The archive's subject and its public posts, newest first, as cards (see
    :func:`find_archive`): ``listing(depth, *conditions, language=None)``, which
    ``listing.paginate`` calls."""
    found = find_archive(kind, slug)
    if found is None:
        return None
    subject, posts = found

    def cards(
        depth: int, *conditions: ColumnElement[bool], language: str | None = None
    ) -> Query | Select:
        found = posts(depth, *conditions, language=language)
        if conditions:  # a shape of this request's own: a plain select
            return found.select().options(*card_options())
        return Query(_as_cards(found.statement), found.values)

    return subject, cards


@lru_cache(maxsize=128)
def _as_cards(statement: Select) -> Select:
    """An archive's statement (built once per shape) reading cards, kept with it."""
    return statement.options(*card_options())


def period_bounds(year: int, month: int | None) -> tuple[datetime, datetime]:
    """The UTC instants bounding a year or month of the site's calendar."""
    timezone = get_setting("site_timezone")
    if month is None:
        start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    else:
        start = datetime(year, month, 1)
        end = datetime(year + (month == 12), month % 12 + 1, 1)
    return from_site_time(start, timezone), from_site_time(end, timezone)


def period_posts(year: int, month: int | None = None) -> Query | None:
    """The public posts of a year or month of the site's calendar (None: no such period)."""
    if not (MIN_YEAR <= year <= MAX_YEAR and (month is None or 1 <= month <= 12)):
        return None
    start, end = period_bounds(year, month)
    # One upper bound only: "visible by now" and "before the period's end" merged into the
    # earlier of the two. SQLite uses a single upper bound of an index range, and picking
    # "<= now" for a past year would walk every newer post first.
    until = min(utcnow(), end - timedelta(microseconds=1))
    return public_posts_query(until, since=start)
