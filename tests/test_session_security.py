"""What a stolen or left-behind session can still do: end it, and make it ask for the password.

Logging out ends the session on the server; changing sign-in factors needs the password; every
password or code check is throttled; the two-factor requirement holds for every privilege.
"""

from __future__ import annotations

import re

import pyotp

from app.content.settings import REQUIRE_TWO_FACTOR, save_settings
from app.extensions import db
from app.models import Post, User
from tests.conftest import login, post_form, submit_form
from tests.factories import DEFAULT_PASSWORD, make_post, make_user


def _copy_session(app, client):
    """A second client holding a copy of ``client``'s session cookie, as a thief would."""
    cookie = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_logging_out_ends_the_session_for_a_copied_cookie(app, client):
    make_user(email="author@example.org")
    login(client, "author@example.org")
    thief = _copy_session(app, client)
    assert thief.get("/admin/").status_code == 200
    post_form(client, "/logout", {}, form_page="/admin/")
    assert thief.get("/admin/").status_code == 302
    assert login(client, "author@example.org").status_code == 302  # a new login works


def test_turning_on_two_factor_needs_the_password(client):
    user = make_user(email="author@example.org")
    login(client, "author@example.org")
    page = client.get("/admin/profile/two-factor").text
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', page).group(1)
    wrong = post_form(
        client,
        "/admin/profile/two-factor",
        {"code": pyotp.TOTP(secret).now(), "setup_password": "not my password"},
    )
    assert wrong.status_code == 200 and "The password is not correct." in wrong.text
    db.session.expire_all()
    assert not db.session.get(User, user.id).two_factor_enabled


def test_an_admin_cannot_turn_off_their_own_two_factor_without_the_password(client):
    admin = make_user("admin", email="admin@example.org")
    admin.totp_secret, admin.two_factor_enabled = pyotp.random_base32(), True
    db.session.commit()
    make_user("admin", email="other@example.org")
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    detail = client.get(f"/admin/users/{admin.id}").text
    assert f"/admin/users/{admin.id}/two-factor/disable" not in detail
    response = post_form(
        client, f"/admin/users/{admin.id}/two-factor/disable", {}, form_page="/admin/profile"
    )
    assert response.headers["Location"] == "/admin/profile"
    db.session.expire_all()
    assert db.session.get(User, admin.id).two_factor_enabled


def test_password_checks_inside_a_session_are_throttled(app_factory):
    app = app_factory(PASSWORD_CHECK_RATE_LIMIT="3 per minute")
    with app.app_context():
        user = make_user(email="author@example.org")
        user.totp_secret, user.two_factor_enabled = pyotp.random_base32(), True
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
        guesses = [
            ("/admin/profile/email", {"new_email": "x@example.org", "email_password": "wrong"}),
            ("/admin/profile/password", {"current_password": "wrong", "password": "x"}),
            ("/admin/profile/two-factor/disable", {"disable_password": "wrong"}),
        ]
        statuses = [
            post_form(client, path, data, form_page="/admin/profile").status_code
            for path, data in guesses
        ]
        assert statuses == [200, 200, 200]
        # The limit is per account across these routes: now even the right password waits.
        response = post_form(
            client,
            "/admin/profile/two-factor/disable",
            {"disable_password": DEFAULT_PASSWORD},
            form_page="/admin/profile",
        )
        assert response.status_code == 429


def test_required_two_factor_also_hides_unpublished_posts_at_public_addresses(client):
    save_settings({REQUIRE_TWO_FACTOR: True})
    db.session.commit()
    author = make_user(email="author@example.org")
    draft = make_post(author, title="Secret plan", status="draft")
    make_user("editor", email="editor@example.org")
    login(client, "editor@example.org")
    url = f"/{draft.created_at:%Y/%m/%d}/{draft.slug}/"
    assert client.get(url).status_code == 404
    save_settings({REQUIRE_TWO_FACTOR: False})
    db.session.commit()
    assert "Secret plan" in client.get(url).text


def test_an_author_cannot_link_someone_elses_post_as_a_translation(client):
    other = make_user(email="other@example.org")
    theirs = make_post(other, title="Their post")
    make_user(email="author@example.org")
    login(client, "author@example.org")
    form = client.get("/admin/posts/new").text
    assert "Their post" not in form
    response = submit_form(
        client,
        "/admin/posts/new",
        {"title": "Mine", "body": "x", "status": "published", "translation_of": theirs.id},
    )
    assert response.status_code == 200
    assert db.session.scalar(db.select(Post).where(Post.title == "Mine")) is None
    db.session.expire_all()
    assert db.session.get(Post, theirs.id).translation_group is None


def test_a_new_secret_key_ends_sessions_unless_the_old_one_is_kept_as_a_fallback(app, client):
    """Rotating ``SECRET_KEY`` signs everyone out; listing the old key in
    ``SECRET_KEY_FALLBACKS`` keeps existing sessions valid while new cookies use the new key."""
    make_user(email="author@example.org")
    login(client, "author@example.org")
    assert client.get("/admin/").status_code == 200
    old = app.secret_key
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    app.secret_key = "a brand new key for this test, long enough to be secret"
    assert client.get("/admin/").status_code == 200  # the old cookie, verified by the fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/admin/").status_code == 302  # signed with a key no longer trusted
