"""Full-text search over posts and pages: the one module that knows SQLite from PostgreSQL.

**The index.** ``search_documents`` (app/models.py) holds, per post and page, the text a visitor
reads: the title, the excerpt, the outside byline, the tag names and the body as rendered
text (HTML stripped, never Markdown syntax). It is rewritten in the same transaction as the
change, by a session listener (``after_flush``) that notices new, edited and deleted posts and
pages, whoever saves them (views, domain functions, the CLI); rows of deleted posts go with them
through ``ON DELETE CASCADE``. Code that writes posts with bulk statements (the WordPress
importer) calls ``index_posts``/``index_pages`` itself.

- SQLite: an FTS5 table ``search_fts`` over those columns (external content, so the text is
  stored once), tokenizer ``unicode61 remove_diacritics 2`` (``fragwurdige`` finds
  ``fragwürdige``), and a second, ``search_fts_titles``, over the titles alone (for title
  matches first, see ``_sqlite_rows``), both kept in step by triggers on ``search_documents``.
- PostgreSQL: ``search_documents.vector``, a ``tsvector`` under a GIN index, built with the text
  search configuration of the document's language (``english``, ``german``, ``french`` ...,
  ``simple`` for languages PostgreSQL cannot stem, such as Persian), so ``letters`` finds
  ``letter`` and ``Briefe`` finds ``Brief``. The text is indexed as written and once more with
  its accents removed, so ``election`` also finds ``élection``. Weights: title A; excerpt,
  byline and tags B; body D.

**Queries** are parsed here and never handed to either database's query syntax: text in
double quotes is a phrase, ``-word`` excludes a word, everything else is words (``OR``,
``NEAR(``, ``*``, ``:`` ... are just characters; only letters and digits make words).

**What is found.** Visitors: open posts (public and without a password) and published pages.
Staff (``staff=True``): everything. Ranking: documents matching in the title first, then by
relevance, then newest first. Each row also holds its document's date (``published_at``) and
the instant visitors may find it from (``open_from``, NULL: not now; see
``visibility.post_open_from``), re-written with the row when the post's status, date or
password changes, so a search reads this one table.

**Cost.** A search ranks the newest ``CANDIDATES`` (500) matches only, and finds them without
reading every match: a document's id is its date and item (``document_key``), so key order is
newest first. SQLite's FTS5 walks its match lists in rowid order, newest first, and stops after
the newest 500; PostgreSQL's GIN index gives matches in no order, so a search looks among the
newest ``WINDOW`` documents first and widens the window only while it holds fewer than 500
matches (``_window_floors``); a partial GIN index of the newest documents alone
(``refresh_recent_index``, ``flask search refresh``) makes the first window's lookup read only
their entries. Every page a visitor can open (``MAX_PAGE`` x ``PER_PAGE``) fits; an older match
is never listed, however well it would rank.
"""

from __future__ import annotations

import re
import time
import unicodedata
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import (
    DDL,
    Connection,
    Select,
    String,
    and_,
    bindparam,
    cast,
    column,
    delete,
    event,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, load_only

from app.content.cards import Card, read_cards
from app.content.listing import card_options
from app.content.text import plain_text
from app.content.visibility import page_public_from, post_open_from
from app.extensions import db
from app.models import (
    Page,
    Post,
    Tag,
    UTCDateTime,
    post_categories,
    post_tags,
    search_documents,
    utcnow,
)

PER_PAGE = 10
MAX_PAGE = 50
MAX_QUERY_CHARS = 300  # longer input is cut, never refused
MAX_WORDS = 12
MAX_PHRASES = 4
MAX_EXCLUDED = 8
SNIPPET_WORDS = 32
# PostgreSQL ranks only the newest CANDIDATES matches of a search (see search()), so its cost
# is bounded by this, not by how many documents match. Every page a visitor may open fits:
# the 501st-newest match and older ones are never listed, however well they would rank.
CANDIDATES = 500
assert MAX_PAGE * PER_PAGE <= CANDIDATES

# PostgreSQL text-search configurations by primary language subtag; anything else is "simple"
# (lower-cased words, no stemming), which is right for Persian, Arabic, Kurdish ...
CONFIGS = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
    "ru": "russian",
    "tr": "turkish",
}

# SQLite ranks as WordPress does: matches in the title first, then the others; newest first
# within each (see _sqlite_rows).
FTS_FIRST_COLUMNS = ("title",)


def config_for(language: str | None) -> str:
    return CONFIGS.get((language or "").split("-")[0].lower(), "simple")


# A search in every language reads the query in each text-search configuration the index holds,
# not in all of them: each reading is more index entries to scan and more to rank (four instead
# of ten readings made a 100,000-post search twice as fast). Read once a minute per process and database; a
# document this process indexes adds its configuration at once (other processes see it within
# the minute, and the 'simple' reading finds its exact words meanwhile).
CONFIGS_TTL_SECONDS = 60
_configs_in_use: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> (t, set)


def configs_in_use(connection: Connection) -> list[str]:
    read_at, configs = _configs_in_use.get(connection.engine, (0.0, set()))
    if time.monotonic() - read_at > CONFIGS_TTL_SECONDS:
        configs = set(connection.scalars(_CONFIGS_SKIP_SCAN))
        _configs_in_use[connection.engine] = (time.monotonic(), configs)
    return sorted(configs | {"simple"})


# SELECT DISTINCT config, by skipping along ix_search_documents_config: one index probe per
# configuration (a handful), where DISTINCT reads an entry per document (PostgreSQL has no
# skip scan of its own before version 18; SQLite runs the same statement).
_CONFIGS_SKIP_SCAN = text(
    "WITH RECURSIVE found(config) AS ("
    " SELECT min(config) FROM search_documents"
    " UNION ALL"
    " SELECT (SELECT min(config) FROM search_documents WHERE config > found.config)"
    " FROM found WHERE found.config IS NOT NULL"
    ") SELECT config FROM found WHERE config IS NOT NULL"
)


def _noted(bind, config: str) -> str:
    """``config``, remembered as in use by the document about to be written with it."""
    known = _configs_in_use.get(bind.engine)
    if known is not None:
        known[1].add(config)
    return config


def _is_postgres(bind) -> bool:
    return bind.dialect.name == "postgresql"


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ---- document keys: newest first is key order ---------------------------------------------

# A document's id is its date in seconds, then its post's or page's id: ``ORDER BY id DESC`` is
# newest first (as ``published_at DESC NULLS FIRST``: a post without a date sorts as newest),
# and "the newest N matches" can be read off an index in key order instead of by sorting every
# match. SQLite's FTS5 walks its match lists in rowid order and stops after N; PostgreSQL
# bounds a search to a range of keys (see search()). Ids of 2**28 and above cannot be keyed.
KEY_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
ITEM_BITS = 29  # the item's id and one bit: a page's or a post's
MAX_ITEM_ID = (1 << (ITEM_BITS - 1)) - 1
UNDATED_SECONDS = int((datetime(2201, 1, 1, tzinfo=UTC) - KEY_EPOCH).total_seconds())


