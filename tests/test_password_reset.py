"""Forgotten passwords: a one-hour, one-time link that dies with any password change."""

from __future__ import annotations

import time
from datetime import timedelta

from app.auth.routes import RESET_SENT_MESSAGE
from app.extensions import db
from app.models import AccountToken, AuditEvent, User, utcnow
from tests.conftest import csrf_token_from, link_from, login, mail_config, post_form, wait_for_mail
from tests.factories import make_user

NEW_PASSWORD = "a brand new passphrase"


def _ask(client, email):
    return post_form(client, "/password/forgot", {"email": email})


def _set(client, link, password=NEW_PASSWORD):
    """Open the link (its token moves into the session), then send the form it leads to."""
    opened = client.get(link)
    if opened.status_code != 303:
        return opened
    return post_form(
        client, opened.headers["Location"], {"password": password, "confirm": password}
    )


def _mail_app(app_factory, smtp_server):
    app = app_factory(**mail_config(smtp_server))
    with app.app_context():
        make_user(email="maryam@example.org", name="Maryam")
    return app


def test_reset_link_is_mailed_and_sets_a_new_password(app_factory, smtp_server):
    app = _mail_app(app_factory, smtp_server)
    _, _, received = smtp_server
    client = app.test_client()
    assert "Forgot your password?" in client.get("/login").text
    response = _ask(client, "Maryam@Example.org")
    assert response.status_code == 302
    assert RESET_SENT_MESSAGE in client.get(response.headers["Location"]).text
    wait_for_mail(received, 1)
    assert len(received) == 1 and received[0]["To"] == "maryam@example.org"
    body = received[0].get_content()
    assert "https://news.example.org/password/reset/" in body
    link = link_from(body)

    assert _set(client, link).status_code == 302
    assert login(client, "maryam@example.org", "a long enough password").status_code == 200
    assert login(client, "maryam@example.org", NEW_PASSWORD).status_code == 302
    used_again = app.test_client().get(link)
    assert used_again.status_code == 404 and "no longer works" in used_again.text


def test_unknown_email_gets_the_same_answer_and_no_mail(app_factory, smtp_server):
    app = _mail_app(app_factory, smtp_server)
    _, _, received = smtp_server
    client = app.test_client()
    known = _ask(client, "maryam@example.org")
    unknown = _ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    wait_for_mail(received, 1)
    time.sleep(0.3)  # a second message, if any were sent, would have arrived by now
    assert len(received) == 1


def test_reset_link_expires_after_an_hour(app_factory, smtp_server):
    app = _mail_app(app_factory, smtp_server)
    _, _, received = smtp_server
    client = app.test_client()
    _ask(client, "maryam@example.org")
    link = link_from(wait_for_mail(received, 1)[0].get_content())
    assert client.get(link).status_code == 303  # opened in time; the form is filled in too late
    with app.app_context():
        token = db.session.scalar(db.select(AccountToken))
        assert token.expires_at - token.created_at == timedelta(hours=1)
        token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get(link).status_code == 404
    forced = post_form(
        client,
        "/password/choose",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        "/password/forgot",
    )
    assert forced.status_code == 404
    assert login(client, "maryam@example.org", NEW_PASSWORD).status_code == 200


def test_reset_link_dies_when_the_password_changes_another_way(app_factory, smtp_server):
    app = _mail_app(app_factory, smtp_server)
    _, _, received = smtp_server
    client = app.test_client()
    _ask(client, "maryam@example.org")
    link = link_from(wait_for_mail(received, 1)[0].get_content())
    login(client, "maryam@example.org")
    changed = post_form(
        client,
        "/admin/profile/password",
        {
            "current_password": "a long enough password",
            "password": "changed in the profile",
            "confirm": "changed in the profile",
        },
        form_page="/admin/profile",
    )
    assert changed.status_code == 302
    assert app.test_client().get(link).status_code == 404


def test_reset_ends_existing_sessions_and_is_audited(app_factory, smtp_server):
    app = _mail_app(app_factory, smtp_server)
    _, _, received = smtp_server
    signed_in = app.test_client()
    login(signed_in, "maryam@example.org")
    assert signed_in.get("/admin/").status_code == 200
    _ask(app.test_client(), "maryam@example.org")
    _set(app.test_client(), link_from(wait_for_mail(received, 1)[0].get_content()))
    assert signed_in.get("/admin/").status_code == 302
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action)))
    assert "password.reset_requested" in actions and "password.reset" in actions


def test_weak_new_password_is_refused(app_factory, smtp_server):
    app = _mail_app(app_factory, smtp_server)
    _, _, received = smtp_server
    client = app.test_client()
    _ask(client, "maryam@example.org")
    link = link_from(wait_for_mail(received, 1)[0].get_content())
    response = _set(client, link, "qwerty123456")
    assert response.status_code == 200 and "too common" in response.text
    assert login(client, "maryam@example.org").status_code == 302


def test_without_mail_the_admin_sends_the_reset_link(client, app):
    make_user("admin", email="admin@example.org")
    author = make_user(email="jonas@example.org")
    login(client, "admin@example.org")
    page = post_form(
        client, f"/admin/users/{author.id}/send-link", {}, form_page=f"/admin/users/{author.id}"
    )
    assert "Password reset link for" in page.text
    link = link_from(page.text)
    assert link.startswith("/password/reset/")
    assert _set(app.test_client(), link).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, author.id)
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_forgot_password_without_mail_still_answers_the_same(client):
    make_user(email="maryam@example.org")
    response = _ask(client, "maryam@example.org")
    assert response.status_code == 302
    assert RESET_SENT_MESSAGE in client.get("/login").text


def test_reset_form_works_over_https_without_the_token_in_any_referer(app):
    """On HTTPS Flask-WTF refuses a form POST without a same-origin Referer. The form page holds
    no token in its address and allows same-origin referrers, so a browser's POST is accepted;
    only the link itself, which redirects at once, sends no referrer at all."""
    from app.accounts.tokens import issue_token
    from app.models import TokenPurpose

    user = make_user(email="maryam@example.org")
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    site = "https://localhost"
    browser = app.test_client()
    opened = browser.get(f"/password/reset/{raw}", base_url=site)
    assert opened.status_code == 303
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    form_url = site + opened.headers["Location"]
    assert raw not in form_url
    page = browser.get(form_url)
    # What the browser will send as Referer from this page to the same origin: the full URL.
    assert page.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    token = csrf_token_from(page.text)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}

    refused = browser.post(form_url, data=data)  # no Referer: Flask-WTF's HTTPS check says no
    assert refused.status_code == 400
    done = browser.post(form_url, data=data, headers={"Referer": form_url})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert login(browser, "maryam@example.org", NEW_PASSWORD).status_code == 302
