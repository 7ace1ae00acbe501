"""The redirect table: old addresses answer 301 (or 410), and moved content leaves one behind."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.content import redirects
from app.content.publishing import PostDraft, save_post
from app.extensions import db
from app.models import Redirect
from app.templating import post_url
from tests.conftest import login, post_form
from tests.factories import SETUP, make_page, make_post, make_user


def _url(app: Flask, post) -> str:
    with app.test_request_context():
        return post_url(post)


def _add(source: str, target: str = "", code: int = 301) -> Redirect:
    redirect = redirects.save_redirect(None, source, target, code)
    db.session.commit()
    return redirect


def test_redirect_answers_old_path_ignoring_tracking_query_and_slash(app, client):
    post = make_post(make_user(), title="Landing")
    _add("/archives/123", _url(app, post))
    for old in ("/archives/123/", "/archives/123?utm_source=x&utm_medium=y", "/ARCHIVES/123/"):
        response = client.get(old)
        if response.status_code == 308:  # Werkzeug adds the trailing slash first
            response = client.get(response.headers["Location"])
        assert response.status_code == 301, old
        assert response.headers["Location"] == _url(app, post)
    assert db.session.scalar(select(Redirect.hits)) == 3


def test_wordpress_query_links_redirect_from_the_home_page(app, client):
    _add("/?p=42", "/about/")
    assert client.get("/?p=42&utm_campaign=spring").headers["Location"] == "/about/"
    assert client.get("/?p=43").status_code == 200  # unknown id: the home page as before
    assert client.get("/").status_code == 200


def test_live_content_wins_over_a_redirect(app, client):
    make_page("About", slug="about")
    _add("/about/", "/elsewhere/")
    assert client.get("/about/").status_code == 200


def test_gone_answers_410(app, client):
    _add("/old-campaign/", code=410)
    response = client.get("/old-campaign/")
    assert response.status_code == 410
    assert "removed" in response.text


@pytest.mark.parametrize(
    "source, target, message",
    [
        ("", "/x/", "old address"),
        ("/a/", "javascript:alert(1)", "target"),
        ("/a/", "//evil.example/", "target"),
        ("/a/", "/a", "itself"),
    ],
)
def test_bad_redirects_are_refused(app, source, target, message):
    with pytest.raises(redirects.RedirectError, match=message):
        redirects.save_redirect(None, source, target, 301)


def test_changing_a_published_slug_redirects_the_old_address(app, client):
    post = make_post(make_user(), title="First name", slug="first-name")
    old_url = _url(app, post)
    save_post(
        post,
        PostDraft(title="First name", body_source="x", slug="second-name", status="published"),
        by=SETUP,
    )
    db.session.commit()
    new_url = _url(app, post)
    assert client.get(old_url).headers["Location"] == new_url
    assert client.get(new_url).status_code == 200
    # A second change redirects both older addresses straight to the newest (no chains).
    save_post(
        post,
        PostDraft(title="First name", body_source="x", slug="third-name", status="published"),
        by=SETUP,
    )
    db.session.commit()
    newest = _url(app, post)
    assert client.get(old_url).headers["Location"] == newest
    assert client.get(new_url).headers["Location"] == newest


def test_draft_slug_changes_leave_no_redirect(app):
    post = make_post(make_user(), title="Draft", slug="draft-one", status="draft")
    save_post(post, PostDraft(title="Draft", body_source="x", slug="draft-two"), by=SETUP)
    db.session.commit()
    assert db.session.scalar(select(Redirect)) is None


def test_moving_a_published_page_redirects_its_old_path(app, client):
    about = make_page("About", slug="about")
    team = make_page("Team", slug="team")
    team.parent_id = about.id
    db.session.commit()
    assert client.get("/team/").headers["Location"] == "/about/team/"
    assert client.get("/about/team/").status_code == 200


def test_admin_adds_searches_edits_and_deletes_redirects(app, client):
    make_user("admin", email="boss@example.org")
    login(client, "boss@example.org")
    response = post_form(
        client,
        "/admin/redirects/new",
        {
            "source": "https://old.example.org/2014/05/old-post/?utm_source=x",
            "status_code": "301",
            "target": "/about/",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(Redirect))
    assert saved.source == "/2014/05/old-post" and saved.target == "/about/"
    assert client.get("/2014/05/old-post/").headers["Location"] == "/about/"
    listing = client.get("/admin/redirects?q=old-post").text
    assert "/2014/05/old-post" in listing and "<td>1</td>" in listing  # one hit so far
    assert "/2014/05/old-post" not in client.get("/admin/redirects?q=nothing-like-it").text
    refused = post_form(
        client,
        f"/admin/redirects/{saved.id}/edit",
        {"source": "/2014/05/old-post/", "status_code": "301", "target": "javascript:alert(1)"},
    )
    assert refused.status_code == 200 and "must be a path" in refused.text
    assert 'value="javascript:alert(1)"' in refused.text  # the input is kept
    post_form(
        client,
        f"/admin/redirects/{saved.id}/edit",
        {"source": "/2014/05/old-post/", "status_code": "410", "target": ""},
    )
    assert client.get("/2014/05/old-post/").status_code == 410
    post_form(
        client,
        f"/admin/redirects/{saved.id}/delete",
        {},
        form_page=f"/admin/redirects/{saved.id}/delete",
    )
    assert client.get("/2014/05/old-post/").status_code == 404
    assert db.session.scalar(select(Redirect)) is None
