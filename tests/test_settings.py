"""Admins change the site's title, tagline, timezone, language and page size in the browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.content.settings import get_setting, save_settings
from app.content.taxonomy import delete_category, save_category
from app.extensions import db
from tests.conftest import card_titles, login, post_form
from tests.content_factories import make_filed_post
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


def _featured_block_names(html: str) -> list[str]:
    if 'class="home-featured"' not in html:
        return []
    aside = html.split('class="home-featured"')[1].split("</aside>")[0]
    return re.findall(
        r'<h2 class="section-label"><a href="[^"]+"><bdi>([^<]+)</bdi></a></h2>', aside
    )


def _with_featured(*category_ids: int) -> dict:
    slots = {f"featured_categories-{n}": str(cid) for n, cid in enumerate(category_ids)}
    return {**VALID, "posts_per_page": "10", **slots, "featured_categories-9": ""}


def test_admin_features_categories_on_the_home_page_in_the_chosen_order(client):
    make_user(email="admin@example.org", role="admin")
    author = make_user()
    letters, reports, quiet = (save_category(None, name=n) for n in ("Letters", "Reports", "Quiet"))
    db.session.commit()
    make_filed_post(author, "A letter", category_ids=[letters.id])
    make_filed_post(author, "A report", category_ids=[reports.id])
    make_filed_post(author, "Top story")  # newest: shown on top, so no block repeats it
    login(client, "admin@example.org")

    response = post_form(client, "/admin/settings", _with_featured(reports.id, letters.id))
    assert response.status_code == 302
    assert get_setting("featured_categories") == [reports.id, letters.id]
    assert _featured_block_names(client.get("/").text) == ["Reports", "Letters"]

    form = client.get("/admin/settings").text
    assert re.search(
        rf'id="featured_categories-0"[^>]*>.*?<option selected value="{reports.id}"', form, re.S
    )
    assert re.search(
        rf'id="featured_categories-1"[^>]*>.*?<option selected value="{letters.id}"', form, re.S
    )

    response = post_form(
        client, "/admin/settings", _with_featured(letters.id, quiet.id, reports.id)
    )
    assert response.status_code == 302
    # A category with no posts yet gets no block.
    assert _featured_block_names(client.get("/").text) == ["Letters", "Reports"]

    post_form(client, "/admin/settings", _with_featured())
    assert _featured_block_names(client.get("/").text) == []


def test_featuring_a_category_twice_is_refused(client):
    make_user(email="admin@example.org", role="admin")
    letters = save_category(None, name="Letters")
    db.session.commit()
    login(client, "admin@example.org")
    response = post_form(client, "/admin/settings", _with_featured(letters.id, letters.id))
    assert response.status_code == 200
    assert "Each category can be featured only once." in response.text
    assert get_setting("featured_categories") == []


def test_a_deleted_featured_category_drops_out_of_the_home_page_and_the_form(client):
    make_user(email="admin@example.org", role="admin")
    letters, gone = save_category(None, name="Letters"), save_category(None, name="Gone")
    db.session.commit()
    author = make_user()
    make_filed_post(author, "A letter", category_ids=[letters.id])
    make_filed_post(author, "Soon orphaned", category_ids=[gone.id])
    make_filed_post(author, "Top story")  # newest: shown on top, so no block repeats it
    save_settings({"featured_categories": [gone.id, letters.id]})
    db.session.commit()
    assert _featured_block_names(client.get("/").text) == ["Gone", "Letters"]
    delete_category(gone)
    db.session.commit()
    assert _featured_block_names(client.get("/").text) == ["Letters"]

    login(client, "admin@example.org")
    form = client.get("/admin/settings").text
    assert f'value="{gone.id}"' not in form
    first_slot = form.split('id="featured_categories-0"')[1].split("</select>")[0]
    assert "selected" not in first_slot  # the browser falls back to "— None —"
    response = post_form(
        client,
        "/admin/settings",
        {
            **_with_featured(letters.id),
            "featured_categories-0": "",
            "featured_categories-1": str(letters.id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert get_setting("featured_categories") == [letters.id]
