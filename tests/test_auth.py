"""Staff sign-in: one message for every failure, safe redirects, POST-only logout, throttling."""

from __future__ import annotations

import pytest

from app.auth.routes import LOGIN_FAILED_MESSAGE
from app.models import User
from tests.conftest import csrf_token_from, login, post_form
from tests.factories import make_user


def test_staff_member_logs_in_and_lands_on_the_dashboard(client, app):
    user = make_user(email="editor@example.org", role="editor")
    response = login(client, "Editor@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert app.extensions["sqlalchemy"].session.get(User, user.id).last_login_at is not None


def test_wrong_email_and_wrong_password_give_the_same_message(client):
    make_user(email="known@example.org")
    wrong_password = login(client, "known@example.org", "not the password at all")
    unknown_email = login(client, "nobody@example.org", "not the password at all")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert LOGIN_FAILED_MESSAGE in response.text
    assert client.get("/admin/").status_code == 302


def test_deactivated_account_cannot_log_in(client):
    make_user(email="gone@example.org", active=False)
    response = login(client, "gone@example.org")
    assert LOGIN_FAILED_MESSAGE in response.text
    assert client.get("/admin/").status_code == 302


def test_failed_login_keeps_the_typed_email(client):
    response = login(client, "typo@example.org", "wrong password here")
    assert 'value="typo@example.org"' in response.text


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/posts/new", "/admin/posts/new"),
        ("https://evil.example/steal", "/admin/"),
        ("//evil.example/steal", "/admin/"),
        ("/\\evil.example", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
    ],
)
def test_next_only_redirects_within_the_site(client, next_url, expected):
    make_user(email="a@example.org")
    page = client.get("/login")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={
            "email": "a@example.org",
            "password": "a long enough password",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.headers["Location"] == expected


def test_admin_pages_send_anonymous_visitors_to_login_with_next(client):
    response = client.get("/admin/posts/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_is_post_only_and_needs_csrf(client):
    make_user(email="a@example.org")
    login(client, "a@example.org")
    client.get("/logout", follow_redirects=True)
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200
    response = post_form(client, "/logout", {}, form_page="/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_rejected(client):
    make_user(email="a@example.org")
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "a long enough password"}
    )
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_password_is_stored_with_a_modern_kdf(app):
    user = make_user(password="correct horse battery staple")
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse" not in user.password_hash


def test_repeated_login_attempts_are_throttled(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        make_user(email="a@example.org")
    statuses = [login(client, "a@example.org", "wrong password!!").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = login(client, "a@example.org")
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.text
    assert "Retry-After" in throttled.headers


def test_session_ends_when_the_account_is_deactivated(client, app):
    user = make_user(email="a@example.org")
    login(client, "a@example.org")
    assert client.get("/admin/").status_code == 200
    user.active = False
    app.extensions["sqlalchemy"].session.commit()
    assert client.get("/admin/").status_code == 302


def test_login_throttle_is_kept_in_redis_when_configured(app_factory):
    """With REDIS_URL the counters live in Redis, so every app server sees the same limits."""
    import os

    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but TEST_REDIS_URL is not set")
        pytest.skip("Redis suite skipped: TEST_REDIS_URL is not set")
    import redis

    # The test Redis database (TEST_REDIS_URL, db 15 in CI) belongs to the tests.
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    app = app_factory(LOGIN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI=redis_url)
    client = app.test_client()
    with app.app_context():
        make_user(email="a@example.org")
    statuses = [login(client, "a@example.org", "wrong password!!").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert connection.keys("*login*"), "the limiter did not store its counters in Redis"
    connection.flushdb()
