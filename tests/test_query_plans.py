"""Every public page costs the same at any size: its queries follow indexes and stop early.

A constant number of queries is not a constant cost. With a few thousand posts, every query of
every public page is run again under the database's planner:

- PostgreSQL: ``EXPLAIN (ANALYZE, FORMAT JSON)``; no plan node may read more than a small
  multiple of the page size (rows returned plus rows a filter threw away, times loops);
- SQLite: ``EXPLAIN QUERY PLAN``; no full scan of posts or their link tables, and no temporary
  B-tree to sort (the ORDER BY must come from an index); and each query runs at most a few
  thousand bytecode steps (SQLite's own measure of work done).
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from sqlalchemy import event

from app.caching.generation import STATE_SQL
from app.extensions import db
from app.models import Post, utcnow
from bench.generate import populate, search_words

POSTS = 3000
PER_PAGE = 10
# A list page reads its page plus one row past the offset; headlines read 20. Category and tag
# archives walk their term's own (term, published_at, post_id) index, so they read offset + page
# rows however rare the term (the generator's "rare" tag and category hold 1.6 % and 3 % of the
# posts); a category with sub-categories reads that once per (sub-)category. A node reading
# more than this on a 3,000-post site reads "the site".
ROW_BUDGET = 250
# A search ranks the newest CANDIDATES (500) matches: for a word in every post it reads that
# many. A plan reading twice that reads "the site" (all 3,000 documents).
ROW_BUDGETS = {"search word in every post": 1000}


@contextmanager
def recorded_statements():
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _pages() -> dict[str, str]:
    from app.templating import post_url

    newest = db.session.scalar(db.select(Post.id).order_by(Post.id.desc()))
    middle = db.session.get(Post, newest // 2)
    with db.session.no_autoflush:
        from flask import current_app

        with current_app.test_request_context():
            post_path = post_url(middle)
    year, month = middle.published_at.year, middle.published_at.month
    return {
        "home": "/",
        "home page 3": "/?page=3",
        "home in German": "/?lang=de",
        "category with sub-category": "/category/section-0/",
        "category page 2": "/category/section-1/?page=2",
        "tag": "/tag/common/",
        "tag page 3": "/tag/common/?page=3",
        # Rare terms: walking the posts' date index and probing the link would read about
        # (offset + page) / share rows, 700 for page 1 of the rare tag and 3,000 for page 5.
        "rare tag": "/tag/rare/",
        "rare tag page 5": "/tag/rare/?page=5",
        "rare category with sub-category": "/category/rare/",
        "rare category page 5": "/category/rare/?page=5",
        "rare sub-category page 5": "/category/rare-sub/?page=5",
        "rare tag feed": "/tag/rare/feed/",
        "rare category feed": "/category/rare/feed/",
        "author": "/author/author-0/",
        "year": f"/{year}/",
        "month in French": f"/{year}/{month}/?lang=fr",
        "post": post_path,
        "page": "/about/",
        "site feed": "/feed/",
        "category feed": "/category/section-0/feed/",
        "tag feed (Atom)": "/tag/common/feed/atom/",
        "author feed": "/author/author-0/feed/",
        "category sitemap": "/sitemap-categories.xml",
        **{
            f"search {kind}": "/search?" + urlencode({"q": words})
            for kind, words in search_words(POSTS).items()
        },
    }


@pytest.fixture
def big_site(app_factory):
    app = app_factory(PAGE_CACHE=False, POSTS_PER_PAGE=PER_PAGE)
    with app.app_context():
        populate(POSTS)
        yield app, _pages()


STAFF_PAGES = {
    "staff post list": "/admin/",
    "staff list, published, page 2": "/admin/?status=published&page=2",
}


def _staff_client(app):
    from tests.conftest import login
    from tests.factories import make_user

    make_user("editor", email="plans-editor@example.org")
    client = app.test_client()
    login(client, "plans-editor@example.org")
    return client


def _statements_of(app, url: str, client=None) -> list[tuple[str, object]]:
    client = client or app.test_client()
    client.get(url)  # settle anything done once
    with recorded_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
    return [*selects, _state_query()]


def _state_query() -> tuple[str, object]:
    """The site-state read every page (and every cached page) costs; it runs on a connection
    of its own, so the recorder does not see it."""
    now = utcnow().replace(tzinfo=None)
    if db.engine.dialect.name == "sqlite":
        return STATE_SQL.format(mark="?"), (now.isoformat(" "),)
    return STATE_SQL.format(mark="%(now)s"), {"now": now}


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _rows_read(node: dict) -> float:
    per_loop = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
    per_loop += node.get("Rows Removed by Index Recheck", 0)
    return per_loop * node.get("Actual Loops", 1)


def test_postgresql_plans_read_a_page_not_the_site(big_site, backend):
    if backend != "postgresql":
        pytest.skip("EXPLAIN ANALYZE is the PostgreSQL half; SQLite has its own test")
    app, pages = big_site
    staff = _staff_client(app)
    problems = []
    for kind, url in [*pages.items(), *STAFF_PAGES.items()]:
        client = staff if kind in STAFF_PAGES else None
        for statement, parameters in _statements_of(app, url, client):
            # Each statement twice: planned for its values, as on its first uses, and with
            # the generic plan its prepared form runs with from then on (app/read_transactions
            # sets plan_cache_mode = force_generic_plan), which knows no values.
            for label, plan in (
                ("", _custom_plan(statement, parameters)),
                (" (generic plan)", _generic_plan(statement, parameters)),
            ):
                budget = ROW_BUDGETS.get(kind, ROW_BUDGET)
                for node in _nodes(plan):
                    if _rows_read(node) > budget:
                        relation = node.get("Relation Name") or node.get("Index Name") or ""
                        problems.append(
                            f"{kind}{label}: {node['Node Type']} {relation} read "
                            f"{_rows_read(node):.0f} rows in\n"
                            f"    {' '.join(statement.split())[:300]}"
                        )
    assert not problems, "\n".join(problems)


# At a few thousand rows PostgreSQL rightly prefers a sequential scan of a small link table
# (post_categories) to twenty index probes; at a million it does not. Ruling sequential scans
# out makes the test ask what matters at any size: is there an index-backed plan that reads a
# page? (A missing index still shows as a full scan or a bitmap scan over every row, and fails.)
NO_SEQUENTIAL_SCANS = "SET enable_seqscan = off"


def _custom_plan(statement: str, parameters) -> dict:
    with db.engine.connect() as connection:
        connection.exec_driver_sql(NO_SEQUENTIAL_SCANS)
        raw = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
        ).scalar()
    return (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]


def _generic_plan(statement: str, parameters) -> dict:
    """The plan of ``statement`` prepared (by psycopg, with its parameters' types) and run
    with ``plan_cache_mode = force_generic_plan``."""
    from psycopg import sql

    raw = db.engine.raw_connection()
    try:
        connection = raw.dbapi_connection
        connection.execute("SET plan_cache_mode = force_generic_plan")
        connection.execute(NO_SEQUENTIAL_SCANS)
        connection.execute(statement, parameters, prepare=True).fetchall()
        name = connection.execute(
            "SELECT name FROM pg_prepared_statements WHERE from_sql IS false"
            " ORDER BY prepare_time DESC LIMIT 1"
        ).fetchone()[0]
        # psycopg numbers named parameters in the order they first appear.
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
        values = [parameters[n] for n in names] if isinstance(parameters, dict) else parameters
        arguments = sql.SQL(", ").join(sql.Literal(v) for v in values)
        execute = sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {}").format(sql.Identifier(name))
        if values:
            execute = sql.SQL("{}({})").format(execute, arguments)
        result = connection.execute(execute).fetchone()[0]
        connection.rollback()
    finally:
        raw.close()
    return (result if isinstance(result, list) else json.loads(result))[0]["Plan"]


# SQLite cannot say how many rows a query read, but it can count the bytecode steps it ran:
# a page of posts is a few thousand; a walk over half of a 3,000-post table is tens of thousands
# (e.g. an index range that starts from the newest post because of a second upper bound).
VM_STEP_BUDGET = 12_000


def _sqlite_vm_steps(statement: str, parameters) -> int:
    raw = db.engine.raw_connection()
    try:
        calls = [0]

        def count() -> int:
            calls[0] += 1
            return 0

        raw.dbapi_connection.set_progress_handler(count, 100)
        cursor = raw.cursor()
        cursor.execute(statement, parameters)
        cursor.fetchall()
        cursor.close()
        raw.dbapi_connection.set_progress_handler(None, 0)
        return calls[0] * 100
    finally:
        raw.close()


FULL_SCAN = re.compile(r"^SCAN (posts|post_tags|post_categories)\b(?! USING)")


def test_sqlite_plans_use_indexes_for_filters_and_order(big_site, backend):
    if backend != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is the SQLite half; PostgreSQL has its own test")
    app, pages = big_site
    staff = _staff_client(app)
    problems = []
    for kind, url in [*pages.items(), *STAFF_PAGES.items()]:
        client = staff if kind in STAFF_PAGES else None
        for statement, parameters in _statements_of(app, url, client):
            with db.engine.connect() as connection:
                rows = connection.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters
                ).all()
            steps = _sqlite_vm_steps(statement, parameters)
            if steps > VM_STEP_BUDGET:
                problems.append(
                    f"{kind}: {steps} virtual-machine steps in\n    {' '.join(statement.split())[:300]}"
                )
            reads_posts = re.search(r"\bFROM posts\b", statement) is not None
            for row in rows:
                detail = row[-1]
                # Sorting categories or a post's own tags by name is bounded by the site's
                # structure, not by its number of posts; sorting posts is not. Nor is sorting
                # the merge of a category's and its sub-categories' index ranges, each cut at
                # offset + page + 1 rows (app.content.archives.term_posts), or a post's terms
                # with its two neighbours (app.content.surroundings); the step budget above
                # still counts both.
                merged_ranges = (
                    re.search(r"\) AS (term_posts|post_surroundings)\b", statement) is not None
                )
                sorts_posts = (
                    reads_posts and not merged_ranges and "TEMP B-TREE FOR ORDER BY" in detail
                )
                if FULL_SCAN.search(detail) or sorts_posts:
                    problems.append(f"{kind}: {detail} in\n    {' '.join(statement.split())[:300]}")
    assert not problems, "\n".join(problems)


def test_pages_past_the_last_numbered_page_are_404_and_point_to_the_archives(app_factory):
    from app.content.listing import MAX_PAGE

    app = app_factory(PAGE_CACHE=False, POSTS_PER_PAGE=2)
    with app.app_context():
        populate(2 * MAX_PAGE + 20)  # 4 pinned and 5 scheduled posts are not in the list
        client = app.test_client()
        last = client.get(f"/?page={MAX_PAGE}")
        assert last.status_code == 200
        # (the arrow is drawn by CSS, so it mirrors on right-to-left pages)
        assert "Older posts: the " in last.text and " archive</a>" in last.text
        assert client.get(f"/?page={MAX_PAGE + 1}").status_code == 404
