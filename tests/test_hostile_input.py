"""Whatever anyone sends in a URL or a form, the answer is a page, never a 500.

Numbers are parsed in one place (ASCII digits within range), control characters are refused in
one place, and dates outside 1900–2200 are refused when typed and shown safely when stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from app.content.settings import save_settings
from app.extensions import db
from app.inputs import parse_int
from app.models import Post, PostStatus
from tests.conftest import login, post_form, submit_form
from tests.factories import make_post, make_user

ANONYMOUS_URLS = [
    "/9999/",
    "/9999/12/",
    "/2201/",
    "/?page=²",
    "/?page=١٢",
    "/?page=99999999999999999999",
    "/?page=0",
    "/category/news/?page=99999999999999999999",
    "/tag/a%00b/",
    "/author/%00/",
    "/a%00b/",
    "/about%01/",
    "/?lang=en%00",
    "/2024/01/01/x%00y/",
]


@pytest.mark.parametrize("url", ANONYMOUS_URLS)
def test_odd_public_urls_get_a_404_or_400_page(client, url):
    make_post(make_user())
    response = client.get(url)
    assert response.status_code in {400, 404}, (url, response.status_code)
    assert "<h1>" in response.text


def test_staff_urls_with_huge_or_non_ascii_ids_are_404(client):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    for url in (
        "/admin/users/99999999999999999999",
        "/admin/users/2147483648",
        "/admin/posts/١٢/edit",
        "/admin/tags/²/edit",
    ):
        assert client.get(url, follow_redirects=True).status_code == 404, url


def test_staff_filters_with_odd_numbers_are_ignored(client):
    make_user("admin", email="admin@example.org")
    make_post(make_user(), tag_names=["Climate"])
    login(client, "admin@example.org")
    for url in (
        "/admin/audit?actor=²",
        "/admin/audit?actor=99999999999999999999",
        "/admin/tags/merge?source=²",
        "/admin/tags/merge?source=99999999999999999999",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", ["/login", "/password/forgot"])
def test_a_nul_in_a_login_or_reset_email_is_refused_with_a_message(client, path):
    response = post_form(client, path, {"email": "a\x00b@example.org", "password": "x"})
    assert response.status_code == 400
    assert "control characters" in response.text


def test_control_characters_are_refused_but_newlines_in_text_are_kept(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    refused = submit_form(client, "/admin/posts/new", {"title": "Bell\x07", "body": "x"})
    assert refused.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0
    saved = submit_form(
        client, "/admin/posts/new", {"title": "Fine", "body": "Line one\r\n\tLine two"}
    )
    assert saved.status_code == 302


def test_arabic_indic_digits_as_a_two_factor_code_are_just_a_wrong_code(client):
    user = make_user("editor", email="editor@example.org")
    user.totp_secret = pyotp.random_base32()
    user.two_factor_enabled = True
    db.session.commit()
    login(client, "editor@example.org")
    response = post_form(client, "/login/two-factor", {"code": "١٢٣٤٥٦"})
    assert response.status_code == 200
    assert "That code is not valid" in response.text


@pytest.mark.parametrize("timezone", ["America/New_York", "Europe/Berlin", "Pacific/Kiritimati"])
def test_publish_dates_outside_1900_to_2200_are_refused_with_a_message(client, timezone):
    save_settings({"site_timezone": timezone})
    db.session.commit()
    make_user(email="author@example.org")
    login(client, "author@example.org")
    for typed in ("0001-01-01T00:00", "9999-12-31T23:59", "1899-12-31T23:59"):
        response = submit_form(
            client,
            "/admin/posts/new",
            {"title": "Ancient", "body": "Words", "status": "draft", "published_at": typed},
        )
        assert response.status_code == 200, typed
        assert "between the years 1900 and 2200" in response.text
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_a_stored_year_one_date_does_not_break_pages_in_any_timezone(client):
    author = make_user(email="author@example.org")
    post = make_post(author, title="Very old")
    # As an import or an older version could have stored it.
    db.session.execute(
        db.update(Post)
        .where(Post.id == post.id)
        .values(published_at=datetime(1, 1, 1, tzinfo=UTC), status=PostStatus.PUBLISHED.value)
    )
    db.session.commit()
    make_user("admin", email="admin@example.org")
    for timezone in ("America/New_York", "Europe/Berlin", "UTC"):
        save_settings({"site_timezone": timezone})
        db.session.commit()
        assert client.get("/").status_code == 200
        assert "Very old" in client.get(f"/?page={_last_page(client)}").text
    login(client, "admin@example.org")
    for timezone in ("America/New_York", "Europe/Berlin"):
        save_settings({"site_timezone": timezone})
        db.session.commit()
        assert client.get("/admin/").status_code == 200
        assert client.get(f"/admin/posts/{post.id}/edit").status_code == 200


def _last_page(client) -> int:
    page = 1
    while client.get(f"/?page={page + 1}").status_code == 200:
        page += 1
    return page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("²", None),
        ("١٢", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1\n", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_int_takes_only_ascii_digits_in_range(text, expected):
    assert parse_int(text) == expected


def test_a_tag_longer_than_its_column_is_refused_with_a_message(client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    response = submit_form(
        client,
        "/admin/posts/new",
        {"title": "Tagged", "body": "x", "status": "draft", "tags": "fine, " + "x" * 121},
    )
    assert response.status_code == 200
    assert "Each tag can be at most 120 characters" in response.text
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/admin/posts/new", {"title": "T", "body": "x", "status": "draft"}),
        ("/admin/tags/new", {"name": "T"}),
        ("/admin/categories/new", {"name": "T"}),
        ("/admin/pages/new", {"title": "T", "body": "x", "status": "draft"}),
    ],
)
def test_slugs_are_refused_not_cut_when_too_long_or_ending_in_a_newline(client, url, fields):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    too_long = submit_form(client, url, {**fields, "slug": "a" * 194})
    assert too_long.status_code == 200
    assert "A slug can be at most 80 characters." in too_long.text
    newline = submit_form(client, url, {**fields, "slug": "fine-slug\n"})
    assert newline.status_code == 200
    assert "Use lower-case letters, digits and single hyphens." in newline.text
