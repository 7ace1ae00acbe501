"""What the home page shows: headlines, pinned posts, the newest posts and the newest post of
each featured category.

The first page is one statement on PostgreSQL and two on SQLite, whatever the size of the
site. The cards are one ``UNION ALL`` of post ids (``first_page``), each part walking its own
index, joined once to the posts for their cards. The headline strip reads plain rows (six
columns), not posts with their authors and pictures: on SQLite a statement of its own, on
PostgreSQL one more member of that union carrying them as a JSON array (a round trip there costs
more than the statement). The statements are built once per shape (set of featured categories)
and reused with new parameters: building them cost more than running them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.content import listing
from app.content.cards import Card, read_cards
from app.content.listing import (
    PostLink,
    Window,
    card_options,
    fold_statements,
    in_categories,
    json_timestamp,
    link_columns,
)
from app.content.taxonomy import CategoryRef, descendant_ids
from app.content.visibility import public_post_clauses
from app.extensions import db
from app.models import Post, utcnow

MAX_PINNED = 10


def headline_posts(limit: int = 20, now: datetime | None = None) -> list[PostLink]:
    parameters = {"now": now or utcnow(), "limit": limit}
    rows = db.session.connection().execute(_headlines_sql(), parameters)  # plain rows
    return [PostLink(*row) for row in rows]


@lru_cache(maxsize=1)
def _headlines_sql():
    return (
        select(*link_columns())
        .where(*public_post_clauses(bindparam("now")))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(bindparam("limit"))
    )


def _headlines_json():
    """The headline strip as one JSON value: an array of :class:`PostLink` rows, newest first."""
    strip = _headlines_sql().subquery("strip")
    row = func.json_build_array(*strip.c)
    newest = aggregate_order_by(row, strip.c.published_at.desc(), strip.c.id.desc())
    return select(func.json_agg(newest)).scalar_subquery()


@dataclass
class FirstPage:
    """What the home page's first page shows besides the headline strip."""

    recent: Window  # the newest posts, pinned ones aside
    pinned: list[Card]
    featured: list[tuple[CategoryRef, Card]]
    headlines: list[PostLink]  # the headline strip: the newest public posts, pinned or not


def first_page(
    per_page: int,
    featured_category_ids: list[int],
    categories: Sequence[CategoryRef],
    language: str | None = None,
    now: datetime | None = None,
    headlines: int = 20,
) -> FirstPage:
    """The home page's first page: its newest posts (pinned ones aside, in ``language`` when
    given), the pinned posts (newest ``MAX_PINNED``), for each featured category (in the
    admins' order) its newest public post, sub-categories included, leaving out the top story,
    which is already shown above, and the ``headlines`` newest public posts as plain rows.

    Each part is a member of a ``UNION ALL`` of post ids that walks its own index, and the
    cards are read once for all of them: one round trip instead of three. On PostgreSQL the
    headline strip is one more member (a JSON array), on SQLite a statement of its own."""
    wanted, shape = _featured_shape(tuple(featured_category_ids), tuple(categories))
    now = now or utcnow()
    parameters = {"now": now, "recent_limit": per_page + 1, "pinned_limit": MAX_PINNED}
    if language:
        parameters["language"] = language
    folded = fold_statements()
    if folded:
        parameters["limit"] = headlines
    statement = _first_page_sql(shape, bool(language), folded)
    # Rows of (slot, category id[, headlines], card): see app.content.cards.
    rows = read_cards(statement, parameters, lead=3 if folded else 2)
    if folded:
        carrier = next(row for row in rows if row[0] == HEADLINES)
        # An outer join: a featured category without a post is a row without one too.
        rows = [(slot, category_id, card) for slot, category_id, _, card in rows if card]
        # JSON has no timestamps: the two dates come as text.
        strip = [PostLink(*values[:4], *map(json_timestamp, values[4:]))
                 for values in carrier[2] or ()]  # fmt: skip
    else:
        strip = headline_posts(headlines, now)
    # Newest first within each part (sorted here: an ORDER BY over the union would sort).
    rows.sort(key=lambda row: (row[0], -row[2].published_at.timestamp(), -row[2].id))
    recent = [card for slot, _, card in rows if slot == RECENT]
    newest = {category_id: card for slot, category_id, card in rows if slot == FEATURED}
    return FirstPage(
        recent=listing.window(recent, 1, per_page),
        pinned=[card for slot, _, card in rows if slot == PINNED],
        featured=[(category, newest[category.id]) for category in wanted if category.id in newest],
        headlines=strip,
    )


