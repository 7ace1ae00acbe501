"""Two-factor sign-in: setup with a confirmation code, a second login step, recovery codes."""

from __future__ import annotations

import re
import time

import pyotp

from app.auth.routes import TWO_FACTOR_FAILED_MESSAGE
from app.content.settings import REQUIRE_TWO_FACTOR, save_settings
from app.extensions import db
from app.models import AuditEvent, RecoveryCode, User
from tests.conftest import login, post_form
from tests.factories import DEFAULT_PASSWORD, make_user


def _secret_from(html: str) -> str:
    match = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', html)
    assert match, "no secret on the page"
    return match.group(1)


def _enable(client) -> tuple[str, list[str]]:
    page = client.get("/admin/profile/two-factor")
    secret = _secret_from(page.text)
    response = post_form(
        client,
        "/admin/profile/two-factor",
        {"code": pyotp.TOTP(secret).now(), "setup_password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200, response.text
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.text)
    return secret, codes


def _next_code(secret: str) -> str:
    """The code of the next 30-second step: accepted (clock drift), and not a replay."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _two_factor_user(client) -> tuple[str, list[str]]:
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    secret, codes = _enable(client)
    post_form(client, "/logout", {}, form_page="/admin/")
    return secret, codes


def test_setup_shows_a_qr_code_and_ten_recovery_codes_once(client):
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    page = client.get("/admin/profile/two-factor")
    assert 'src="data:image/svg+xml' in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    wrong = post_form(
        client, "/admin/profile/two-factor", {"code": "123456", "setup_password": DEFAULT_PASSWORD}
    )
    assert "That code does not match" in wrong.text
    _, codes = _enable(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    profile = client.get("/admin/profile").text
    assert "10 unused recovery code(s)" in profile
    assert codes[0] not in profile


def test_qr_code_does_not_carry_markup_from_the_account(client):
    make_user(email="x@example.org", name="<script>alert(1)</script>", role="author")
    login(client, "x@example.org")
    page = client.get("/admin/profile/two-factor").text
    assert "<svg" not in page and "<script>alert" not in page


def test_login_asks_for_the_code_after_the_password(client):
    secret, _ = _two_factor_user(client)
    response = login(client, "editor@example.org")
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/admin/").status_code == 302  # not signed in yet
    wrong = post_form(client, "/login/two-factor", {"code": "000000"})
    assert TWO_FACTOR_FAILED_MESSAGE in wrong.text
    assert client.get("/admin/").status_code == 302
    right = post_form(client, "/login/two-factor", {"code": _next_code(secret)})
    assert right.status_code == 302 and right.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    actions = list(db.session.scalars(db.select(AuditEvent.action)))
    assert "login.two_factor_failure" in actions and "two_factor.enabled" in actions


def test_a_code_cannot_be_used_twice(client, app):
    secret, _ = _two_factor_user(client)
    code = _next_code(secret)
    login(client, "editor@example.org")
    assert post_form(client, "/login/two-factor", {"code": code}).status_code == 302
    other = app.test_client()
    login(other, "editor@example.org")
    replay = post_form(other, "/login/two-factor", {"code": code})
    assert TWO_FACTOR_FAILED_MESSAGE in replay.text


def test_second_step_without_the_password_step_goes_back_to_login(client):
    _two_factor_user(client)
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_recovery_code_works_once(client, app):
    _, codes = _two_factor_user(client)
    login(client, "editor@example.org")
    used = post_form(client, "/login/two-factor", {"code": codes[0].upper().replace("-", " ")})
    assert used.status_code == 302
    assert "9 unused recovery code(s)" in client.get("/admin/profile").text
    other = app.test_client()
    login(other, "editor@example.org")
    again = post_form(other, "/login/two-factor", {"code": codes[0]})
    assert TWO_FACTOR_FAILED_MESSAGE in again.text


def test_disabling_needs_the_password(client):
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    _enable(client)
    wrong = post_form(
        client,
        "/admin/profile/two-factor/disable",
        {"disable_password": "not my password"},
        form_page="/admin/profile",
    )
    assert "The password is not correct." in wrong.text
    db.session.expire_all()
    user = db.session.scalar(db.select(User))
    assert user.two_factor_enabled
    right = post_form(
        client,
        "/admin/profile/two-factor/disable",
        {"disable_password": "a long enough password"},
        form_page="/admin/profile",
    )
    assert right.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).two_factor_enabled
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
    post_form(client, "/logout", {}, form_page="/admin/")
    assert login(client, "editor@example.org").headers["Location"] == "/admin/"


def test_admin_can_turn_off_two_factor_for_someone_who_lost_their_phone(client, app):
    _two_factor_user(client)
    editor = db.session.scalar(db.select(User).where(User.email == "editor@example.org"))
    make_user("admin", email="admin@example.org")
    admin = app.test_client()
    login(admin, "admin@example.org")
    post_form(
        admin,
        f"/admin/users/{editor.id}/two-factor/disable",
        {},
        form_page=f"/admin/users/{editor.id}",
    )
    assert login(client, "editor@example.org").headers["Location"] == "/admin/"


def test_required_two_factor_sends_editors_to_set_it_up(client, app):
    save_settings({REQUIRE_TWO_FACTOR: True})
    db.session.commit()
    make_user(email="editor@example.org", role="editor")
    make_user(email="author@example.org", role="author")
    login(client, "editor@example.org")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/profile/two-factor"
    assert client.get("/admin/users").headers["Location"] == "/admin/profile/two-factor"
    _enable(client)
    assert client.get("/admin/").status_code == 200
    author = app.test_client()
    login(author, "author@example.org")
    assert author.get("/admin/").status_code == 200


def test_admin_turns_the_requirement_on_in_settings(client):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    form = client.get("/admin/settings").text
    assert "Require two-factor sign-in for editors and admins" in form
    post_form(
        client,
        "/admin/settings",
        {
            "site_title": "Broadside",
            "site_timezone": "UTC",
            "site_language": "en",
            "posts_per_page": "10",
            "require_two_factor_for_editors": "y",
        },
    )
    assert client.get("/admin/").headers["Location"] == "/admin/profile/two-factor"