def _key_seconds(moment: datetime | None) -> int:
    if moment is None:
        return UNDATED_SECONDS
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - KEY_EPOCH) // _ONE_SECOND
    return min(max(seconds, 0), UNDATED_SECONDS - 1)


_ONE_SECOND = datetime(1, 1, 1, 0, 0, 1) - datetime(1, 1, 1)


def document_key(published_at: datetime | None, post_id: int | None, page_id: int | None) -> int:
    """The search row id of a post's (``post_id``) or page's document dated ``published_at``."""
    item = post_id * 2 if post_id is not None else (page_id or 0) * 2 + 1
    if not 0 < item <= 2 * MAX_ITEM_ID + 1:
        raise ValueError(f"cannot index item id above {MAX_ITEM_ID}")
    return (_key_seconds(published_at) << ITEM_BITS) | item


def newest_key(moment: datetime) -> int:
    """The largest key a document dated at or before ``moment`` can have."""
    return (_key_seconds(moment) << ITEM_BITS) | ((1 << ITEM_BITS) - 1)


# ---- schema (SQLite's FTS5 table and its triggers) ---------------------------------------------

SQLITE_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, excerpt, byline, tags, body, "
    "content='search_documents', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, excerpt, byline, tags, body) "
    "VALUES (new.id, new.title, new.excerpt, new.byline, new.tags, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, excerpt, byline, tags, body) "
    "VALUES ('delete', old.id, old.title, old.excerpt, old.byline, old.tags, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, excerpt, byline, tags, body) "
    "VALUES ('delete', old.id, old.title, old.excerpt, old.byline, old.tags, old.body); "
    "INSERT INTO search_fts(rowid, title, excerpt, byline, tags, body) "
    "VALUES (new.id, new.title, new.excerpt, new.byline, new.tags, new.body); END",
)
# The titles alone, so that a search finds its newest title matches by walking the titles'
# match lists, not every document holding the words (see _sqlite_rows). Made by revision
# 3c9e5b1d7f2a.
SQLITE_TITLES_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_titles USING fts5(title, "
    "content='search_documents', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS search_documents_titles_ai AFTER INSERT ON search_documents "
    "BEGIN INSERT INTO search_fts_titles(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_titles_ad AFTER DELETE ON search_documents "
    "BEGIN INSERT INTO search_fts_titles(search_fts_titles, rowid, title) "
    "VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_titles_au AFTER UPDATE ON search_documents "
    "BEGIN INSERT INTO search_fts_titles(search_fts_titles, rowid, title) "
    "VALUES ('delete', old.id, old.title); "
    "INSERT INTO search_fts_titles(rowid, title) VALUES (new.id, new.title); END",
)
# Whether visitors may find a match, read without its row (the rows hold whole texts): a search
# checks the newest 500 matches here. Made by revision a7d3e9c1f5b2 (after the columns exist).
SQLITE_VISIBLE_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_fts_visible ON search_documents (id, open_from)"
)
SQLITE_DROP = ("DROP TABLE IF EXISTS search_fts_titles", "DROP TABLE IF EXISTS search_fts")
# Tables (and an index) SQLite makes for the FTS5 index; not in the models (migrations/env.py
# skips them).
SQLITE_SHADOW_PREFIX = "search_fts"

# ``metadata.create_all`` / ``drop_all`` make and remove them too (installed by install_listeners).
_SQLITE_CREATE_DDL = [
    DDL(s).execute_if(dialect="sqlite")
    for s in (*SQLITE_SCHEMA, SQLITE_VISIBLE_INDEX, *SQLITE_TITLES_SCHEMA)
]
_SQLITE_DROP_DDL = [DDL(s).execute_if(dialect="sqlite") for s in SQLITE_DROP]


def create_sqlite_schema(connection: Connection, statements: Sequence[str] = SQLITE_SCHEMA) -> None:
    """For migrations: the FTS5 table and triggers (no-op on PostgreSQL); ``statements``:
    SQLITE_TITLES_SCHEMA for the titles' table."""
    if connection.dialect.name == "sqlite":
        for statement in statements:
            connection.exec_driver_sql(statement)


# ---- keeping the index in step --------------------------------------------------------------


def _document_values(bind, rows: Iterable[dict]) -> list[dict]:
    out = []
    for row in rows:
        out.append(
            {
                "p_id": document_key(
                    row.get("published_at"), row.get("post_id"), row.get("page_id")
                ),
                "p_post": row.get("post_id"),
                "p_page": row.get("page_id"),
                "p_config": _noted(bind, config_for(row.get("language"))),
                "p_title": row.get("title") or "",
                "p_excerpt": row.get("excerpt") or "",
                "p_byline": row.get("byline") or "",
                "p_tags": row.get("tags") or "",
                "p_body": plain_text(row.get("body_html") or ""),
                "p_published_at": row.get("published_at"),
                "p_open_from": row.get("open_from"),
            }
        )
    if _is_postgres(bind):
        for values in out:
            values["p_weighted_b"] = " ".join(
                (values["p_excerpt"], values["p_byline"], values["p_tags"])
            )
            for key in ("p_title", "p_weighted_b", "p_body"):
                plain = strip_accents(values[key])
                values[key + "_plain"] = plain if plain != values[key] else ""
    return out


def _insert_statement(bind):
    values = {
        "id": bindparam("p_id"),
        "post_id": bindparam("p_post"),
        "page_id": bindparam("p_page"),
        "config": bindparam("p_config"),
        "title": bindparam("p_title"),
        "excerpt": bindparam("p_excerpt"),
        "byline": bindparam("p_byline"),
        "tags": bindparam("p_tags"),
        "body": bindparam("p_body"),
        "published_at": bindparam("p_published_at", type_=UTCDateTime()),
        "open_from": bindparam("p_open_from", type_=UTCDateTime()),
    }
    if _is_postgres(bind):
        config = cast(bindparam("p_config"), REGCONFIG)

        def weighted(key: str, weight: str):
            return func.setweight(
                func.to_tsvector(config, bindparam(key)).op("||")(
                    func.to_tsvector(config, bindparam(key + "_plain"))
                ),
                literal_column(f"'{weight}'::\"char\""),
            )

        values["vector"] = (
            weighted("p_title", "A")
            .op("||")(weighted("p_weighted_b", "B"))
            .op("||")(weighted("p_body", "D"))
        )
    return insert(search_documents).values(values)


def index_posts(connection: Connection, post_ids: Iterable[int]) -> None:
    """(Re)write the search rows of these posts from what the database holds now."""
    ids = sorted(set(post_ids))
    for start in range(0, len(ids), 500):
        _index_post_batch(connection, ids[start : start + 500])


