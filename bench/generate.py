"""Fill a database with a realistic site of any size, fast: a million posts in minutes.

Authors, categories, tags, pages, the menu and settings go through the ordinary domain code
(they are few). Posts and their category/tag links are written in bulk through SQLAlchemy Core:
``COPY`` on PostgreSQL, ``executemany`` in large batches on SQLite, with the Markdown rendered
and sanitised once and reused (every post has the same body; lists never read it anyway).

Usage::

    .venv/bin/python bench/generate.py --posts 1000000 --database-url postgresql+psycopg://...

The database's tables are dropped and created again. ``populate(app, posts)`` is what
``bench/bench_http.py`` calls.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.accounts.passwords import hash_password
from app.caching.generation import bump
from app.content import search
from app.content.audit import Actor
from app.content.pages import PageDraft, save_page
from app.content.rendering import render_markdown
from app.content.settings import save_settings
from app.content.taxonomy import default_category, save_category
from app.content.text import derive_excerpt
from app.extensions import db
from app.models import MenuItem, Post, Tag, User, post_categories, post_tags

AUTHORS = 20
CATEGORIES = 20
TAGS = 40
# Rare terms, whose archives must cost a page like the common ones (tests/test_query_plans.py):
# a tag on one post in RARE_EVERY, and a category with a sub-category on one post in RARE_EVERY
# each (every other one of those in both, so the parent's archive lists it once).
RARE_EVERY = 64
PINNED = 4  # a real site pins a handful of posts, however many it has
SCHEDULED = 5  # posts whose time has not come yet
BATCH = 20_000
BODY = (
    "A paragraph of an ordinary article with *some* emphasis and a [link](https://example.org).\n\n"
) * 12
LANGUAGES = ("en", "de", "fr", "fa")


def _structure() -> tuple[list[int], list[int], list[int], tuple[int, int, int]]:
    """Authors, categories (half nested), tags, pages, menu and featured sections; and the ids
    of the rare tag, the rare category and its sub-category."""
    password = hash_password("bench password 123")
    authors = [
        User(email=f"a{n}@bench.invalid", display_name=f"Author {n}", role="author",
             password_hash=password)
        for n in range(AUTHORS)
    ]  # fmt: skip
    db.session.add_all(authors)
    default_category()
    top = [save_category(None, name=f"Section {n}") for n in range(CATEGORIES // 2)]
    categories = top + [
        save_category(None, name=f"Subsection {n}", parent=top[n % len(top)])
        for n in range(CATEGORIES - len(top))
    ]
    tags = [Tag(name=f"topic {n}", slug=f"topic-{n}") for n in range(TAGS)]
    tags.append(Tag(name="common", slug="common"))
    rare_tag = Tag(name="rare", slug="rare")
    db.session.add_all([*tags, rare_tag])
    rare = save_category(None, name="Rare")
    rare_sub = save_category(None, name="Rare sub", parent=rare)
    about = save_page(
        None,
        PageDraft(title="About", body_source=BODY, status="published"),
        by=Actor(label="bench data"),
    )
    db.session.add(MenuItem(position=0, page_id=about.id))
    for position, category in enumerate(top[:4], start=1):
        db.session.add(MenuItem(position=position, category_id=category.id))
    db.session.flush()
    save_settings({"featured_categories": [c.id for c in top[:3]]})
    db.session.commit()
    return (
        [a.id for a in authors],
        [c.id for c in categories],
        [t.id for t in tags],
        (rare_tag.id, rare.id, rare_sub.id),
    )


# Words that vary between titles, so searches match a known share of the posts: a word of
# TOPICS is in 1 % of the titles, a pair of TOPICS and PLACES in about 1 in 9,000.
TOPICS = [f"{stem}{suffix}" for stem in ("harbour", "meadow", "glacier", "estuary", "forest",
          "delta", "lagoon", "canyon", "prairie", "tundra") for suffix in ("", "s", "land",
          "side", "field", "ward", "mouth", "gate", "wood", "view")]  # fmt: skip
PLACES = [f"{name}{n}" for n in range(9) for name in ("rhine", "danube", "elbe", "loire", "po",
          "tagus", "oder", "vistula", "ebro", "seine")][:89]  # fmt: skip


def search_words(posts: int) -> dict[str, str]:
    """Queries for the benchmark: one word (1 % of posts), two words, a phrase, and a word
    in every post."""
    n = posts // 2
    return {
        "one word": TOPICS[n % len(TOPICS)],
        "two words": f"{TOPICS[n % len(TOPICS)]} {PLACES[n % len(PLACES)]}",
        "phrase": f'"state of {TOPICS[n % len(TOPICS)]}"',
        "word in every post": "report",
    }


def _dates(posts: int, now: datetime) -> list[datetime]:
    """Ten years of posts up to yesterday, evenly spread, then a few scheduled ones."""
    end = now - timedelta(days=1)
    step = timedelta(days=3650) / max(posts, 1)
    start = end - step * posts
    return [
        now + timedelta(days=n - posts + SCHEDULED + 1)
        if n >= posts - SCHEDULED
        else start + step * n
        for n in range(posts)
    ]


def _rows(posts: int, authors: list[int], dates: list[datetime]) -> Iterator[dict]:
    body_html = render_markdown(BODY)
    excerpt = derive_excerpt(body_html)
    pinned_every = max(posts // PINNED, 1)
    for n in range(posts):
        scheduled = n >= posts - SCHEDULED
        published_at = dates[n]
        yield {
            "id": n + 1,
            "title": f"Report number {n} on the state of {TOPICS[n % len(TOPICS)]} "
            f"by the {PLACES[n % len(PLACES)]}",
            "slug": f"report-number-{n}",
            "body_source": BODY,
            "body_html": body_html,
            "custom_excerpt": None,
            "excerpt": excerpt,
            "status": "published",
            "author_id": authors[n % len(authors)],
            "published_at": published_at,
            "created_at": published_at,
            "updated_at": published_at,
            "language": LANGUAGES[n % len(LANGUAGES)],
            "sticky": n % pinned_every == pinned_every - 1 and not scheduled,
            "version": 1,
        }


def _links(
    dates: list[datetime], categories: list[int], tags: list[int], rare: tuple[int, int, int]
) -> tuple[Iterator, Iterator]:
    """(post id, term id, the post's date) rows: every post is published, so its links carry
    its date (app.content.visibility ``link_published_at``)."""
    common = tags[-1]
    rare_tag, rare_category, rare_sub = rare

    def category_ids(n: int) -> list[int]:
        extra = {9: [rare_category], 9 + RARE_EVERY // 2: [rare_sub]}.get(n % RARE_EVERY, [])
        if n % (2 * RARE_EVERY) == 9:
            extra = [rare_category, rare_sub]
        return [categories[n % len(categories)], *extra]

    def tag_ids(n: int) -> list[int]:
        return [tags[n % (len(tags) - 1)], common, *([rare_tag] if n % RARE_EVERY == 7 else [])]

    category_rows = ((n + 1, c, date) for n, date in enumerate(dates) for c in category_ids(n))
    tag_rows = ((n + 1, t, date) for n, date in enumerate(dates) for t in tag_ids(n))
    return category_rows, tag_rows


def _batches(rows: Iterator, size: int = BATCH) -> Iterator[list]:
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy_postgres(connection, table: str, columns: list[str], rows: Iterator) -> None:
    cursor = connection.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def populate(posts: int, *, progress: bool = False) -> float:
    """Empty the app's database and fill it; returns the seconds it took."""
    began = time.perf_counter()
    db.drop_all()
    db.create_all()
    authors, categories, tags, rare = _structure()
    dates = _dates(posts, datetime.now(UTC))
    post_rows = _rows(posts, authors, dates)
    category_links, tag_links = _links(dates, categories, tags, rare)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(Post.__table__.columns.keys())
        wanted = [c for c in columns if c not in {"translation_group", "byline_name",
                  "source_name", "source_url", "source_published_on",
                  "featured_media_id", "password", "seo_title", "seo_description",
                  "noindex"}]  # fmt: skip
        naive = ("published_at", "created_at", "updated_at")  # the columns hold naive UTC
        _copy_postgres(
            connection,
            "posts",
            wanted,
            (
                [r[c].replace(tzinfo=None) if c in naive else r[c] for c in wanted]
                for r in post_rows
            ),
        )
        for table, term, links in (
            ("post_categories", "category_id", category_links),
            ("post_tags", "tag_id", tag_links),
        ):
            _copy_postgres(
                connection,
                table,
                ["post_id", term, "published_at"],
                ((p, t, date.replace(tzinfo=None)) for p, t, date in links),
            )
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT max(id) FROM posts))"
            )
        )
    else:
        for number, batch in enumerate(_batches(post_rows), start=1):
            connection.execute(insert(Post.__table__), batch)
            if progress and number % 10 == 0:
                print(f"  {number * BATCH} posts", flush=True)
        for table, term, links in (
            (post_categories, "category_id", category_links),
            (post_tags, "tag_id", tag_links),
        ):
            for batch in _batches(links):
                connection.execute(
                    insert(table),
                    [{"post_id": p, term: t, "published_at": date} for p, t, date in batch],
                )
    search.rebuild(connection)  # rows written behind the session listener's back
    bump(db.session)
    db.session.commit()
    if connection.dialect.name == "postgresql":
        # VACUUM as well: a live site's tables are vacuumed by autovacuum, which sets the
        # visibility map that index-only scans rely on (without it each reads the rows too).
        # This machine's PostgreSQL runs with autovacuum off, so a fresh bench database would
        # otherwise never be.
        with db.engine.connect() as analyze:
            analyze.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM (ANALYZE)")
            )
        # What `flask search refresh` (weekly, from cron; README) keeps in place.
        db.session.remove()
        search.refresh_recent_index(db.engine)
    else:
        with db.engine.connect() as analyze:
            analyze.execute(text("ANALYZE"))
            analyze.commit()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": args.database_url,
                "INSTANCE_PATH": Path(folder),
                "SECRET_KEY": "bench" * 10,
                "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            }
        )
        with app.app_context():
            seconds = populate(args.posts, progress=True)
            print(f"{args.posts} posts in {seconds:.1f} s ({args.posts / seconds:,.0f} posts/s)")


if __name__ == "__main__":
    main()
