"""Editors write standing pages (About us, Contact ...) and nest them in the staff area."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.content.pages import PageDraft, save_page
from app.extensions import db
from app.models import Page
from tests.conftest import csrf_token_from, login, post_form
from tests.factories import SETUP, make_user


def _page(slug: str) -> Page | None:
    db.session.expire_all()
    return db.session.scalar(select(Page).where(Page.slug == slug))


def _form(title: str, **fields) -> dict:
    return {
        "title": title,
        "slug": "",
        "body": "Some *words*.",
        "parent": "",
        "menu_order": "0",
        "status": "published",
        "language": "en",
        **{k: str(v) for k, v in fields.items()},
    }


def _stored_page(title: str, **fields) -> Page:
    page = save_page(None, PageDraft(title=title, body_source="Body.", **fields), by=SETUP)
    db.session.commit()
    return page


@pytest.fixture
def editor_client(client):
    make_user("editor", email="editor@example.org")
    login(client, "editor@example.org")
    return client


def test_nested_pages_made_in_admin_live_at_parent_slash_child(editor_client):
    response = post_form(editor_client, "/admin/pages/new", _form("About us"))
    assert response.status_code == 302
    about = _page("about-us")
    response = post_form(
        editor_client,
        "/admin/pages/new",
        _form("Our team", slug="team", parent=about.id, body="We are **five**."),
    )
    assert response.status_code == 302
    assert _page("team").parent_id == about.id

    public = editor_client.get("/about-us/team/")
    assert public.status_code == 200
    assert "<strong>five</strong>" in public.text
    assert editor_client.get("/team/").status_code == 404

    listing = editor_client.get("/admin/pages").text
    assert listing.index(">About us</a>") < listing.index(">Our team</a>")
    assert "<code>/about-us/team/</code>" in listing


def test_a_draft_page_is_hidden_from_visitors(app, editor_client):
    response = post_form(editor_client, "/admin/pages/new", _form("Contact", status="draft"))
    assert response.status_code == 302
    assert "Draft" in editor_client.get("/contact/").text
    visitor = app.test_client()
    assert visitor.get("/contact/").status_code == 404

    page = _page("contact")
    form = _form("Contact", slug="contact", status="published")
    assert post_form(editor_client, f"/admin/pages/{page.id}/edit", form).status_code == 302
    assert visitor.get("/contact/").status_code == 200


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("admin", "is used by the site itself"),
        ("category", "is used by the site itself"),
        ("2024", "cannot be only digits"),
        ("taken", "Another page already uses this address."),
        ("Not A Slug", "Use lower-case letters, digits and single hyphens."),
    ],
)
def test_unusable_page_slugs_are_refused_and_the_input_kept(editor_client, slug, message):
    _stored_page("Taken", slug="taken")
    response = post_form(
        editor_client,
        "/admin/pages/new",
        _form("Mein Beitrag", slug=slug, body="Mein *Text* bleibt."),
    )
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Mein Beitrag"' in response.text
    assert "Mein *Text* bleibt." in response.text
    assert db.session.scalar(select(Page).where(Page.title == "Mein Beitrag")) is None


def test_a_page_cannot_be_placed_under_its_own_subpage(editor_client):
    about = _stored_page("About", slug="about")
    team = _stored_page("Team", slug="team", parent_id=about.id)
    response = post_form(
        editor_client,
        f"/admin/pages/{about.id}/edit",
        _form("About renamed", slug="about", parent=team.id),
    )
    assert response.status_code == 200
    assert "cannot be placed under itself or one of its sub-pages" in response.text
    assert 'value="About renamed"' in response.text
    kept = _page("about")
    assert kept.parent_id is None and kept.title == "About"


def test_preview_renders_the_body_without_saving(editor_client):
    data = _form("Preview me", body="A <script>alert(1)</script>**bold** claim.", preview="Preview")
    response = post_form(editor_client, "/admin/pages/new", data)
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.text
    assert "<script>alert(1)" not in response.text
    assert _page("preview-me") is None


def test_page_language_sets_lang_and_direction(editor_client):
    response = post_form(
        editor_client, "/admin/pages/new", _form("درباره ما", slug="darbareh", language="fa")
    )
    assert response.status_code == 302
    assert _page("darbareh").language == "fa"
    html = editor_client.get("/darbareh/").text
    assert '<article class="post page" lang="fa" dir="rtl">' in html
    assert '<html lang="en" dir="ltr">' in html  # the site's chrome keeps its language


def test_deleting_a_page_moves_its_subpages_up(editor_client):
    about = _stored_page("About", slug="about", status="published")
    _stored_page("Team", slug="team", parent_id=about.id, status="published")
    confirm = editor_client.get(f"/admin/pages/{about.id}/delete").text
    assert "Delete this page?" in confirm and "<li>Team</li>" in confirm
    response = post_form(editor_client, f"/admin/pages/{about.id}/delete", {})
    assert response.status_code == 302
    assert _page("about") is None
    assert editor_client.get("/about/").status_code == 404
    # The sub-page's old address follows it (a page whose address changes leaves a redirect).
    moved = editor_client.get("/about/team/")
    assert moved.status_code == 301 and moved.headers["Location"] == "/team/"
    assert editor_client.get("/team/").status_code == 200


PAGE_URLS = [
    ("get", "/admin/pages"),
    ("get", "/admin/pages/new"),
    ("post", "/admin/pages/new"),
    ("get", "/admin/pages/{id}/edit"),
    ("post", "/admin/pages/{id}/edit"),
    ("get", "/admin/pages/{id}/delete"),
    ("post", "/admin/pages/{id}/delete"),
]


@pytest.mark.parametrize(("method", "url"), PAGE_URLS)
def test_authors_get_403_on_page_screens(client, method, url):
    page = _stored_page("Kept", slug="kept")
    make_user("author", email="author@example.org")
    login(client, "author@example.org")
    token = csrf_token_from(client.get("/admin/").text)
    response = getattr(client, method)(
        url.format(id=page.id), data={**_form("Hijacked", slug="kept"), "csrf_token": token}
    )
    assert response.status_code == 403
    assert _page("kept").title == "Kept"
    nav = client.get("/admin/").text.split('aria-label="Staff area"')[1].split("</nav>")[0]
    assert "Pages" not in nav


@pytest.mark.parametrize(("method", "url"), PAGE_URLS)
def test_anonymous_visitors_are_sent_to_login_from_page_screens(client, method, url):
    page = _stored_page("Kept", slug="kept")
    token = csrf_token_from(client.get("/login").text)
    response = getattr(client, method)(url.format(id=page.id), data={"csrf_token": token})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert _page("kept") is not None


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_manage_pages(client, role):
    make_user(role, email="staff@example.org")
    login(client, "staff@example.org")
    response = client.get("/admin/pages")
    assert response.status_code == 200
    assert ">Pages</a>" in response.text.split('aria-label="Staff area"')[1].split("</nav>")[0]


def test_a_page_change_without_csrf_token_is_refused(editor_client):
    page = _stored_page("Kept", slug="kept")
    assert editor_client.post("/admin/pages/new", data=_form("No token")).status_code == 400
    assert editor_client.post(f"/admin/pages/{page.id}/delete").status_code == 400
    assert _page("no-token") is None and _page("kept") is not None


def test_missing_page_is_404(editor_client):
    assert editor_client.get("/admin/pages/999/edit").status_code == 404
    assert editor_client.get("/admin/pages/999/delete").status_code == 404