def _index_post_batch(connection: Connection, ids: list[int]) -> None:
    p, tags = Post.__table__, Tag.__table__
    rows = connection.execute(
        select(
            p.c.id,
            p.c.title,
            p.c.excerpt,
            p.c.byline_name,
            p.c.language,
            p.c.body_html,
            p.c.published_at,
            post_open_from().label("open_from"),
        ).where(p.c.id.in_(ids))
    ).all()
    names: dict[int, list[str]] = {}
    for post_id, name in connection.execute(
        select(post_tags.c.post_id, tags.c.name)
        .join(tags, tags.c.id == post_tags.c.tag_id)
        .where(post_tags.c.post_id.in_(ids))
        .order_by(tags.c.name)
    ):
        names.setdefault(post_id, []).append(name)
    connection.execute(delete(search_documents).where(search_documents.c.post_id.in_(ids)))
    documents = _document_values(
        connection,
        (
            {
                "post_id": r.id,
                "title": r.title,
                "excerpt": r.excerpt,
                "byline": r.byline_name,
                "tags": " ".join(names.get(r.id, ())),
                "language": r.language,
                "body_html": r.body_html,
                "published_at": r.published_at,
                "open_from": r.open_from,
            }
            for r in rows
        ),
    )
    if documents:
        connection.execute(_insert_statement(connection), documents)


def index_pages(connection: Connection, page_ids: Iterable[int]) -> None:
    ids = sorted(set(page_ids))
    if not ids:
        return
    g = Page.__table__
    rows = connection.execute(
        select(
            g.c.id,
            g.c.title,
            g.c.language,
            g.c.body_html,
            g.c.updated_at,
            page_public_from().label("open_from"),
        ).where(g.c.id.in_(ids))
    ).all()
    connection.execute(delete(search_documents).where(search_documents.c.page_id.in_(ids)))
    documents = _document_values(
        connection,
        (
            {
                "page_id": r.id,
                "title": r.title,
                "language": r.language,
                "body_html": r.body_html,
                "published_at": r.updated_at,
                "open_from": r.open_from,
            }
            for r in rows
        ),
    )
    if documents:
        connection.execute(_insert_statement(connection), documents)


def rebuild(connection: Connection) -> int:
    """Index every post and page again (migration, ``flask search rebuild``, benchmarks)."""
    connection.execute(delete(search_documents))
    post_ids = list(connection.scalars(select(Post.__table__.c.id)))
    index_posts(connection, post_ids)
    page_ids = list(connection.scalars(select(Page.__table__.c.id)))
    index_pages(connection, page_ids)
    return len(post_ids) + len(page_ids)


# What a document holds: its text, and (for the filter and the order) whether and from when
# visitors may find it and its date. A change of any of these rewrites it.
_POST_FIELDS = (
    *("title", "body_html", "excerpt", "byline_name", "language", "tags"),
    *("status", "published_at", "password"),
)
_PAGE_FIELDS = ("title", "body_html", "language", "status")


def _changed(obj, names: Sequence[str]) -> bool:
    state = db.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, flush_context) -> None:
    post_ids: set[int] = set()
    page_ids: set[int] = set()
    tag_ids: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Post):
            post_ids.add(obj.id)
        elif isinstance(obj, Page):
            page_ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Post) and _changed(obj, _POST_FIELDS):
            post_ids.add(obj.id)
        elif isinstance(obj, Page) and _changed(obj, _PAGE_FIELDS):
            page_ids.add(obj.id)
        elif isinstance(obj, Tag) and _changed(obj, ("name",)):
            tag_ids.add(obj.id)
    deleted_posts = {o.id for o in session.deleted if isinstance(o, Post)}
    deleted_pages = {o.id for o in session.deleted if isinstance(o, Page)}
    if not (post_ids or page_ids or tag_ids or deleted_posts or deleted_pages):
        return
    connection = session.connection()
    if tag_ids:
        post_ids |= set(
            connection.scalars(
                select(post_tags.c.post_id).where(post_tags.c.tag_id.in_(sorted(tag_ids)))
            )
        )
    post_ids -= deleted_posts
    page_ids -= deleted_pages
    gone = search_documents.c
    if deleted_posts:  # also removed by the foreign key's cascade; explicit for clarity
        connection.execute(delete(search_documents).where(gone.post_id.in_(deleted_posts)))
    if deleted_pages:
        connection.execute(delete(search_documents).where(gone.page_id.in_(deleted_pages)))
    if post_ids:
        index_posts(connection, post_ids)
    if page_ids:
        index_pages(connection, page_ids)


def install_listeners() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    for ddl in _SQLITE_CREATE_DDL:
        if not event.contains(search_documents, "after_create", ddl):
            event.listen(search_documents, "after_create", ddl)
    for ddl in _SQLITE_DROP_DDL:
        if not event.contains(search_documents, "before_drop", ddl):
            event.listen(search_documents, "before_drop", ddl)


# ---- parsing what a visitor typed -----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases)

    @property
    def highlight_terms(self) -> tuple[str, ...]:
        return (*self.words, *(w for phrase in self.phrases for w in phrase))


def strip_control_characters(raw: str) -> str:
    return _CONTROL.sub(" ", (raw or "")[: MAX_QUERY_CHARS * 2])


def parse_query(raw: str) -> ParsedQuery:
    """Words, "phrases" and -exclusions out of anything a visitor may type."""
    value = strip_control_characters(raw)[:MAX_QUERY_CHARS]
    phrases: list[tuple[str, ...]] = []
    rest: list[str] = []
    parts = value.split('"')
    # Even pieces are outside quotes, odd ones inside; an unbalanced last quote is ignored.
    for number, piece in enumerate(parts):
        inside = number % 2 == 1 and number < len(parts) - 1
        if inside:
            phrase = tuple(_WORD.findall(piece))
            if len(phrase) > 1:
                phrases.append(phrase)
            elif phrase:
                rest.append(phrase[0])
        else:
            rest.append(piece)
    words: list[str] = []
    excluded: list[str] = []
    for token in " ".join(rest).split():
        found = _WORD.findall(token)
        if token.startswith("-") and len(found) == 1 and token[1:2].isalnum():
            excluded.append(found[0])
        else:
            words.extend(found)
    return ParsedQuery(
        words=tuple(dict.fromkeys(words))[:MAX_WORDS],
        phrases=tuple(dict.fromkeys(phrases))[:MAX_PHRASES],
        excluded=tuple(dict.fromkeys(excluded))[:MAX_EXCLUDED],
    )


# ---- running a search -----------------------------------------------------------------------


@dataclass
class SearchFilters:
    language: str | None = None
    category_ids: Sequence[int] | None = None
    author_id: int | None = None
    year_range: tuple[datetime, datetime] | None = None

    @property
    def posts_only(self) -> bool:
        return bool(self.category_ids or self.author_id or self.year_range)


@dataclass
class SearchHit:
    post: Card | None
    page: Page | None
    title: str
    snippet: Markup
    title_html: Markup | None = None  # the title, escaped, with the matching words marked

    @property
    def language(self) -> str:
        item = self.post or self.page
        return item.language if item is not None else ""


