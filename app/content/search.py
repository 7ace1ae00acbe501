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
  ``fragwürdige``), kept in step by triggers on ``search_documents``.
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

**Cost.** PostgreSQL takes the newest ``CANDIDATES`` (500) matches from the GIN index,
ordered by date (no vector is read but for a phrase's or exclusion's recheck), and ranks only
those: a search's cost is bounded by that, whatever the number of matches. Every page a visitor
can open (``MAX_PAGE`` x ``PER_PAGE``) fits; an older match is never listed, however well it
would rank. SQLite's FTS5 ranks every match with bm25, which stays fast (README).
"""

from __future__ import annotations

import re
import time
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import (
    DDL,
    Connection,
    and_,
    bindparam,
    case,
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

# Columns of the FTS5 table, in order, and their bm25 weights (a title hit outweighs any body).
FTS_COLUMNS = ("title", "excerpt", "byline", "tags", "body")
FTS_WEIGHTS = (100.0, 4.0, 4.0, 4.0, 1.0)


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
SQLITE_DROP = "DROP TABLE IF EXISTS search_fts"
# Tables SQLite makes for the FTS5 index; not in the models (migrations/env.py skips them).
SQLITE_SHADOW_PREFIX = "search_fts"

# ``metadata.create_all`` / ``drop_all`` make and remove them too (installed by install_listeners).
_SQLITE_CREATE_DDL = [DDL(s).execute_if(dialect="sqlite") for s in SQLITE_SCHEMA]
_SQLITE_DROP_DDL = DDL(SQLITE_DROP).execute_if(dialect="sqlite")


def create_sqlite_schema(connection: Connection) -> None:
    """For migrations: the FTS5 table and triggers (no-op on PostgreSQL)."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SCHEMA:
            connection.exec_driver_sql(statement)


# ---- keeping the index in step --------------------------------------------------------------


