"""Writing and managing posts in the staff area, and who may touch which post."""

from __future__ import annotations

import pytest

from app.content.text import plain_text
from app.extensions import db
from app.models import Post, PostStatus
from tests.conftest import csrf_token_from, login, submit_form
from tests.factories import make_post, make_user

PROTECTED_URLS = [
    ("get", "/admin/"),
    ("get", "/admin/posts/new"),
    ("post", "/admin/posts/new"),
    ("get", "/admin/posts/{id}/edit"),
    ("post", "/admin/posts/{id}/edit"),
    ("get", "/admin/posts/{id}/delete"),
    ("post", "/admin/posts/{id}/delete"),
]

# The arrows are drawn by CSS (mirrored in right-to-left pages); the links carry rel.
OLDER = 'rel="next"'
NEWER = 'rel="prev"'


def _post_by_title(title: str) -> Post | None:
    return db.session.scalar(db.select(Post).where(Post.title == title))


@pytest.mark.parametrize(("method", "url"), PROTECTED_URLS)
def test_anonymous_visitors_are_sent_to_login(client, method, url):
    post = make_post(make_user())
    token = csrf_token_from(client.get("/login").text)
    response = getattr(client, method)(url.format(id=post.id), data={"csrf_token": token})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert db.session.get(Post, post.id) is not None


@pytest.mark.parametrize(("method", "url"), [u for u in PROTECTED_URLS if "{id}" in u[1]])
def test_author_gets_403_on_someone_elses_post(client, method, url):
    other = make_post(make_user(), title="Not yours")
    make_user(email="author@example.org", role="author")
    login(client, "author@example.org")
    page = client.get("/admin/")
    response = getattr(client, method)(
        url.format(id=other.id), data={"csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 403
    assert "Your account is not allowed to do that." in response.text  # the site's own 403 page
    assert db.session.get(Post, other.id).title == "Not yours"


@pytest.mark.parametrize("method", ["get", "post"])
def test_missing_post_is_404(client, method):
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    assert getattr(client, method)("/admin/posts/999/edit").status_code in {404, 400}
    assert client.get("/admin/posts/999/edit").status_code == 404


def test_author_writes_and_publishes_a_post(client):
    make_user(email="author@example.org", name="Claire Dubois")
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "L'été à Paris",
            "body": "Une *rencontre* avec les familles.",
            "status": "published",
        },
    )
    assert response.status_code == 302
    post = _post_by_title("L'été à Paris")
    assert post.slug == "l-ete-a-paris"
    assert post.body_html.strip() == "<p>Une <em>rencontre</em> avec les familles.</p>"
    assert post.excerpt == "Une rencontre avec les familles."
    assert post.published_at is not None
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/admin/").text)})
    home = client.get("/").text
    assert "L'été à Paris" in plain_text(home) and "By Claire Dubois" in plain_text(home)


def test_failed_save_shows_the_form_again_with_everything_typed(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    long_body = "Paragraph one of a long article that must not be lost.\n\nParagraph two."
    response = submit_form(
        client,
        "/admin/posts/new",
        {"title": "", "body": long_body, "excerpt": "My summary", "slug": "Bad Slug!"},
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "Use lower-case letters" in response.text
    assert "Paragraph one of a long article that must not be lost." in response.text
    assert "My summary" in response.text
    assert 'value="Bad Slug!"' in response.text
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_taken_slug_is_refused_without_losing_the_text(client):
    make_post(make_user(), title="Existing", slug="annual-report")
    make_user(email="author@example.org")
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "Annual report",
            "slug": "annual-report",
            "body": "Our year in numbers.",
            "status": "draft",
        },
    )
    assert response.status_code == 200
    assert "Another post already uses this slug." in response.text
    assert "Our year in numbers." in response.text


def test_preview_renders_the_body_without_saving(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "Preview me",
            "body": "## Heading\n\n<script>alert(1)</script>Text",
            "preview": "Preview",
        },
    )
    assert response.status_code == 200
    assert "<h2>Heading</h2>" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert "not saved yet" in response.text
    assert _post_by_title("Preview me") is None


def test_editing_keeps_the_slug_and_updates_the_body(client):
    author = make_user(email="author@example.org")
    post = make_post(author, title="First title", body="Old body")
    login(client, "author@example.org")
    form = client.get(f"/admin/posts/{post.id}/edit").text
    assert "Old body" in form and 'value="first-title"' in form
    response = submit_form(
        client, f"/admin/posts/{post.id}/edit", {"title": "Second title", "body": "New **body**"}
    )
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.title == "Second title"
    assert post.slug == "first-title"
    assert "<strong>body</strong>" in post.body_html


def test_editor_may_edit_any_post(client):
    post = make_post(make_user(), title="Someone else's")
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    assert client.get(f"/admin/posts/{post.id}/edit").status_code == 200


def test_delete_asks_for_confirmation_then_removes_the_post(client):
    author = make_user(email="author@example.org")
    post_id = make_post(author, title="Short-lived").id
    login(client, "author@example.org")
    confirm = client.get(f"/admin/posts/{post_id}/delete")
    assert "Delete this post?" in confirm.text
    assert db.session.get(Post, post_id) is not None
    response = client.post(
        f"/admin/posts/{post_id}/delete", data={"csrf_token": csrf_token_from(confirm.text)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post_id) is None


def test_state_changes_without_csrf_token_are_rejected(client):
    author = make_user(email="author@example.org")
    post = make_post(author, title="Keep me")
    login(client, "author@example.org")
    assert client.post(f"/admin/posts/{post.id}/delete").status_code == 400
    assert client.post("/admin/posts/new", data={"title": "Forged"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Post, post.id) is not None
    assert _post_by_title("Forged") is None


def test_posts_table_filters_by_status_and_shows_all_statuses(client):
    author = make_user(email="author@example.org")
    make_post(author, title="Out in the world")
    make_post(author, title="Still drafting", status=PostStatus.DRAFT.value)
    login(client, "author@example.org")
    everything = client.get("/admin/").text
    assert "Out in the world" in everything and "Still drafting" in everything
    drafts = client.get("/admin/?status=draft").text
    assert "Still drafting" in drafts and "Out in the world" not in drafts


def test_posts_table_is_paginated(app_factory):
    app = app_factory(ADMIN_POSTS_PER_PAGE=5)
    client = app.test_client()
    with app.app_context():
        author = make_user(email="author@example.org")
        for n in range(7):
            make_post(author, title=f"Entry {n}")
    login(client, "author@example.org")
    first = client.get("/admin/").text
    assert first.count("<tr>") == 6  # header row and five posts
    assert OLDER in first
    second = client.get("/admin/?page=2").text
    assert second.count("<tr>") == 3


def test_future_publish_date_schedules_the_post(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    submit_form(
        client,
        "/admin/posts/new",
        {
            "title": "Embargoed",
            "body": "Not yet.",
            "status": "published",
            "published_at": "2099-01-01T09:00",
        },
    )
    post = _post_by_title("Embargoed")
    assert post.published_at.year == 2099
    assert "Embargoed" not in client.get("/").text