@dataclass
class SearchResults:
    query: ParsedQuery
    hits: list[SearchHit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _sqlite_match(parsed: ParsedQuery, columns: Sequence[str] = ()) -> str:
    """An FTS5 expression built only from quoted strings of letters and digits; with
    ``columns``, every word and phrase in those columns (excluded words in none)."""
    positive = [f'"{w}"' for w in parsed.words] + [f'"{" ".join(p)}"' for p in parsed.phrases]
    expression = "(" + " AND ".join(positive) + ")"
    if columns:
        expression = "{" + " ".join(columns) + "} : " + expression
    for word in parsed.excluded:
        expression += f' NOT "{word}"'
    return expression


def _pg_tsquery(words: Sequence, phrases: Sequence, excluded: Sequence, configs: Sequence[str]):
    """(all words in any one language's reading) AND NOT (an excluded word in any reading).
    ``words``, ``phrases`` (each written out, words joined by spaces) and ``excluded`` are
    bound parameters (see ``_pg_ranked``)."""

    def any_of(queries: list):
        combined = queries[0]
        for other in queries[1:]:
            combined = func.tsquery_or(combined, other)
        return combined

    readings, exclusions = [], []
    for name in configs:
        config = cast(literal(name), REGCONFIG)
        parts = [func.plainto_tsquery(config, w) for w in words]
        parts += [func.phraseto_tsquery(config, p) for p in phrases]
        query = parts[0]
        for part in parts[1:]:
            query = func.tsquery_and(query, part)
        readings.append(query)
        exclusions += [func.plainto_tsquery(config, w) for w in excluded]
    positive = any_of(readings)
    if not exclusions:
        return positive
    return func.tsquery_and(positive, func.tsquery_not(any_of(exclusions)))


def _query_values(prefix: str, parsed: ParsedQuery) -> dict[str, str]:
    """The values of the parameters ``_pg_ranked`` names after ``prefix``: ``w0``, ``w1`` ...
    for the words, ``p0`` ... for the phrases (words joined by spaces), ``x0`` ... for the
    excluded words."""
    return {
        **{f"{prefix}w{n}": word for n, word in enumerate(parsed.words)},
        **{f"{prefix}p{n}": " ".join(phrase) for n, phrase in enumerate(parsed.phrases)},
        **{f"{prefix}x{n}": word for n, word in enumerate(parsed.excluded)},
    }


def _query_params(prefix: str, kind: str, count: int) -> tuple:
    """``count`` bound parameters named as ``_query_values`` names them (``kind``: w, p, x)."""
    return tuple(bindparam(f"{prefix}{kind}{n}", type_=String) for n in range(count))


# What PostgreSQL's statistics of the column (pg_stats, kept by ANALYZE) say about a query's
# words, read once every STATS_TTL_SECONDS per process:
#
# - A word whose every reading is in more than COMMON_SHARE of the documents (``the``, ``of``,
#   a site's own name) is not looked up in the GIN index when the query has rarer words: the
#   index would walk its entries for most of the site (at a million posts, 0.2 s for a phrase
#   with two such words) to confirm what the rarer words already narrowed down. The whole
#   query still filters what the rarer words find.
# - A query expected to match fewer than UNBOUNDED_BELOW documents in all (the words' shares
#   multiplied, a word too rare for the statistics counted at their smallest share) is run
#   over the whole index at once: reading its few matches costs less than the windows' key
#   ranges.
COMMON_SHARE = 0.05
UNBOUNDED_BELOW = 4 * CANDIDATES
STATS_TTL_SECONDS = 300


@dataclass(frozen=True)
class _SearchStats:
    shares: dict[str, float]  # the most common lexemes
    rarer_than: float  # the share of any lexeme not in ``shares``
    documents: float
    key_bounds: list[int]  # the histogram of ids: equal shares of the rows between bounds
    recent_floor: int | None = None  # the lowest key the index of recent documents holds


_stats: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> (t, _SearchStats)

_SEARCH_STATS = text(
    "SELECT s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs AS shares,"
    " k.histogram_bounds::text::bigint[] AS key_bounds, c.reltuples AS documents,"
    " (SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
    "  WHERE i.indexrelid = to_regclass(:recent) AND i.indisvalid AND i.indisready) AS recent"
    " FROM pg_class c"
    " LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'vector'"
    " AND s.schemaname = current_schema()"
    " LEFT JOIN pg_stats k ON k.tablename = c.relname AND k.attname = 'id'"
    " AND k.schemaname = current_schema()"
    " WHERE c.oid = CAST('search_documents' AS regclass)"
)
_WORD_LEXEMES = text(
    "SELECT word, array_agg(DISTINCT lexeme) FILTER (WHERE lexeme IS NOT NULL),"
    " count(DISTINCT config) FILTER (WHERE lexeme IS NOT NULL)"
    " FROM unnest(CAST(:words AS text[])) AS word"
    " CROSS JOIN unnest(CAST(:configs AS regconfig[])) AS config"
    " LEFT JOIN LATERAL unnest(to_tsvector(config, word)) AS found ON true"
    " GROUP BY word"
)


def _search_stats(connection: Connection) -> _SearchStats:
    read_at, stats = _stats.get(connection.engine, (0.0, None))
    if stats is None or time.monotonic() - read_at > STATS_TTL_SECONDS:
        row = connection.execute(_SEARCH_STATS, {"recent": RECENT_INDEX}).first()
        lexemes = (row.lexemes if row is not None else None) or []
        shares = (row.shares if row is not None else None) or []
        stats = _SearchStats(
            shares=dict(zip(lexemes, shares, strict=False)),
            # after one share per lexeme: the smallest and largest of them, then nulls
            rarer_than=shares[len(lexemes)] if len(shares) > len(lexemes) else 1.0,
            documents=max(float(row.documents), 0.0) if row is not None else 0.0,
            key_bounds=list((row.key_bounds if row is not None else None) or []),
            recent_floor=_predicate_floor(row.recent if row is not None else None),
        )
        _stats[connection.engine] = (time.monotonic(), stats)
    return stats


# PostgreSQL's GIN index gives a search its matches in no useful order: finding the newest
# CANDIDATES of them meant reading the date of every match (20,000 heap rows for a word in 2 %
# of a million posts). A search looks first among the newest WINDOW documents, then among
# WINDOW_GROWTH times more, and so on; a window only reads the matches inside it, as
# PostgreSQL intersects the words' index entries with the key range. Where each window starts
# is read off the statistics' histogram of the keys (equal shares of the rows between bounds):
# a window may come out larger than asked (rows added since ANALYZE are all newer than its
# start), never a wrong result, as any window that holds CANDIDATES matches holds the newest.
WINDOW = 50_000
WINDOW_GROWTH = 8
WINDOWS = 3


def _window_floors(stats: _SearchStats) -> list[int]:
    """The lowest key of each window, smallest window first; none past the oldest document.
    With an index of the recent documents, the first window is exactly what it holds."""
    bounds, floors = stats.key_bounds, []
    if len(bounds) >= 2 and stats.documents > 0:
        for number in range(WINDOWS):
            share = WINDOW * WINDOW_GROWTH**number / stats.documents
            if share >= 1:
                break
            floors.append(bounds[int((1 - share) * (len(bounds) - 1))])
    if stats.recent_floor is not None:
        floors = [stats.recent_floor, *(f for f in floors if f < stats.recent_floor)]
    return floors


# The GIN index still walks every entry of a word to intersect it with a window: 20,000 for a
# word in 2 % of a million documents (7 ms), and the window's key range (50,000 keys, 4 ms).
# A second, partial GIN index holds the newest RECENT_DOCUMENTS documents alone (and every
# document written since it was made, all newer): a search whose first window starts exactly
# at its lower bound reads that index and nothing else (PostgreSQL sees the window's condition
# is the index's own), so finding the newest matches costs what it costs on a site of
# RECENT_DOCUMENTS documents (0.3 ms for that word). ``refresh_recent_index`` makes it again
# (``flask search refresh``: after a large import, and weekly from cron); until it is made,
# or while it is being made again, searches use the windows above, as fast as before and as
# correct.
RECENT_INDEX = "ix_search_documents_recent"
RECENT_DOCUMENTS = WINDOW
_PREDICATE_FLOOR = re.compile(r"^\(?id >= '?(-?\d+)'?(?:::bigint)?\)?$")


def _predicate_floor(predicate: str | None) -> int | None:
    found = _PREDICATE_FLOOR.match(predicate or "")
    return int(found.group(1)) if found else None


def unmodelled(name: str | None) -> bool:
    """Tables and indexes this module makes itself (not the models' nor the migrations')."""
    return bool(name) and (name.startswith(SQLITE_SHADOW_PREFIX) or name == RECENT_INDEX)


def refresh_recent_index(engine) -> int | None:
    """PostgreSQL: make the index of the newest RECENT_DOCUMENTS documents again, without
    blocking writes (``CONCURRENTLY``, outside any transaction); on a site with fewer
    documents, drop it (the whole index is as small). Returns how many documents it holds;
    None where there is none (fewer documents, or SQLite, whose FTS5 index is read newest
    first already)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        # One at a time (two cron jobs, a rebuild during an import): another run would drop
        # the index this one is building. Asked for between pauses, not waited for inside a
        # statement: CREATE INDEX CONCURRENTLY waits for every statement under way, a waiting
        # lock request included, which would be a deadlock.
        while not connection.scalar(_REFRESH_LOCK):
            time.sleep(0.2)
        try:
            covered = _make_recent_index(connection)
        finally:
            connection.execute(_REFRESH_UNLOCK)
    _stats.pop(engine, None)  # this process reads the new bound at once; others within 300 s
    return covered


_REFRESH_LOCK = text("SELECT pg_try_advisory_lock(hashtext('broadside: search refresh'))")
_REFRESH_UNLOCK = text("SELECT pg_advisory_unlock(hashtext('broadside: search refresh'))")


def _make_recent_index(connection: Connection) -> int | None:
    floor = connection.scalar(
        select(search_documents.c.id)
        .order_by(search_documents.c.id.desc())
        .offset(RECENT_DOCUMENTS - 1)
        .limit(1)
    )
    building = RECENT_INDEX + "_new"
    connection.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {building}")  # a failed run's
    if floor is None:
        connection.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {RECENT_INDEX}")
        return None
    connection.exec_driver_sql(
        f"CREATE INDEX CONCURRENTLY {building} ON search_documents USING gin (vector)"
        f" WHERE id >= {int(floor)}"
    )
    connection.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {RECENT_INDEX}")
    connection.exec_driver_sql(f"ALTER INDEX {building} RENAME TO {RECENT_INDEX}")
    return connection.scalar(select(func.count()).where(search_documents.c.id >= int(floor)))


@dataclass(frozen=True)
class _IndexPlan:
    words: tuple[str, ...] | None  # looked up in the GIN index; None: the whole query
    few_matches: bool  # expected to match fewer than UNBOUNDED_BELOW documents
    walk: bool = False  # every word is common: read the newest documents in key order


# A query whose words are each in a large share of the documents (``report``, a site's own
# name) has so many matches in a window that reading them all from the GIN index (50,000 for
# a word in every document: 40 ms at a million posts) costs more than reading the newest
# documents one by one, in key order, until CANDIDATES of them match: CANDIDATES / share
# rows, at most 5,000 from WALK_SHARE on. The walk stays inside the first window, so a word
# the statistics think common, but rare among recent documents, reads no more than the window.
# Only for searches without filters: a rare category or language would make the walk read
# most of the window to find few matches.
WALK_SHARE = 0.1

# What each word is in each configuration (``to_tsvector``: the same answer every time for a
# configuration, until its dictionaries change, which needs a restart to be seen): read once
# per process, so a search asks the database one question less.
_READINGS_KEPT = 4096
_readings: dict[tuple[str, tuple[str, ...]], tuple[tuple[str, ...], int]] = {}


def _word_readings(
    connection: Connection, words: Sequence[str], configs: Sequence[str]
) -> dict[str, tuple[tuple[str, ...], int]]:
    """For each word: its lexemes in any of ``configs``, and in how many configs it has one."""
    configs = tuple(configs)
    readings: dict[str, tuple[tuple[str, ...], int]] = {}
    missing = []
    for word in words:
        known = _readings.get((word, configs))
        if known is None:
            missing.append(word)
        else:
            readings[word] = known
    if missing:
        found = {
            word: (tuple(lexemes or ()), in_configs)
            for word, lexemes, in_configs in connection.execute(
                _WORD_LEXEMES, {"words": missing, "configs": list(configs)}
            )
        }
        if len(_readings) + len(missing) > _READINGS_KEPT:
            _readings.clear()
        for word in missing:
            readings[word] = _readings[(word, configs)] = found.get(word, ((), 0))
    return readings


def _index_plan(
    connection: Connection,
    stats: _SearchStats,
    parsed: ParsedQuery,
    configs: Sequence[str],
    filtered: bool = False,
) -> _IndexPlan:
    words = tuple(dict.fromkeys((*parsed.words, *(w for p in parsed.phrases for w in p))))
    if not stats.shares:
        return _IndexPlan(words=None, few_matches=stats.documents < UNBOUNDED_BELOW)
    readings = _word_readings(connection, words, configs)

    def share(word: str) -> float:
        lexemes = readings[word][0]
        return min(1.0, sum(stats.shares.get(x, stats.rarer_than) for x in lexemes))

    shares = {word: share(word) for word in words}
    # Only a word every reading keeps can stand for the query: a stop word in one language
    # (``of`` in English) would make that reading of the lookup empty, which finds nothing.
    rarer = tuple(w for w in words if shares[w] <= COMMON_SHARE and readings[w][1] == len(configs))
    share_of_query = 1.0
    for value in shares.values():
        share_of_query *= value
    expected = stats.documents * share_of_query
    few_matches = expected < UNBOUNDED_BELOW
    return _IndexPlan(
        words=rarer if rarer and len(rarer) < len(words) else None,
        few_matches=few_matches,
        walk=not filtered and not few_matches and share_of_query >= WALK_SHARE,
    )


def _sqlite_rows(parsed, shape, values, page, per_page) -> list:
    """One page of results (and one more row) from SQLite's FTS5 indexes.

    FTS5 walks the match lists in rowid order, newest first (see document_key), and stops at
    the newest CANDIDATES matches; scheduled posts and drafts, keyed after now, are skipped in
    the lists. Those are ranked in two groups, matches in the title first, newest first within
    each. (bm25 was not used: it counts every document that holds each word or phrase of the
    query, a pass over the whole index for a common word.)

    The titles' own index (``search_fts_titles``) gives the newest title matches first, a walk
    over titles only that stops at the page's worth. When there are that many, and fewer than
    CANDIDATES matches are newer than the oldest of them, they are the page: the whole-text
    walk then stops there too, instead of at the 500th match (at a million posts, a phrase of
    common words checked in 500 documents instead of a dozen). Otherwise the newest CANDIDATES
    matches are ranked as described, their title matches first.
    """
    candidates, titles, in_stretch, rows = _sqlite_statements(shape)
    match = _sqlite_match(parsed)
    needed = page * per_page + 1

    def newest_matches(floor: int = MIN_KEY, count: int = CANDIDATES) -> Sequence[int]:
        """The newest ``count`` matches from key ``floor`` on, newest first."""
        bounds = {"match": match, "floor": floor, "candidates": count}
        return db.session.scalars(candidates, {**values, **bounds}).all()  # one fetchall

    in_title = db.session.scalars(titles, {**values, "match": match, "needed": needed}).all()
    ranked: Sequence[int] | None = None
    if len(in_title) == needed:  # the matches down to the oldest of these, one more than asked
        newest = newest_matches(in_title[-1], CANDIDATES + 1)
        matching = set(newest)
        first = [key for key in in_title if key in matching]  # an excluded word elsewhere
        if len(newest) <= CANDIDATES and len(first) == needed:
            ranked = first
        elif len(newest) > CANDIDATES:  # those older title matches are past the newest 500
            newest = newest[:CANDIDATES]
            ranked = _titles_first(newest, in_title)
    else:  # every title match there is: those among the newest CANDIDATES go first
        newest = newest_matches()
        ranked = _titles_first(newest, in_title)
    if ranked is None:  # title matches holding an excluded word elsewhere: those of the stretch
        newest = newest_matches()
        if not newest:  # every title match holds an excluded word, and nothing else matches
            return []
        first = db.session.scalars(
            in_stretch,
            {
                **values,
                "match": _sqlite_match(parsed, FTS_FIRST_COLUMNS),
                "low": newest[-1],
                "high": newest[0],
                "needed": needed,
            },
        ).all()
        ranked = first if len(first) == needed else _titles_first(newest, first)
    wanted = ranked[(page - 1) * per_page : needed]
    if not wanted:
        return []
    by_id = {row.id: row for row in db.session.execute(rows, {"ids": wanted})}
    return [by_id[key] for key in wanted if key in by_id]


def _titles_first(newest: Sequence[int], in_title: Iterable[int]) -> list[int]:
    """``newest`` (keys, newest first), those also in ``in_title`` first (a stable sort)."""
    first = set(in_title)
    return sorted(newest, key=lambda key: key not in first)


MIN_KEY = -(1 << 63)  # below every key: a walk with no floor


@dataclass(frozen=True)
class _Shape:
    """Which filters a search has; its values go in as parameters (``_filter_values``), so the
    statements are built once per shape, not once per search."""

    staff: bool = False
    language: bool = False
    category_ids: bool = False
    author_id: bool = False
    year_range: bool = False

    @property
    def posts_only(self) -> bool:
        return self.category_ids or self.author_id or self.year_range

    @property
    def filtered(self) -> bool:
        return self.language or self.posts_only


def _shape(filters: SearchFilters, staff: bool) -> _Shape:
    return _Shape(
        staff=staff,
        language=bool(filters.language),
        category_ids=bool(filters.category_ids),
        author_id=bool(filters.author_id),
        year_range=bool(filters.year_range),
    )


def _filter_values(filters: SearchFilters, now: datetime) -> dict:
    start, end = filters.year_range or (None, None)
    return {
        "now": now,
        "newest": newest_key(now),
        "language": filters.language,
        "category_ids": sorted(set(filters.category_ids or ())),
        "author_id": filters.author_id,
        "year_start": start,
        "year_end": end,
    }


@lru_cache(maxsize=64)
def _filtering(shape: _Shape):
    """What may be found, on this table's own columns (kept in step by the indexing), so the
    unfiltered search joins nothing: visitors find documents whose open_from has come.
    Returns (the table to read, the conditions), with parameters for the values."""
    doc = search_documents.c
    posts, pages = Post.__table__, Page.__table__
    conditions = []
    if not shape.staff:
        conditions.append(doc.open_from <= bindparam("now"))
    if shape.posts_only:
        conditions.append(doc.post_id.is_not(None))
    source = search_documents
    if shape.language or shape.posts_only:
        source = source.outerjoin(posts, posts.c.id == doc.post_id)
    if shape.language:
        source = source.outerjoin(pages, pages.c.id == doc.page_id)
        conditions.append(
            or_(
                posts.c.language == bindparam("language"), pages.c.language == bindparam("language")
            )
        )
    if shape.author_id:
        conditions.append(posts.c.author_id == bindparam("author_id"))
    if shape.year_range:
        conditions.append(
            and_(
                posts.c.published_at >= bindparam("year_start"),
                posts.c.published_at < bindparam("year_end"),
            )
        )
    if shape.category_ids:
        conditions.append(
            select(post_categories.c.post_id)
            .where(
                post_categories.c.post_id == doc.post_id,
                post_categories.c.category_id.in_(bindparam("category_ids", expanding=True)),
            )
            .exists()
        )
    return source, tuple(conditions)


_RESULT_COLUMNS = (
    search_documents.c.post_id,
    search_documents.c.page_id,
    search_documents.c.title,
    search_documents.c.excerpt,
    search_documents.c.body,
)


@lru_cache(maxsize=64)
def _sqlite_statements(shape: _Shape) -> tuple[Select, Select, Select, Select]:
    """Built once per shape, the words going in as the ``match`` parameter: (the newest
    ``candidates`` matches from ``floor`` on; the newest ``needed`` title matches, from the
    titles' index; the newest ``needed`` title matches between two keys, from the whole-text
    index; the rows of some keys)."""
    doc = search_documents.c
    source, conditions = _filtering(shape)

    def walk(name: str, limit: str, keys: str = "") -> Select:
        fts = table(name, column("rowid"))
        found = [literal_column(name).op("MATCH")(bindparam("match")), *conditions]
        if not shape.staff:
            found.append(fts.c.rowid <= bindparam("newest"))
        if keys == "from floor":
            found.append(fts.c.rowid >= bindparam("floor"))
        elif keys == "between":
            found.append(fts.c.rowid.between(bindparam("low"), bindparam("high")))
        return (
            select(fts.c.rowid)
            .select_from(fts.join(source, fts.c.rowid == doc.id))
            .where(*found)
            .order_by(fts.c.rowid.desc())
            .limit(bindparam(limit))
        )

    candidates = walk("search_fts", "candidates", "from floor")
    titles = walk("search_fts_titles", "needed")
    in_stretch = walk("search_fts", "needed", "between")
    rows = select(doc.id, *_RESULT_COLUMNS).where(doc.id.in_(bindparam("ids", expanding=True)))
    return candidates, titles, in_stretch, rows


@lru_cache(maxsize=256)
def _pg_ranked(
    shape: _Shape,
    query: tuple[int, int, int],
    configs: tuple[str, ...],
    rarer_words: int | None,
    floor: int | None,
    candidates: int,
    walk: bool = False,
) -> Select:
    """PostgreSQL's one statement for a page of results, built once per shape: the filters,
    how many words, phrases and excluded words the query has (``query``), the configurations
    it is read in, how many rarer words the index is asked for (None: all), and the window's
    lowest key (``floor``, written into the text so that the planner sees the recent index's
    own condition), and whether to read the documents in key order instead of asking the GIN
    index (``walk``, see WALK_SHARE). The words go in as parameters (``_query_values``)."""
    doc = search_documents.c
    source, conditions = _filtering(shape)
    words, phrases, excluded = (
        _query_params("q_", kind, count) for kind, count in zip("wpx", query, strict=True)
    )
    # Evaluated once per search (an InitPlan): written inline, the query's parsing (cast
    # to regconfig is not constant-folded) ran again for every row rechecked and ranked.
    tsquery = select(_pg_tsquery(words, phrases, excluded, configs)).scalar_subquery()
    if walk:  # in key order (see WALK_SHARE): a function, so not an index condition
        found = [func.ts_match_vq(doc.vector, tsquery)]
    elif rarer_words is None:
        found = [doc.vector.op("@@")(tsquery)]
    else:
        rarer = _query_params("r_", "w", rarer_words)
        found = [
            doc.vector.op("@@")(select(_pg_tsquery(rarer, (), (), configs)).scalar_subquery()),
            func.ts_match_vq(doc.vector, tsquery),  # a function: not an index condition
        ]
    # The newest CANDIDATES matches, found in the GIN index and ordered by date, each ranked
    # as it is read (the vector is at hand in that row: carried through the sort by date, or
    # fetched again by id afterwards, it cost more than the ranking) within the newest
    # documents from ``floor`` on (see _window_floors) ...
    bounded = [] if floor is None else [doc.id >= literal_column(str(int(floor)))]
    title_hit = func.ts_rank(
        literal_column("'{0,0,0,1}'::float4[]"), doc.vector, tsquery
    ) > literal(0)
    newest = (
        select(
            doc.id,
            title_hit.label("title_hit"),
            func.ts_rank(doc.vector, tsquery).label("rank"),
        )
        .select_from(source)
        .where(*found, *conditions, *bounded)
        # id + 0: never a walk down the primary key testing every document on the way, which
        # a generic plan (no idea how many match) would choose for a word as rare as one in
        # a million; unless that walk is what is asked for.
        .order_by((doc.id if walk else doc.id + literal_column("0")).desc())
        .limit(candidates)
        .subquery("candidates")
    )

    # ... then ordered: title hits first, then relevance, then newest (newest first is key
    # order, see document_key); only the page's rows are read again, for what they show.
    def ranked(rows):
        return rows.c.title_hit.desc(), rows.c.rank.desc(), rows.c.id.desc()

    page = (
        select(newest, func.count().over().label("candidates"))
        .order_by(*ranked(newest))
        .limit(bindparam("rows"))
        .offset(bindparam("first"))
        .subquery("page")
    )
    return (
        select(*_RESULT_COLUMNS, page.c.candidates)
        .select_from(page.join(search_documents, doc.id == page.c.id))
        .order_by(*ranked(page))
    )


def search(
    raw_query: str,
    *,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    staff: bool = False,
    now: datetime | None = None,
) -> SearchResults:
    """One page of ranked results (``per_page`` + 1 rows read to know if more follow)."""
    parsed = parse_query(raw_query)
    results = SearchResults(query=parsed, page=page)
    if parsed.empty or page > MAX_PAGE:
        return results
    filters = filters or SearchFilters()
    now = now or utcnow()
    postgres = _is_postgres(db.session.get_bind())
    shape = _shape(filters, staff)
    values = _filter_values(filters, now)
    if postgres:
        configs = (
            [config_for(filters.language)]
            if filters.language
            else configs_in_use(db.session.connection())
        )
        if filters.language and configs[0] != "simple":
            configs.append("simple")
        connection = db.session.connection()
        # The words the GIN index is asked for: all, or only the rarer ones when some are in
        # most documents (see _index_plan); the whole query then filters what those find.
        stats = _search_stats(connection)
        plan = _index_plan(connection, stats, parsed, configs, filtered=shape.filtered)
        rarer = None if plan.words is None else ParsedQuery(words=plan.words)
        query = (len(parsed.words), len(parsed.phrases), len(parsed.excluded))
        values = {
            **values,
            **_query_values("q_", parsed),
            **(_query_values("r_", rarer) if rarer is not None else {}),
            "first": (page - 1) * per_page,
            "rows": per_page + 1,
        }
        # The newest window that holds CANDIDATES matches holds the newest CANDIDATES: most
        # searches read one window; a word rare among recent documents reads a few, the last
        # one unbounded; a query expected to find few documents reads the whole index at once;
        # a query of common words walks the first window (or a small site) in key order.
        floors = () if plan.few_matches else _window_floors(stats)
        for number, floor in enumerate((*floors, None)):
            statement = _pg_ranked(
                shape, query, tuple(configs), None if rarer is None else len(rarer.words), floor,
                CANDIDATES, plan.walk and number == 0,
            )  # fmt: skip
            rows = db.session.execute(statement, values).all()
            if floor is None or (rows and rows[0].candidates >= CANDIDATES):
                break
    else:
        rows = _sqlite_rows(parsed, shape, values, page, per_page)
    results.has_next = len(rows) > per_page
    rows = rows[:per_page]
    post_ids = [r.post_id for r in rows if r.post_id is not None]
    page_ids = [r.page_id for r in rows if r.page_id is not None]
    loaded_posts = (
        {card.id: card for card in read_cards(_post_cards(), {"ids": post_ids})} if post_ids else {}
    )
    loaded_pages = (
        {p.id: p for p in db.session.scalars(_page_results(), {"ids": page_ids})}
        if page_ids
        else {}
    )
    terms = parsed.highlight_terms
    for row in rows:
        post = loaded_posts.get(row.post_id) if row.post_id else None
        page_obj = loaded_pages.get(row.page_id) if row.page_id else None
        if post is None and page_obj is None:
            continue
        results.hits.append(
            SearchHit(
                post=post,
                page=page_obj,
                title=row.title,
                snippet=snippet(row.body or row.excerpt, terms, stemming=postgres),
                title_html=snippet(row.title, terms, stemming=postgres, words=200),
            )
        )
    return results


# ---- snippets ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+|\W+")


def _fold(word: str) -> str:
    if word.isascii():  # nothing to strip, and casefold() is lower() (most words, fast)
        return word.lower()
    return strip_accents(word).casefold()


def _matches(token: str, terms: Sequence[str], stemming: bool) -> bool:
    folded = _fold(token)
    for term in terms:
        if folded == term:
            return True
        if stemming and len(term) >= 4 and len(folded) >= 4:
            common = len(_common_prefix(folded, term))
            if common >= 4 and common >= min(len(folded), len(term)) - 2:
                return True
    return False


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


def snippet(
    text_value: str, terms: Sequence[str], *, stemming: bool = False, words: int = SNIPPET_WORDS
) -> Markup:
    """About ``words`` words of ``text_value`` around the first match, escaped, with the
    matching words in ``<mark>``. Stored text is plain (tags were stripped when indexing), and
    escaping happens here, so nothing in a post can become markup in a snippet.

    A search page makes twenty of these (a title and a text per hit), over whole articles when
    the match is in the title only. A text in ASCII (most texts in English, German without
    umlauts ...) is not cut into words: one regular expression finds the words that may match
    (``_candidates``), each is checked as below, and the runs between them are escaped whole;
    a text in ASCII that holds none of the terms, which every match needs, is not searched at
    all. Other texts are walked word by word up to the first match, and only the window shown
    is cut into words and the runs between them."""
    if not text_value:
        return Markup("")
    text = text_value[:200_000]
    folded_terms = [_fold(t) for t in terms]
    seen: dict[str, bool] = {}

    def hit(token: str) -> bool:
        found = seen.get(token)
        if found is None:
            found = seen[token] = _matches(token, folded_terms, stemming)
        return found

    first_word = _WORD.search(text)
    if first_word is None:
        return escape(text_value[:200])
    lead = words // 3  # words shown before the first match
    ascii_text = text.isascii()
    candidates = _candidates(tuple(folded_terms), stemming) if ascii_text else None
    start = first_word.start()  # without a match: the beginning
    if candidates is not None and _may_match(text, folded_terms, stemming):
        match = next((m for m in candidates.finditer(text) if hit(m.group())), None)
        if match is not None:
            start = _lead_start(text, match.start(), lead, start)
    elif ascii_text:
        candidates = None  # no word can match
    else:
        start = _walk_to_first_match(text, start, lead, hit)
    end = start
    for shown, word in enumerate(_WORD.finditer(text, start), 1):
        end = word.end()
        if shown == words:
            break
    out: list[str] = ["… "] if start > first_word.start() else []
    if ascii_text:
        done = start  # escaped up to here
        for match in () if candidates is None else candidates.finditer(text, start, end):
            word = match.group()
            if hit(word):  # an ASCII word (letters, digits, "_") needs no escaping
                out += (escape(text[done : match.start()]), "<mark>", word, "</mark>")
                done = match.end()
        out.append(escape(text[done:end]))
    else:
        run: list[str] = []  # tokens since the last match, escaped together
        for token in _TOKEN.findall(text, start, end):
            if (token[0].isalnum() or token[0] == "_") and hit(token):
                out += (escape("".join(run)), "<mark>", escape(token), "</mark>")
                run = []
            else:
                run.append(token)
        out.append(escape("".join(run)))
    if _WORD.search(text, end):
        out.append(" …")
    return Markup("".join(out))  # noqa: S704 (every piece is escaped or a literal above)


@lru_cache(maxsize=256)
def _candidates(folded_terms: tuple[str, ...], stemming: bool) -> re.Pattern | None:
    """The words of an ASCII text that may match ``folded_terms`` (``_matches`` decides): a
    word that lower-cases to a term, or, stemming, one starting with a term's first four
    letters. None when no term is in ASCII (no word of an ASCII text can match)."""
    choices = sorted(
        {
            re.escape(term[:4]) + r"\w*" if stemming and len(term) >= 4 else re.escape(term)
            for term in folded_terms
            if term.isascii()
        }
    )
    if not choices:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(choices) + r")(?!\w)", re.ASCII | re.IGNORECASE)


def _lead_start(text: str, at: int, lead: int, first: int) -> int:
    """Where the ``lead`` words before ``at`` start (``first``, the first word's start, when
    fewer words come before it), read backwards from ``at`` in growing steps."""
    if lead == 0:
        return at
    span = 16 * lead
    while True:
        low = max(0, at - span)
        starts = [word.start() for word in _WORD.finditer(text, low, at)]
        if low == 0:
            return first if len(starts) < lead else starts[-lead]
        if len(starts) > lead:  # the first may be cut at ``low``; the lead-th last is whole
            return starts[-lead]
        span *= 4


def _walk_to_first_match(text: str, first: int, lead: int, hit: Callable[[str], bool]) -> int:
    """Where the shown window starts: ``lead`` words before the first match, walking word by
    word; ``first``, the first word's start, when no word matches."""
    before: deque[int] = deque(maxlen=max(lead, 1))  # where the words before it start
    for count, word in enumerate(_WORD.finditer(text)):
        if hit(word.group()):
            if lead == 0:
                return word.start()
            return first if count < lead else before[0]
        before.append(word.start())
    return first


def _may_match(text: str, folded_terms: Sequence[str], stemming: bool) -> bool:
    """False when no word of ``text`` can match: in ASCII a word folds to its lower case, and
    a match is the term itself or, stemming, a word sharing its first four letters. Other
    texts are not ruled out here (folding them whole would cost what walking them does)."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return any((t[:4] if stemming and len(t) >= 4 else t) in lowered for t in folded_terms)


# The results' cards, built once and run with each search's ids (see app.content.listing
# ``Query``): the ranking statement above depends on the words, these do not.


@lru_cache(maxsize=1)
def _post_cards() -> Select:
    return (
        select(Post).where(Post.id.in_(bindparam("ids", expanding=True))).options(*card_options())
    )


@lru_cache(maxsize=1)
def _page_results() -> Select:
    return (
        select(Page)
        .where(Page.id.in_(bindparam("ids", expanding=True)))
        .options(
            load_only(
                Page.id,
                Page.title,
                Page.slug,
                Page.parent_id,
                Page.language,
                Page.updated_at,
                Page.status,
            )
        )
    )
