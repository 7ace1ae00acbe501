"""Standing pages: nested addresses, drafts, sub-page lists, the header menu."""

from __future__ import annotations

import pytest

from app.content.pages import PageDraft, PageError, save_page
from app.extensions import db
from tests.conftest import card_titles, count_queries, login
from tests.factories import SETUP, add_to_menu, make_category, make_page, make_post, make_user


def test_nested_page_lives_under_its_parent(client):
    about = make_page("About us", body="We are a **small** association.")
    team = make_page("Our team", parent=about, language="de")
    html = client.get("/about-us/").text
    assert "<strong>small</strong>" in html
    assert (
        '<a href="/about-us/our-team/" lang="de" dir="ltr">Our team</a>' in html
    )  # "In this section"
    child = client.get("/about-us/our-team/")
    assert child.status_code == 200
    assert '<article class="post page" lang="de" dir="ltr">' in child.text
    assert client.get(f"/{team.slug}/").status_code == 404  # only under its parent
    assert client.get("/about-us").status_code == 308  # the canonical form ends with a slash


def test_draft_page_is_hidden_from_visitors_but_previewed_for_staff(client):
    make_page("Coming soon", status="draft")
    assert client.get("/coming-soon/").status_code == 404
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    preview = client.get("/coming-soon/")
    assert preview.status_code == 200 and "visible to staff only" in preview.text


def test_pages_never_appear_in_post_lists(client):
    make_page("Contact")
    make_post(make_user(), title="A real post")
    assert card_titles(client.get("/").text) == ["A real post"]


def test_page_slugs_cannot_shadow_site_addresses(app):
    for title in ("Admin", "2024"):
        page = make_page(title)
        assert page.slug in {"admin-page", "2024-page"}
    with pytest.raises(PageError, match="used by the site"):
        save_page(None, PageDraft(title="Login", body_source="", slug="login"), by=SETUP)
    with pytest.raises(PageError, match="only digits"):
        save_page(None, PageDraft(title="Year", body_source="", slug="1999"), by=SETUP)


def test_a_page_cannot_become_its_own_ancestor(app):
    about = make_page("About")
    team = make_page("Team", parent=about)
    with pytest.raises(PageError):
        save_page(about, PageDraft(title="About", body_source="", parent_id=team.id), by=SETUP)


@pytest.mark.parametrize("status", ["pending", "private"])
def test_a_page_is_a_draft_or_published(app, status):
    """Pages have no review step and no staff-only state (posts do)."""
    with pytest.raises(PageError, match="draft or published"):
        save_page(None, PageDraft(title="Soon", body_source="", status=status), by=SETUP)


def test_header_menu_shows_chosen_pages_and_categories_in_order(client):
    about = make_page("About us")
    team = make_page("Team", parent=about)
    letters = make_category("Open letters")
    hidden = make_page("Draft page", status="draft")
    add_to_menu(letters, team, about, hidden)
    html = client.get("/").text
    nav = html[html.index('aria-label="Main"') : html.index("</nav>")]
    assert nav.index('href="/category/open-letters/"') < nav.index('href="/about-us/team/"')
    assert nav.index('href="/about-us/team/"') < nav.index('href="/about-us/"')
    assert "Draft page" not in nav


def test_authors_do_not_see_draft_pages(client):
    make_page("Unannounced", status="draft")
    make_user(email="author@example.org")
    login(client, "author@example.org")
    assert client.get("/unannounced/").status_code == 404


def test_a_page_lists_its_sub_pages_without_reading_their_bodies(app, client):
    about = make_page("About")
    make_page("Team", parent=about, body="A long body " * 200)
    make_page("History", parent=about)
    db.session.commit()
    with count_queries(app) as statements:
        html = client.get("/about/").text
    assert 'href="/about/team/"' in html and 'href="/about/history/"' in html
    children = [s for s in statements if "pages.parent_id = " in s]
    assert children and all("body" not in s.split("FROM")[0] for s in children)
