"""Admins change the site's title, tagline, timezone, language and page size in the browser."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import card_titles, login, post_form
from tests.factories import make_post, make_user

VALID = {
    "site_title": "Stimme der Familien",
    "site_tagline": "Briefe, Berichte, Kampagnen",
    "site_timezone": "Europe/Berlin",
    "site_language": "de",
    "posts_per_page": "2",
}


def test_admin_changes_settings_and_the_public_site_follows(client):
    make_user(email="admin@example.org", role="admin")
    author = make_user()
    for day in (1, 2, 3):
        make_post(author, title=f"Tag {day}", published_at=datetime(2024, 5, day, 23, tzinfo=UTC))
    login(client, "admin@example.org")
    response = post_form(client, "/admin/settings", VALID)
    assert response.status_code == 302
    home = client.get("/").text
    assert "<title>Stimme der Familien</title>" in home
    assert "Briefe, Berichte, Kampagnen" in home
    assert '<html lang="de" dir="ltr">' in home
    assert card_titles(home) == ["Tag 3", "Tag 2"]
    # 23:00 UTC on 3 May is 4 May in Berlin (UTC+2 in summer).
    assert "May 4, 2024" in home and "/2024/05/04/tag-3/" in home


def test_invalid_settings_are_refused_and_the_form_keeps_the_input(client):
    make_user(email="admin@example.org", role="admin")
    login(client, "admin@example.org")
    response = post_form(
        client, "/admin/settings", {**VALID, "site_timezone": "Mars/Olympus", "posts_per_page": "0"}
    )
    assert response.status_code == 200
    assert "Unknown timezone" in response.text
    assert 'value="Mars/Olympus"' in response.text
    assert "<title>Broadside</title>" in client.get("/").text


def test_only_admins_reach_settings(client):
    make_user(email="editor@example.org", role="editor")
    login(client, "editor@example.org")
    assert client.get("/admin/settings").status_code == 403
    assert "Settings" not in client.get("/admin/").text.split('aria-label="Staff area"')[1][:400]
