"""Admins invite staff by email; the invitee sets their own password through a one-time link."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.tokens import find_valid_token
from app.auth.routes import LOGIN_FAILED_MESSAGE
from app.extensions import db
from app.models import AccountToken, AuditEvent, TokenPurpose, User, utcnow
from tests.conftest import link_from, login, mail_config, post_form
from tests.factories import make_user

NEW_PASSWORD = "tulips in the rain 42"


def _invite(client, email="nadia@example.org", name="Nadia Haddad", role="author"):
    return post_form(client, "/admin/users/invite", {"email": email, "name": name, "role": role})


def _accept(client, link, password=NEW_PASSWORD, name="Nadia Haddad"):
    """Open the link (its token moves into the session), then send the form it leads to."""
    opened = client.get(link)
    assert opened.status_code == 303, opened.status_code
    form_page = opened.headers["Location"]
    return post_form(client, form_page, {"name": name, "password": password, "confirm": password})


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


def test_invitee_sets_a_password_through_the_link_shown_to_the_admin(client, app):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    page = _invite(client, role="editor")
    assert page.status_code == 200
    assert "Send this link to nadia@example.org" in page.text
    link = link_from(page.text)
    users_page = client.get("/admin/users").text
    assert "Nadia Haddad" in users_page and "Invited" in users_page

    invitee = app.test_client()
    refused = login(invitee, "nadia@example.org", NEW_PASSWORD)  # no password chosen yet
    assert LOGIN_FAILED_MESSAGE in refused.text
    opened = invitee.get(link)
    assert opened.status_code == 303 and opened.headers["Referrer-Policy"] == "no-referrer"
    form = invitee.get(opened.headers["Location"])
    assert form.status_code == 200 and 'value="Nadia Haddad"' in form.text
    assert opened.headers["Location"] == "/invitation/accept"  # no secret in the form's address
    response = _accept(invitee, link, name="Nadia H.")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert "Welcome, Nadia H.!" in invitee.get("/admin/").text
    user = _user("nadia@example.org")
    assert user.role == "editor" and user.display_name == "Nadia H."
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"invitation.sent", "invitation.accepted"} <= actions

    again = app.test_client().get(link)
    assert again.status_code == 404 and "no longer works" in again.text


def test_expired_invitation_link_is_refused(client, app):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    link = link_from(_invite(client).text)
    token = db.session.scalar(db.select(AccountToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    invitee = app.test_client()
    assert invitee.get(link).status_code == 404
    assert _user("nadia@example.org").password_hash is None


def test_invitation_lasts_48_hours_and_only_its_hash_is_stored(client):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    raw = link_from(_invite(client).text).rsplit("/", 1)[1]
    token = db.session.scalar(db.select(AccountToken))
    assert raw not in token.token_hash and len(token.token_hash) == 64
    issued = token.created_at
    almost = issued + timedelta(hours=47, minutes=59)
    assert find_valid_token(raw, TokenPurpose.INVITATION, now=almost) is not None
    assert find_valid_token(raw, TokenPurpose.INVITATION, now=issued + timedelta(hours=48)) is None
    assert find_valid_token(raw, TokenPurpose.PASSWORD_RESET, now=issued) is None


def test_short_common_or_mismatched_passwords_are_refused(client, app):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    link = link_from(_invite(client).text)
    invitee = app.test_client()
    short = _accept(invitee, link, password="short pw")
    assert "Use at least 12 characters." in short.text
    common = _accept(invitee, link, password="password1234")
    assert "too common" in common.text
    mismatch = post_form(
        invitee,
        "/invitation/accept",
        {"name": "N", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
    )
    assert "The passwords do not match." in mismatch.text
    assert _user("nadia@example.org").password_hash is None
    assert _accept(invitee, link).status_code == 302


def test_sending_a_new_invitation_retires_the_old_link(client, app):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    old_link = link_from(_invite(client).text)
    user_id = _user("nadia@example.org").id
    page = post_form(
        client, f"/admin/users/{user_id}/send-link", {}, form_page=f"/admin/users/{user_id}"
    )
    new_link = link_from(page.text)
    assert new_link != old_link
    invitee = app.test_client()
    assert invitee.get(old_link).status_code == 404
    assert _accept(invitee, new_link).status_code == 302


def test_an_existing_email_cannot_be_invited_twice(client):
    make_user("admin", email="admin@example.org")
    make_user(email="taken@example.org")
    login(client, "admin@example.org")
    response = _invite(client, email="Taken@Example.org")
    assert response.status_code == 200
    assert "An account with this email already exists." in response.text


def test_invitation_is_emailed_when_a_mail_server_is_configured(app_factory, smtp_server):
    app = app_factory(**mail_config(smtp_server))
    _, _, received = smtp_server
    client = app.test_client()
    with app.app_context():
        make_user("admin", email="admin@example.org", name="Ada Admin")
    login(client, "admin@example.org")
    response = _invite(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "The invitation was emailed to nadia@example.org." in page
    assert "/invitation/" not in page
    assert len(received) == 1
    message = received[0]
    assert message["To"] == "nadia@example.org"
    assert message["From"] == "Broadside <news@example.org>"
    assert "invited" in message["Subject"]
    body = message.get_content()
    assert "Ada Admin has invited you" in body
    assert "https://news.example.org/invitation/" in body
    invitee = app.test_client()
    assert _accept(invitee, link_from(body)).status_code == 302


def test_link_is_shown_when_the_mail_server_is_down(app_factory, smtp_server):
    config = {**mail_config(smtp_server), "MAIL_PORT": 9}  # nothing listens on the discard port
    app = app_factory(**config)
    client = app.test_client()
    with app.app_context():
        make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    page = _invite(client)
    assert page.status_code == 200
    assert "could not be emailed" in page.text
    assert link_from(page.text).startswith("/invitation/")
