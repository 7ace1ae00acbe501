"""Password-protected posts (body hidden until the password) and private posts (staff only)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Post, PostStatus
from app.templating import post_url
from tests.conftest import csrf_token_from, login, post_form
from tests.factories import make_post, make_user

SECRET_BODY = "The secret paragraph only members may read."


def _url(app: Flask, post) -> str:
    with app.test_request_context():
        return post_url(post)


def _protected(app):
    author = make_user(name="Pat Author")
    post = make_post(author, title="Members only", body=SECRET_BODY, password="open sesame")
    return post, _url(app, post)


def _submit(client, url: str, password: str, post_id: int):
    token = csrf_token_from(client.get(url).text)
    return client.post(
        f"/protected/{post_id}", data={"post_password": password, "csrf_token": token}
    )


def test_protected_post_shows_title_and_form_but_not_body(app, client):
    _post, url = _protected(app)
    page = client.get(url)
    assert page.status_code == 200
    assert "Members only" in page.text
    assert SECRET_BODY not in page.text
    assert 'name="post_password"' in page.text
    assert "The secret paragraph" not in page.text  # nor in the meta description
    home = client.get("/").text
    assert "Members only" in home
    assert "The secret paragraph" not in home
    assert "This post is password protected." in home


def test_wrong_password_is_refused_right_one_unlocks_only_that_post(app, client):
    post, url = _protected(app)
    other = make_post(post.author, title="Also locked", body="Other secret", password="x")
    wrong = _submit(client, url, "guess", post.id)
    assert wrong.status_code == 403
    assert "That password is not right." in wrong.text
    assert SECRET_BODY not in wrong.text
    right = _submit(client, url, "open sesame", post.id)
    assert right.status_code == 303 and right.headers["Location"] == url
    assert SECRET_BODY in client.get(url).text
    assert "Other secret" not in client.get(_url(app, other)).text


def test_changing_the_password_locks_the_post_again(app, client):
    post, url = _protected(app)
    _submit(client, url, "open sesame", post.id)
    assert SECRET_BODY in client.get(url).text
    post.password = "new password"
    db.session.commit()
    assert SECRET_BODY not in client.get(url).text


def test_password_guesses_are_throttled(app_factory):
    app = app_factory(POST_PASSWORD_RATE_LIMIT="2 per minute")
    with app.app_context():
        post, url = _protected(app)
        client = app.test_client()
        assert _submit(client, url, "a", post.id).status_code == 403
        assert _submit(client, url, "b", post.id).status_code == 403
        assert _submit(client, url, "open sesame", post.id).status_code == 429


def test_private_post_is_for_staff_only(app, client):
    author = make_user(name="Pri Vate")
    post = make_post(
        author,
        title="Staff memo",
        status=PostStatus.PRIVATE.value,
        published_at=datetime(2024, 2, 1, tzinfo=UTC),
    )
    url = _url(app, post)
    assert client.get(url).status_code == 404
    assert "Staff memo" not in client.get("/").text
    make_user("editor", email="ed@example.org")
    login(client, "ed@example.org")
    page = client.get(url)
    assert page.status_code == 200
    assert "Private" in page.text and "Staff memo" in page.text


def test_author_sets_a_password_in_the_post_form(app, client):
    make_user("author", email="au@example.org")
    login(client, "au@example.org")
    response = post_form(
        client,
        "/admin/posts/new",
        {
            "title": "Board minutes",
            "body": "Minutes text here.",
            "status": "published",
            "password": "board2024",
            "language": "en",
        },
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.title == "Board minutes"))
    assert post.password == "board2024"
    edit = client.get(f"/admin/posts/{post.id}/edit").text
    assert 'value="board2024"' in edit
    client.post("/logout", data={"csrf_token": csrf_token_from(edit)})
    assert "Minutes text here." not in client.get(_url(app, post)).text


def test_protected_pages_are_never_shared_or_revalidated(app, client):
    post, url = _protected(app)
    locked = client.get(url)
    assert locked.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in locked.headers
    _submit(client, url, "open sesame", post.id)
    unlocked = client.get(url)
    assert SECRET_BODY in unlocked.text
    assert unlocked.headers["Cache-Control"] == "private, no-store"
