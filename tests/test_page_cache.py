"""Repeat visits are nearly free, yet no visitor ever sees a page older than the last save.

The full-page cache (app/caching/pages.py) and the HTTP validators (app/caching/http.py) are
keyed on the site generation, bumped in the same transaction as every public change.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from app import create_app
from app.caching.generation import read_state
from app.content.text import plain_text
from app.extensions import db
from app.models import Post, User, utcnow
from tests.conftest import IsolatedClient, base_config, count_queries, login, submit_form
from tests.factories import make_category, make_post, make_user


def _hit(response) -> bool:
    return response.headers.get("X-Page-Cache") == "hit"


def _generation() -> int:
    return read_state(db.engine).generation


def test_repeat_visit_is_served_from_the_cache_without_rendering(app, client):
    make_post(make_user(name="Ada Writer"), title="First report")
    first = client.get("/")
    assert first.status_code == 200 and not _hit(first)
    with count_queries(app) as statements:
        again = client.get("/")
    assert _hit(again)
    assert again.text == first.text
    # Only the site state is read, on the cache's own connection: no ORM query at all.
    assert statements == []
    head = client.head("/")
    assert _hit(head) and head.data == b""


def test_public_pages_carry_validators_and_public_cache_control(client):
    post = make_post(make_user(), title="Validated")
    for url in ["/", f"/{post.published_at:%Y/%m/%d}/{post.slug}/", "/2024/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["ETag"].startswith('W/"'), url
        assert "Last-Modified" in response.headers
        cache_control = response.headers["Cache-Control"]
        assert cache_control.startswith("public, max-age=60"), url
        assert "stale-while-revalidate=30" in cache_control


def test_conditional_get_answers_304_until_something_changes(app, client):
    author = make_user()
    post = make_post(author, title="Before the edit")
    first = client.get("/")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        with count_queries(app) as statements:
            response = client.get("/", headers=headers)
        assert response.status_code == 304, headers
        assert response.data == b""
        assert statements == []  # answered from the site state alone
    post.title = "After the edit"
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "After the edit" in changed.text and changed.headers["ETag"] != etag


def test_conditional_get_works_with_the_page_cache_off(app_factory):
    app = app_factory(PAGE_CACHE=False)
    with app.app_context():
        make_post(make_user(), title="Uncached")
        client = app.test_client()
        first = client.get("/")
        assert not _hit(first) and not _hit(client.get("/"))
        with count_queries(app) as statements:
            again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert statements == []  # answered before the view: no list queries


def test_a_staff_save_is_on_the_public_page_at_once(client, app):
    author = make_user(email="writer@example.org")
    post = make_post(author, title="Original headline")
    visitor = app.test_client()
    assert "Original headline" in visitor.get("/").text
    assert _hit(visitor.get("/"))
    login(client, "writer@example.org")
    response = submit_form(client, f"/admin/posts/{post.id}/edit", {"title": "Corrected headline"})
    assert response.status_code == 302
    home = visitor.get("/")
    assert not _hit(home)
    assert "Corrected headline" in home.text and "Original headline" not in home.text
    detail = visitor.get(f"/{post.published_at:%Y/%m/%d}/{post.slug}/")
    assert "Corrected headline" in detail.text


def test_unpublishing_and_deleting_take_the_post_off_cached_pages(client):
    author = make_user()
    kept = make_post(author, title="Stays up")
    gone = make_post(author, title="Comes down")
    assert "Comes down" in client.get("/").text
    gone.status = "draft"
    db.session.commit()
    assert "Comes down" not in client.get("/").text
    db.session.delete(db.session.get(Post, kept.id))
    db.session.commit()
    assert "Stays up" not in client.get("/").text


def test_category_rename_and_settings_change_invalidate(client):
    category = make_category("Reports")
    make_post(make_user(), title="Filed", category_ids=[category.id])
    assert "Reports" in client.get("/category/reports/").text
    category.name = "Annual reports"
    db.session.commit()
    assert "Annual reports" in client.get("/category/reports/").text
    from app.content.settings import save_settings

    save_settings({"site_title": "The Renamed Gazette"})
    db.session.commit()
    assert "The Renamed Gazette" in client.get("/category/reports/").text


def test_a_scheduled_post_appears_at_its_time_without_a_worker(client):
    author = make_user()
    make_post(author, title="Already out")
    soon = utcnow() + timedelta(seconds=1.5)
    make_post(author, title="Embargoed story", published_at=soon)
    before = client.get("/")
    assert "Embargoed story" not in before.text
    assert _hit(client.get("/"))
    time.sleep(max(0.0, (soon - utcnow()).total_seconds()) + 0.1)
    after = client.get("/")
    assert "Embargoed story" in plain_text(after.text)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_things_visitors_cannot_see_leave_the_generation_alone(client):
    author = make_user(email="quiet@example.org")
    make_post(author, title="Public")  # also creates the default category
    before = _generation()
    make_post(author, title="Only a draft", status="draft")
    login(client, "quiet@example.org")  # records last_login_at and writes the audit log
    assert _generation() == before
    author.display_name = "Renamed Author"
    db.session.commit()
    assert _generation() == before + 1


def test_staff_and_visitors_with_a_session_bypass_the_cache(client, app):
    make_user(email="editor@example.org", role="editor")
    make_post(make_user(), title="Public story")
    draft = make_post(make_user(), title="Secret draft", status="draft")
    visitor = app.test_client()
    visitor.get("/")
    assert _hit(visitor.get("/"))
    login(client, "editor@example.org")
    staff_home = client.get("/")
    assert not _hit(staff_home)
    assert "public" not in staff_home.headers.get("Cache-Control", "")
    assert "Dashboard" in staff_home.text
    preview = client.get(f"/{draft.created_at:%Y/%m/%d}/{draft.slug}/")
    assert preview.status_code == 200 and "Secret draft" in preview.text
    assert "public" not in preview.headers.get("Cache-Control", "")
    assert "Dashboard" not in visitor.get("/").text
    assert visitor.get(f"/{draft.created_at:%Y/%m/%d}/{draft.slug}/").status_code == 404


def test_health_check_is_never_cached(client):
    client.get("/healthz")
    response = client.get("/healthz")
    assert not _hit(response)
    assert "public" not in response.headers.get("Cache-Control", "")


def test_two_servers_share_the_cache_through_redis(backend, tmp_path, app_factory):
    """Two app servers, one database and one Redis: a page rendered by A is a hit on B, and a
    post published through A is on B's home page at once."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but TEST_REDIS_URL is not set")
        pytest.skip("Redis suite skipped: TEST_REDIS_URL is not set")
    shared = {"REDIS_URL": redis_url, "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    server_a = app_factory(**shared)
    url = server_a.config["SQLALCHEMY_DATABASE_URI"]
    server_b = create_app({**base_config(tmp_path / "b", url), **shared})
    server_b.test_client_class = IsolatedClient
    try:
        with server_a.app_context():
            author_id = make_user().id
            make_post(db.session.get(User, author_id), title="Seen everywhere")
        first = server_a.test_client().get("/")
        assert not _hit(first)
        from_b = server_b.test_client().get("/")
        assert _hit(from_b) and "Seen everywhere" in from_b.text
        with server_a.app_context():
            make_post(db.session.get(User, author_id), title="Breaking news")
        assert "Breaking news" in server_b.test_client().get("/").text
    finally:
        with server_b.app_context():
            db.session.remove()
            db.engine.dispose()


def test_static_files_have_content_hashed_names_cached_for_a_year(client):
    html = client.get("/").text
    match = re.search(r'href="(/static/site\.([0-9a-f]{10})\.css)"', html)
    assert match, "the stylesheet link has no content hash"
    css = (Path(client.application.static_folder) / "site.css").read_bytes()
    assert match.group(2) == hashlib.sha256(css).hexdigest()[:10]
    response = client.get(match.group(1))
    assert response.status_code == 200 and response.data == css
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()
    stale = client.get("/static/site.0123456789.css")  # an older deploy's address
    assert stale.status_code == 200 and stale.data == css
    assert "immutable" not in stale.headers["Cache-Control"]
    stale.close()
    assert client.get("/static/missing.0123456789.css").status_code == 404