RECENT, PINNED, FEATURED, HEADLINES = 0, 1, 2, 3


def _number(value: int) -> ColumnElement[int]:
    """A constant of the statement's shape, written into its text (not a bound parameter):
    slot numbers, category ids and LIMIT 1 are fixed per shape (``_first_page_sql`` is kept
    per shape). The statement then carries 4 parameters instead of 24 for the driver to
    convert and send on every view. (It is still longer than the 4 KB up to which psycopg
    keeps a statement's parsed form: ~60 µs a view on PostgreSQL; a CTE for the top story
    would shorten it, but a statement that does not start with SELECT counts as a write in
    app/read_transactions.py.)"""
    return literal_column(str(int(value)), Integer)


ONE = _number(1)


@lru_cache(maxsize=8)
def _featured_shape(
    featured_category_ids: tuple[int, ...], categories: tuple[CategoryRef, ...]
) -> tuple[tuple[CategoryRef, ...], tuple[tuple[int, tuple[int, ...]], ...]]:
    """The featured categories that exist, in the admins' order, and each with the ids of its
    sub-categories: a pure function of the settings and the categories (walked once, not on
    every view)."""
    by_id = {c.id: c for c in categories}
    wanted = tuple(by_id[cid] for cid in featured_category_ids if cid in by_id)
    shape = tuple(
        (category.id, tuple(sorted({category.id} | descendant_ids(category.id, categories))))
        for category in wanted
    )
    return wanted, shape


@lru_cache(maxsize=32)
def _first_page_sql(
    shape: tuple[tuple[int, tuple[int, ...]], ...], by_language: bool, with_headlines: bool
):
    """Rows (slot, category id, post) for :func:`first_page`. ``shape``: each featured
    category with its ids and its sub-categories' ids. Parameters ``now``, ``recent_limit``,
    ``pinned_limit``; ``by_language``: ``language``. ``with_headlines`` (PostgreSQL): one more
    row, of slot ``HEADLINES`` and no post, whose ``headlines`` column holds the ``limit``
    newest public posts (``_headlines_json``); the other rows' is NULL."""
    public = public_post_clauses(bindparam("now"))
    newest = (Post.published_at.desc(), Post.id.desc())
    unpinned = [*public, Post.sticky == false()]
    if by_language:
        unpinned.append(Post.language == bindparam("language"))
    pinned = [*public, Post.sticky == true()]
    no_category = cast(null(), Integer)
    # The headline strip's column, empty but on its own row (PostgreSQL only).
    no_strip = (cast(null(), JSON).label("headlines"),) if with_headlines else ()
    recent_ids = (
        select(Post.id).where(*unpinned).order_by(*newest).limit(bindparam("recent_limit"))
    ).subquery("recent")
    pinned_ids = (
        select(Post.id).where(*pinned).order_by(*newest).limit(bindparam("pinned_limit"))
    ).subquery("pinned")
    members = [
        select(_number(RECENT).label("slot"), no_category.label("category_id"),
               recent_ids.c.id.label("post_id"), *no_strip),
        select(_number(PINNED), no_category, pinned_ids.c.id, *no_strip),
    ]  # fmt: skip
    if with_headlines:
        members.append(select(_number(HEADLINES), no_category, cast(null(), Integer),
                              _headlines_json()))  # fmt: skip
    if shape:
        top = func.coalesce(
            select(Post.id).where(*pinned).order_by(*newest).limit(ONE).scalar_subquery(),
            select(Post.id).where(*unpinned).order_by(*newest).limit(ONE).scalar_subquery(),
        )
        for category_id, ids in shape:
            newest_id = (
                select(Post.id)
                .where(*public, in_categories(ids), Post.id.is_distinct_from(top))
                .order_by(*newest)
                .limit(ONE)
                .scalar_subquery()
            )
            members.append(select(_number(FEATURED), _number(category_id), newest_id, *no_strip))
    slots = union_all(*members).subquery("slots")
    if not with_headlines:
        return (
            select(slots.c.slot, slots.c.category_id, Post)
            .join(Post, Post.id == slots.c.post_id)
            .options(*card_options())
        )
    return (
        select(slots.c.slot, slots.c.category_id, slots.c.headlines, Post)
        .outerjoin(Post, Post.id == slots.c.post_id)
        .options(*card_options())
    )