def _document_values(bind, rows: Iterable[dict]) -> list[dict]:
    out = []
    for row in rows:
        out.append(
            {
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
    if not event.contains(search_documents, "before_drop", _SQLITE_DROP_DDL):
        event.listen(search_documents, "before_drop", _SQLITE_DROP_DDL)


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
    post: Post | None
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


def _sqlite_match(parsed: ParsedQuery) -> str:
    """An FTS5 expression built only from quoted strings of letters and digits."""
    positive = [f'"{w}"' for w in parsed.words] + [f'"{" ".join(p)}"' for p in parsed.phrases]
    expression = "(" + " AND ".join(positive) + ")"
    for word in parsed.excluded:
        expression += f' NOT "{word}"'
    return expression


def _pg_tsquery(parsed: ParsedQuery, configs: Sequence[str]):
    """(all words in any one language's reading) AND NOT (an excluded word in any reading)."""

    def any_of(queries: list):
        combined = queries[0]
        for other in queries[1:]:
            combined = func.tsquery_or(combined, other)
        return combined

    readings, excluded = [], []
    for name in configs:
        config = cast(literal(name), REGCONFIG)
        parts = [func.plainto_tsquery(config, w) for w in parsed.words]
        parts += [func.phraseto_tsquery(config, " ".join(p)) for p in parsed.phrases]
        query = parts[0]
        for part in parts[1:]:
            query = func.tsquery_and(query, part)
        readings.append(query)
        excluded += [func.plainto_tsquery(config, w) for w in parsed.excluded]
    positive = any_of(readings)
    if not excluded:
        return positive
    return func.tsquery_and(positive, func.tsquery_not(any_of(excluded)))


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
    doc = search_documents.c
    posts, pages = Post.__table__, Page.__table__
    postgres = _is_postgres(db.session.get_bind())

    # What may be found, on this table's own columns (kept in step by the indexing), so the
    # unfiltered search joins nothing: visitors find documents whose open_from has come.
    conditions = []
    if not staff:
        conditions.append(doc.open_from <= now)
    if filters.posts_only:
        conditions.append(doc.post_id.is_not(None))
    source = search_documents
    if filters.language or filters.posts_only:
        source = source.outerjoin(posts, posts.c.id == doc.post_id)
    if filters.language:
        source = source.outerjoin(pages, pages.c.id == doc.page_id)
        conditions.append(
            or_(posts.c.language == filters.language, pages.c.language == filters.language)
        )
    if filters.author_id:
        conditions.append(posts.c.author_id == filters.author_id)
    if filters.year_range:
        start, end = filters.year_range
        conditions.append(and_(posts.c.published_at >= start, posts.c.published_at < end))
    if filters.category_ids:
        conditions.append(
            select(post_categories.c.post_id)
            .where(
                post_categories.c.post_id == doc.post_id,
                post_categories.c.category_id.in_(sorted(set(filters.category_ids))),
            )
            .exists()
        )
    # Newest first; a draft without a date counts as newest (both databases alike).
    newest = (doc.published_at.desc().nulls_first(), doc.id.desc())
    columns = (doc.post_id, doc.page_id, doc.title, doc.excerpt, doc.body)

    if postgres:
        configs = (
            [config_for(filters.language)]
            if filters.language
            else configs_in_use(db.session.connection())
        )
        if filters.language and configs[0] != "simple":
            configs.append("simple")
        # Evaluated once per search (an InitPlan): written inline, the query's parsing (cast
        # to regconfig is not constant-folded) ran again for every row rechecked and ranked.
        tsquery = select(_pg_tsquery(parsed, configs)).scalar_subquery()
        # The newest CANDIDATES matches, found in the GIN index and ordered by date without
        # reading their vectors (a phrase or an exclusion still rechecks each document that
        # has all the words) ...
        candidates = (
            select(doc.id)
            .select_from(source)
            .where(doc.vector.op("@@")(tsquery), *conditions)
            .order_by(*newest)
            .limit(CANDIDATES)
            .subquery("candidates")
        )
        # ... and only those are ranked: title hits first, then relevance, then newest.
        title_hit = func.ts_rank(
            literal_column("'{0,0,0,1}'::float4[]"), doc.vector, tsquery
        ) > literal(0)
        statement = (
            select(*columns)
            .select_from(candidates.join(search_documents, doc.id == candidates.c.id))
            .order_by(
                case((title_hit, 1), else_=0).desc(),
                func.ts_rank(doc.vector, tsquery).desc(),
                *newest,
            )
        )
    else:
        # FTS5 ranks every match by bm25 (title weight 100: title hits first) fast enough
        # at 100,000 posts (README), so SQLite has no candidate bound.
        fts = table("search_fts", column("rowid"))
        weights = ", ".join(str(w) for w in FTS_WEIGHTS)
        statement = (
            select(*columns)
            .select_from(source.join(fts, fts.c.rowid == doc.id))
            .where(literal_column("search_fts").op("MATCH")(_sqlite_match(parsed)), *conditions)
            .order_by(literal_column(f"bm25(search_fts, {weights})").asc(), *newest)
        )
    statement = statement.limit(per_page + 1).offset((page - 1) * per_page)
    rows = db.session.execute(statement).all()
    results.has_next = len(rows) > per_page
    rows = rows[:per_page]
    post_ids = [r.post_id for r in rows if r.post_id is not None]
    page_ids = [r.page_id for r in rows if r.page_id is not None]
    loaded_posts = (
        {
            p.id: p
            for p in db.session.scalars(
                select(Post).where(Post.id.in_(post_ids)).options(*card_options())
            ).unique()
        }
        if post_ids
        else {}
    )
    loaded_pages = (
        {
            p.id: p
            for p in db.session.scalars(
                select(Page)
                .where(Page.id.in_(page_ids))
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
        }
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
_MARK, _END_MARK = Markup("<mark>"), Markup("</mark>")


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
    the match is in the title only: each distinct word is compared with the terms once."""
    if not text_value:
        return Markup("")
    folded_terms = [_fold(t) for t in terms]
    tokens = _TOKEN.findall(text_value[:200_000])
    word_positions = [i for i, t in enumerate(tokens) if t[0].isalnum() or t[0] == "_"]
    if not word_positions:
        return escape(text_value[:200])
    seen: dict[str, bool] = {}

    def hit(token: str) -> bool:
        found = seen.get(token)
        if found is None:
            found = seen[token] = _matches(token, folded_terms, stemming)
        return found

    first = next((n for n, i in enumerate(word_positions) if hit(tokens[i])), 0)
    start_word = max(0, first - words // 3)
    end_word = min(len(word_positions), start_word + words)
    start = word_positions[start_word]
    end = word_positions[end_word - 1] + 1
    out = [Markup("… ")] if start_word > 0 else []
    run: list[str] = []  # tokens since the last match, escaped together
    for token in tokens[start:end]:
        if (token[0].isalnum() or token[0] == "_") and hit(token):
            out += (escape("".join(run)), _MARK, escape(token), _END_MARK)
            run = []
        else:
            run.append(token)
    out.append(escape("".join(run)))
    if end_word < len(word_positions):
        out.append(Markup(" …"))
    return Markup("").join(out)  # every piece is escaped or one of these literals
