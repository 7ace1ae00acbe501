"""End to end in headless Chromium: an editor files a post in a new category, an admin puts the
category in the header menu, and a visitor finds the post through both."""

from __future__ import annotations

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_new_category_post_is_found_through_archive_and_header_menu(live_server, page):
    app, base = live_server
    with app.app_context():
        make_user("admin", email="admin@example.org", password="long password 123")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("long password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")

    staff_nav = page.get_by_role("navigation", name="Staff area")
    staff_nav.get_by_role("link", name="Categories").click()
    page.get_by_role("link", name="New category").click()
    page.get_by_label("Name").fill("Offene Briefe")
    page.get_by_label("Description").fill("Briefe an Regierungen und Institutionen.")
    page.get_by_role("button", name="Save category").click()
    expect(page.get_by_role("cell", name="Offene Briefe").first).to_be_visible()

    staff_nav.get_by_role("link", name="Posts").click()
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title", exact=True).fill("Brief an den Außenminister")
    page.get_by_label("Body (Markdown)").fill("Sehr geehrter Herr Minister, …")
    page.get_by_label("Language").select_option("de")
    page.get_by_label("Offene Briefe").check()
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post created.")).to_be_visible()

    staff_nav.get_by_role("link", name="Menu").click()
    page.get_by_label("Page or category").select_option(label="Offene Briefe")
    page.get_by_role("button", name="Add to menu").click()
    expect(page.get_by_text("was added to the menu")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/")

    header_menu = page.get_by_role("navigation", name="Main")
    header_menu.get_by_role("link", name="Offene Briefe").click()
    page.wait_for_url(f"{base}/category/offene-briefe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offene Briefe")
    expect(page.get_by_text("Briefe an Regierungen und Institutionen.")).to_be_visible()
    entry = page.locator("article.post-card", has_text="Brief an den Außenminister")
    expect(entry).to_have_attribute("lang", "de")
    entry.get_by_role("link", name="Brief an den Außenminister", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brief an den Außenminister")
    # The article speaks German; the site's chrome around it keeps the site language.
    expect(page.locator("article.post")).to_have_attribute("lang", "de")
    expect(
        page.locator(".post__categories").get_by_role("link", name="Offene Briefe")
    ).to_be_visible()
