"""The parts of a page that are the same on every public page (the footer's archive list, the
header menu) are worked out once per site state and worker (app.caching.fragments), even with
the page cache off, and a visitor still never sees them older than the last save.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.content.pages import PageDraft, save_page
from app.extensions import db
from app.models import MenuItem, Page
from tests.conftest import card_titles, count_queries, login, post_form
from tests.factories import SETUP, add_to_menu, make_category, make_page, make_post, make_user


@pytest.fixture
def uncached(app_factory):
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        yield app


def _footer(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1]


def _nav(html: str) -> str:
    return html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]


def test_archive_list_shows_a_new_month_on_the_next_view(uncached):
    client = uncached.test_client()
    author = make_user()
    make_post(author, published_at=datetime(2023, 5, 4, 12, tzinfo=UTC))
    assert "May 2023" in _footer(client.get("/").text)
    assert "March 2025" not in _footer(client.get("/").text)

    make_post(author, published_at=datetime(2025, 3, 9, 12, tzinfo=UTC))
    footer = _footer(client.get("/").text)
    assert "March 2025" in footer
    assert '/2025/3/"' in footer or '/2025/03/"' in footer


def test_archive_list_is_not_recomputed_while_nothing_changes(uncached):
    client = uncached.test_client()
    make_post(make_user(), published_at=datetime(2023, 5, 4, 12, tzinfo=UTC))
    client.get("/")  # the first public page works the list out
    with count_queries(uncached) as statements:
        page = client.get("/2023/")
    assert "May 2023" in _footer(page.text)
    assert not [s for s in statements if "GROUP BY" in s.upper()], statements


def test_header_menu_follows_a_renamed_page_and_a_removed_entry(uncached):
    client = uncached.test_client()
    make_post(make_user())
    about = make_page("About us")
    add_to_menu(about)
    assert "About us" in _nav(client.get("/").text)

    page = db.session.get(Page, about.id)
    save_page(
        page, PageDraft(title="Who we are", body_source="Page text.", status="published"), by=SETUP
    )
    db.session.commit()
    nav = _nav(client.get("/").text)
    assert "Who we are" in nav and "About us" not in nav

    db.session.execute(db.delete(MenuItem))
    db.session.commit()
    assert "Who we are" not in _nav(client.get("/").text)


def test_scheduled_post_enters_the_archive_list_when_its_time_comes(uncached, monkeypatch):
    client = uncached.test_client()
    author = make_user()
    make_post(author, published_at=datetime(2023, 5, 4, 12, tzinfo=UTC))
    arrival = datetime.now(UTC).replace(microsecond=0) + timedelta(days=40)
    make_post(author, published_at=arrival)
    month = f"{arrival:%B %Y}"
    assert month not in _footer(client.get("/").text)

    later = arrival + timedelta(minutes=1)
    for module in ("app.caching.generation", "app.content.archives", "app.content.visibility"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: later)
    assert month in _footer(client.get("/").text)


def test_a_category_archive_follows_its_category_on_the_next_view(uncached):
    """A category archive finds its category in the outline kept per site state: no query for
    it between changes, and an edit in the admin shows on the next view."""
    visitor = uncached.test_client()
    reports = make_category("Reports", description="What we found.")
    make_post(make_user(), title="Harbour survey", category_ids=[reports.id])
    assert "What we found." in visitor.get("/category/reports/").text
    with count_queries(uncached) as statements:
        page = visitor.get("/category/reports/")
    assert card_titles(page.text) == ["Harbour survey"]
    assert not [s for s in statements if "FROM categories" in s], statements

    editor = uncached.test_client()
    make_user("editor", email="editor@example.org")
    login(editor, "editor@example.org")
    changes = {"name": "Research", "slug": "research", "parent": "",
               "description": "Studies and surveys."}  # fmt: skip
    assert post_form(editor, f"/admin/categories/{reports.id}/edit", changes).status_code == 302
    assert visitor.get("/category/reports/").status_code == 404
    page = visitor.get("/category/research/")
    assert "Studies and surveys." in page.text and "What we found." not in page.text
    assert card_titles(page.text) == ["Harbour survey"]

    annual = make_category("Annual", parent=db.session.get(type(reports), reports.id))
    make_post(make_user(), title="Annual report", category_ids=[annual.id])
    assert card_titles(visitor.get("/category/research/").text) == [
        "Annual report",
        "Harbour survey",
    ]
