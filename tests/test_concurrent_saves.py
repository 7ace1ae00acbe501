"""Saves racing for the same slug against a real multi-worker server (gunicorn), both databases.

The same title saved eight times at once, the same person invited six times at once, the same
typed slug claimed four times at once: every request ends in a saved row with its own slug or a
form error, never a 500 (and on SQLite never "database is locked").
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Category, Post, Role, Tag, User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.multiworker import Browser, gunicorn_server, race

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def server(app, tmp_path):
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    return lambda: gunicorn_server(url, tmp_path)


def _signed_in(base: str, email: str, form_page: str, copies: int) -> list[tuple[Browser, str]]:
    """``copies`` clients of one signed-in session, each with the form's CSRF token."""
    browser = Browser(base)
    status, _, _ = browser.post("/login", {"email": email, "password": DEFAULT_PASSWORD})
    assert status == 302
    token = browser.csrf(form_page)
    return [(browser.copy(), token) for _ in range(copies)]


def _no_server_errors(results) -> None:
    failures = [r if isinstance(r, Exception) else r[0] for r in results]
    assert not [f for f in failures if isinstance(f, Exception) or f >= 500], failures
    texts = [r[1] for r in results]
    assert not any("database is locked" in text for text in texts)


def _new_post(browser: Browser, token: str, **fields: str) -> tuple[int, str, dict]:
    data = {"body": "Saved while others save.", "language": "en", **fields, "csrf_token": token}
    return browser.request("POST", "/admin/posts/new", data)


def test_the_same_post_created_eight_times_at_once_gets_eight_slugs(app, server):
    make_user(Role.AUTHOR, email="writer@example.org")
    with server() as base:
        clients = _signed_in(base, "writer@example.org", "/admin/posts/new", 8)
        results = race(
            [
                lambda b=b, t=t: _new_post(
                    b,
                    t,
                    title="Same title",
                    status="published",
                    tags="Brand new tag, Another new tag",
                )
                for b, t in clients
            ]
        )
    _no_server_errors(results)
    assert [r[0] for r in results] == [302] * 8
    db.session.expire_all()
    slugs = set(db.session.scalars(db.select(Post.slug)))
    assert slugs == {"same-title"} | {f"same-title-{n}" for n in range(2, 9)}
    # The new tags and the default category were created once, whoever got there first.
    assert sorted(db.session.scalars(db.select(Tag.slug))) == ["another-new-tag", "brand-new-tag"]
    assert db.session.scalar(db.select(db.func.count(Category.id))) == 1


def test_one_typed_slug_claimed_at_once_is_saved_once_and_refused_clearly(app, server):
    make_user(Role.EDITOR, email="editor@example.org")
    with server() as base:
        clients = _signed_in(base, "editor@example.org", "/admin/posts/new", 4)
        results = race(
            [
                lambda b=b, t=t, n=n: _new_post(
                    b, t, title=f"Claimant {n}", slug="wanted-address", status="draft"
                )
                for n, (b, t) in enumerate(clients)
            ]
        )
    _no_server_errors(results)
    assert sorted(r[0] for r in results) == [200, 200, 200, 302]
    refused = [r[1] for r in results if r[0] == 200]
    assert all("Another post already uses this slug." in text for text in refused)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1


def test_six_invitations_of_the_same_name_at_once_all_succeed(app, server):
    make_user(Role.ADMIN, email="admin@example.org")
    with server() as base:
        clients = _signed_in(base, "admin@example.org", "/admin/users/invite", 6)
        results = race(
            [
                lambda b=b, t=t, n=n: b.request(
                    "POST",
                    "/admin/users/invite",
                    {
                        "email": f"alex{n}@example.org",
                        "name": "Alex Same",
                        "role": "author",
                        "csrf_token": t,
                    },
                )
                for n, (b, t) in enumerate(clients)
            ]
        )
    _no_server_errors(results)
    db.session.expire_all()
    slugs = set(db.session.scalars(db.select(User.slug).where(User.display_name == "Alex Same")))
    assert slugs == {"alex-same"} | {f"alex-same-{n}" for n in range(2, 7)}
