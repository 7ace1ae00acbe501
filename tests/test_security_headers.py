"""Every route of the URL map sends the security headers; nothing personal is cacheable.

The routes are taken from the app's URL map, so a new route is covered without a new line here.
"""

from __future__ import annotations

import re

import pytest

from app.content.taxonomy import save_tag
from app.extensions import db
from app.models import MenuItem
from app.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import login
from tests.factories import make_category, make_page, make_post, make_user

SAMPLE_VALUES = {
    "year": "2024",
    "month": "01",
    "day": "01",
    "token": "not-a-real-token",
    "filename": "site.css",
    "page_path": "matrix-page",
}


def _urls(app, ids: dict[str, str]) -> list[tuple[str, str]]:
    """(method, url) for every rule, with its arguments filled in from real rows."""
    urls = []
    for rule in app.url_map.iter_rules():
        values = {}
        for argument in rule.arguments:
            choices = getattr(rule._converters.get(argument), "items", None)
            if choices:  # <any(a, b):name>: a value the rule accepts
                values[argument] = sorted(choices)[-1]
            elif argument in ids:
                values[argument] = ids[argument]
            elif argument in SAMPLE_VALUES:
                values[argument] = SAMPLE_VALUES[argument]
            elif argument.endswith("_id"):
                # A kind of row this test does not make: its missing-row page is checked.
                values[argument] = ids.get(argument.removesuffix("_id"), 999999)
            else:
                values[argument] = ids.get("slug", "x")
        url = rule.rule
        for name, value in values.items():
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            urls.append((method, url))
    return urls


def _fixture_rows() -> dict[str, str]:
    author = make_user("author", email="author@example.org")
    post = make_post(author, title="Headers post", tag_names=["Headers"])
    category = make_category("Headers category")
    tag = save_tag(None, name="Headers tag")
    page = make_page("Matrix page")
    db.session.add(MenuItem(position=0, page_id=page.id))
    db.session.commit()
    menu_item = db.session.scalar(db.select(MenuItem.id))
    return {
        "post": post.id,
        "user": author.id,
        "category": category.id,
        "tag": tag.id,
        "page": page.id,
        "item": menu_item,
        "slug": post.slug,
    }


def _check(response, method: str, url: str, *, signed_in: bool) -> None:
    headers = response.headers
    where = f"{method} {url} ({response.status_code})"
    assert response.status_code < 500, where
    assert headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, where
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in {"strict-origin-when-cross-origin", "no-referrer"}
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    assert "Strict-Transport-Security" not in headers, where  # only in production
    personal = signed_in or url.startswith(("/admin", "/login", "/password", "/invitation"))
    if personal and not url.startswith("/static/"):
        assert headers.get("Cache-Control") == "private, no-store", where
        assert "ETag" not in headers, where


@pytest.mark.parametrize("visitor", ["anonymous", "admin"])
def test_every_route_sends_the_security_headers(app, client, visitor):
    ids = _fixture_rows()
    make_user("admin", email="admin@example.org")
    make_user("admin", email="other-admin@example.org")
    if visitor == "admin":
        assert login(client, "admin@example.org").status_code == 302
    checked = 0
    for method, url in _urls(app, ids):
        if url == "/logout":
            continue  # would end the session under test; checked below
        response = client.open(url, method=method, data={})
        _check(response, method, url, signed_in=visitor == "admin")
        response.close()  # static files are streamed from an open file
        checked += 1
    assert checked > 60
    for url in ("/does-not-exist/", "/?page=0", "/admin/users/999999"):
        _check(client.get(url), "GET", url, signed_in=visitor == "admin")


def test_token_pages_send_no_referrer(client):
    response = client.get("/password/reset/not-a-real-token")
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_production_adds_hsts(app_factory, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = app_factory(ENV_NAME="production")
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
