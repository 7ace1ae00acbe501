"""Pages cost a constant number of SQL queries however much content the site has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.content.archives import archive_years
from app.content.settings import save_settings
from app.extensions import db
from tests.conftest import count_queries, login
from tests.factories import add_to_menu, make_category, make_page, make_post, make_user


def _populate(authors: int, posts: int) -> dict[str, str]:
    """A site with nested categories, tags, translations, pinned posts, pages and a menu,
    all growing with ``posts``; returns a URL of each kind of page."""
    writers = [make_user(name=f"Writer {n}") for n in range(authors)]
    parent = make_category("Campaigns")
    categories = [parent] + [
        make_category(f"Section {n}", parent=parent if n % 2 else None)
        for n in range(max(2, posts // 10))
    ]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    made = []
    for n in range(posts):
        made.append(
            make_post(
                writers[n % authors],
                published_at=start + timedelta(days=n),
                category_ids=[
                    categories[n % len(categories)].id,
                    categories[(n + 1) % len(categories)].id,
                ],
                tag_names=[f"tag {n % 7}", f"tag {n % 3}", "common"],
                language=("en", "de", "fa")[n % 3],
                sticky=n % 9 == 0,
                translation_of=made[-1].id if n % 2 and made else None,
            )
        )
    about = make_page("About")
    team = make_page("Team", parent=about)
    add_to_menu(about, team, *categories[:4])
    save_settings({"featured_categories": [c.id for c in categories[:4]]})
    db.session.commit()
    # The stored archive counts start stale on a fresh database; the first reader rebuilds them
    # once (tests/test_archive_counts.py), which is not a cost of any page: do it here.
    archive_years(datetime.now(UTC))
    middle = made[len(made) // 2]
    return {
        "home": "/",
        "home page 2": "/?page=2",
        "category": "/category/campaigns/",
        "tag": "/tag/common/",
        "author": f"/author/{writers[0].slug}/",
        "year": "/2020/",
        "language filter": "/2020/?lang=de",
        "post": f"/{middle.published_at:%Y/%m/%d}/{middle.slug}/",
        "page": "/about/team/",
        "search": "/search?q=words+body",
        "feed": "/feed/",
        "category feed": "/category/campaigns/feed/atom/",
    }


def _queries_for(app, url: str) -> int:
    client = app.test_client()
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_every_public_page_costs_the_same_queries_small_or_large(app_factory):
    small = app_factory()
    with small.app_context():
        small_counts = {kind: _queries_for(small, url) for kind, url in _populate(1, 25).items()}
    large = app_factory()
    with large.app_context():
        large_counts = {kind: _queries_for(large, url) for kind, url in _populate(6, 90).items()}
    assert small_counts == large_counts
    assert max(large_counts.values()) <= 11, large_counts


STAFF_SCREENS = [
    "/admin/",
    "/admin/?status=published",
    "/admin/users",
    "/admin/audit",
    "/admin/pages",
    "/admin/categories",
    "/admin/tags",
    "/admin/menu",
    "/admin/settings",
    "/admin/posts/new",
]


def _staff_site(size: int) -> None:
    make_user("admin", email="admin@example.org")
    writers = [make_user() for _ in range(size)]
    categories = [make_category(f"Section {n}") for n in range(size)]
    for n in range(size * 3):
        make_post(
            writers[n % size],
            category_ids=[categories[n % size].id],
            tag_names=[f"tag {n % size}"],
        )
    for n in range(size):
        make_page(f"Page {n}")
    add_to_menu(*categories[:size])


def test_every_staff_screen_costs_the_same_queries_small_or_large(app_factory):
    counts = []
    for size in (2, 12):
        app = app_factory()
        with app.app_context():
            _staff_site(size)
            client = app.test_client()
            login(client, "admin@example.org")
            edit_url = "/admin/posts/1/edit"
            per_screen = {}
            for url in [*STAFF_SCREENS, edit_url]:
                with count_queries(app) as statements:
                    assert client.get(url).status_code == 200, url
                per_screen[url] = len(statements)
            counts.append(per_screen)
    assert counts[0] == counts[1]


def test_a_post_page_reads_the_post_with_its_terms_and_neighbours(app_factory):
    app = app_factory(PAGE_CACHE=False)  # what a page costs when it is rendered
    with app.app_context():
        _post_page_queries(app)


def _post_page_queries(app) -> None:
    author = make_user()
    section = make_category("Campaigns")
    posts = [
        make_post(author, title=f"Report {n}", category_ids=[section.id], tag_names=["one", "two"])
        for n in range(3)
    ]
    middle = posts[1]
    url = f"/{middle.published_at:%Y/%m/%d}/{middle.slug}/"
    _queries_for(app, url)  # the site chrome, kept per site state, is read once
    client = app.test_client()
    with count_queries(app) as statements:
        page = client.get(url)
    # The post with its author; its categories, its tags and the previous and next posts
    # (one statement on SQLite; on PostgreSQL in the post's own statement, a round trip less).
    postgres = db.engine.dialect.name == "postgresql"
    assert len(statements) == (1 if postgres else 2), statements
    # The page shows the HTML made at save time, never the Markdown it came from.
    assert "body_source" not in statements[0].split("FROM")[0]
    assert "Campaigns" in page.text and ">one<" in page.text and ">two<" in page.text
    assert "Report 0" in page.text and "Report 2" in page.text


def test_the_home_page_reads_its_cards_and_headlines_together(app_factory):
    app = app_factory(PAGE_CACHE=False)  # what a page costs when it is rendered
    with app.app_context():
        author = make_user()
        section = make_category("Campaigns")
        for n in range(4):
            make_post(author, title=f"Report {n}", category_ids=[section.id], sticky=n == 0)
        save_settings({"featured_categories": [section.id]})
        db.session.commit()
        _queries_for(app, "/")  # the site chrome, kept per site state, is read once
        with count_queries(app) as statements:
            html = app.test_client().get("/").text
        postgres = db.engine.dialect.name == "postgresql"
    # The newest posts, the pinned ones, the featured blocks with their authors and pictures;
    # the headline strip on SQLite in a statement of its own, on PostgreSQL in the same one
    # (a round trip less).
    assert len(statements) == (1 if postgres else 2), statements
    strip = html[html.index('id="headlines-heading"') : html.index("</section>")]
    assert [f"Report {n}" in strip for n in range(4)] == [True] * 4
    assert 'aria-labelledby="pinned-heading"' in html and 'aria-label="Featured sections"' in html


# Columns no list shows: the article, what only the post page's head or the editor reads,
# and a picture's descriptive fields (caption, credit, file name).
NEVER_IN_LISTS = (
    "body_source", "body_html", "seo_title", "seo_description", "source_url", "custom_excerpt",
    "translation_group", "caption", "credit", "original_filename",
)  # fmt: skip


def test_lists_read_only_what_their_cards_show(app_factory):
    """Every column costs on every row (decoded, then set on an object): the home page, the
    archives and search read the columns of a card and nothing else."""
    app = app_factory()
    with app.app_context():
        urls = _populate(2, 20)
        for kind in ("home", "home page 2", "category", "tag", "author", "year", "search"):
            client = app.test_client()
            with count_queries(app) as statements:
                assert client.get(urls[kind]).status_code == 200
            # The selects that load cards: each piece of a statement before a FROM holds a
            # select's columns (a statement may start with a CTE of its own).
            cards = [piece for s in statements for piece in s.split("FROM")]
            cards = [selected for selected in cards if "posts.excerpt" in selected]
            assert cards, kind
            for selected in cards:
                read = [name for name in NEVER_IN_LISTS if f".{name}" in selected]
                assert not read, (kind, read)


def _statements_run(app, url: str) -> set[int]:
    """The statement objects ``url`` executes (by identity), through the ORM or on the
    connection (cards are read as plain rows)."""
    seen: set[int] = set()

    def note(conn, statement, *args) -> None:
        seen.add(id(statement))

    event.listen(Engine, "before_execute", note)
    try:
        assert app.test_client().get(url).status_code == 200, url
    finally:
        event.remove(Engine, "before_execute", note)
    return seen


def test_list_pages_reuse_their_statements_from_request_to_request(app_factory):
    """A list's statement is built once and run again with new values: SQLAlchemy finds a
    statement's compiled SQL by a key it computes by walking the statement and keeps on the
    object, so a statement built anew on every request is walked on every request (about
    100 µs an archive page, more than the database takes to run it)."""
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        urls = _populate(1, 25)
        for kind in ("home page 2", "category", "tag", "author", "year"):
            base = urls[kind].replace("?page=2", "")
            _statements_run(app, f"{base}?page=2")  # whatever is read once per site state
            second = _statements_run(app, f"{base}?page=2")
            third = _statements_run(app, f"{base}?page=3")
            assert second, kind
            assert third == second, kind
        # A year in one language: the language is one more parameter.
        _statements_run(app, "/2020/?lang=de")
        assert _statements_run(app, "/2020/?lang=de") == _statements_run(app, "/2020/?lang=fa")
        # A page: the page by its path, then its sub-pages.
        _statements_run(app, "/about/")
        assert len(_statements_run(app, "/about/")) == 2
        assert _statements_run(app, "/about/") == _statements_run(app, "/about/")
