"""Absolute links never follow a forged Host header; settings that go into mail are one line."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError
from app.content.settings import save_settings
from app.extensions import db
from tests.conftest import base_config, login, mail_config, post_form, wait_for_mail
from tests.factories import make_post, make_user


def test_mail_needs_site_url_or_trusted_hosts_in_every_mode(tmp_path):
    config = {**base_config(tmp_path, "sqlite://"), "MAIL_SERVER": "127.0.0.1"}
    with pytest.raises(ConfigError, match="SITE_URL"):
        create_app(config)
    create_app({**config, "TRUSTED_HOSTS": ["news.example.org"]})
    create_app({**config, "SITE_URL": "https://news.example.org"})


def test_trusted_hosts_refuse_a_forged_host(app_factory):
    app = app_factory(TRUSTED_HOSTS=["news.example.org"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "news.example.org"}).status_code == 200


def test_canonical_and_hreflang_links_use_site_url_whatever_the_host(app_factory):
    app = app_factory(SITE_URL="https://news.example.org")
    with app.app_context():
        post = make_post(make_user(), title="Canonical")
        url = f"/{post.published_at:%Y/%m/%d}/{post.slug}/"
    page = app.test_client().get(url, headers={"Host": "evil.example"}).text
    assert f'<link rel="canonical" href="https://news.example.org{url}">' in page
    assert "evil.example" not in page


def test_reset_mail_links_use_site_url_whatever_the_host(app_factory, smtp_server):
    app = app_factory(**mail_config(smtp_server))
    _, _, received = smtp_server
    with app.app_context():
        make_user(email="author@example.org")
    client = app.test_client()
    page = client.get("/password/forgot", headers={"Host": "evil.example"})
    assert page.status_code == 200
    post_form(client, "/password/forgot", {"email": "author@example.org"})
    body = wait_for_mail(received, 1)[0].get_content()
    assert "https://news.example.org/password/reset/" in body
    assert "evil.example" not in body


def test_settings_refuse_a_title_with_a_line_break(client):
    make_user("admin", email="admin@example.org")
    login(client, "admin@example.org")
    response = post_form(
        client,
        "/admin/settings",
        {
            "site_title": "News\r\nBcc: everyone@example.org",
            "site_timezone": "UTC",
            "site_language": "en",
            "posts_per_page": "10",
        },
    )
    assert response.status_code == 200
    assert "Use a single line without line breaks." in response.text


def test_a_stored_title_with_a_line_break_does_not_half_do_an_invitation(app_factory, smtp_server):
    app = app_factory(**mail_config(smtp_server))
    _, _, received = smtp_server
    with app.app_context():
        make_user("admin", email="admin@example.org")
        save_settings({"site_title": "News\r\nBcc: everyone@example.org"})
        db.session.commit()
    client = app.test_client()
    login(client, "admin@example.org")
    response = post_form(
        client,
        "/admin/users/invite",
        {"email": "nadia@example.org", "name": "Nadia", "role": "author"},
    )
    assert response.status_code == 302
    message = wait_for_mail(received, 1)[0]
    assert message["Subject"] == "You are invited to News Bcc: everyone@example.org"
    assert message["Bcc"] is None
