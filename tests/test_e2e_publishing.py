"""End to end in headless Chromium: a staff member publishes, a visitor reads."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_staff_writes_previews_publishes_and_a_visitor_reads(live_server, page):
    app, base = live_server
    with app.app_context():
        make_user(email="claire@example.org", name="Claire Dubois", password="long password 123")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("claire@example.org")
    page.get_by_label("Password").fill("long password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")

    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title", exact=True).fill("Rencontre à Genève : les témoignages")
    page.get_by_label("Body (Markdown)").fill(
        "## Ce que nous avons entendu\n\nDes familles *venues de loin*.\n\n<script>alert(1)</script>"
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    expect(preview.get_by_role("heading", name="Ce que nous avons entendu")).to_be_visible()
    expect(preview.locator("em", has_text="venues de loin")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Rencontre à Genève : les témoignages"
    )

    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post created.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/")
    expect(page.get_by_role("link", name="Staff login")).to_be_visible()

    recent = page.get_by_role("region", name="Recent activities")
    headline = recent.get_by_role("link", name="Rencontre à Genève : les témoignages", exact=True)
    expect(headline).to_be_visible()
    expect(page.locator(".byline", has_text="By Claire Dubois").first).to_be_visible()
    headline.click()
    page.wait_for_url(re.compile(r"/\d{4}/\d{2}/\d{2}/rencontre-a-geneve-les-temoignages/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rencontre à Genève : les témoignages"
    )
    expect(page.get_by_role("heading", name="Ce que nous avons entendu")).to_be_visible()
    expect(page.locator("script", has_text="alert")).to_have_count(0)


def test_home_page_fits_a_small_phone(live_server, chromium):
    app, base = live_server
    with app.app_context():
        from tests.factories import make_post

        make_post(make_user(), title="Ein sehr langer Titel über Größenwahn und Verantwortung")
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(base + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    context.close()


def test_staff_screens_fit_a_small_phone(live_server, chromium):
    app, base = live_server
    with app.app_context():
        from app.demo import load_demo_content

        load_demo_content()
        make_user("admin", email="admin@example.org", password="long password 123")
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("long password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")
    too_wide = {}
    for path in ["/admin/", "/admin/posts/1/edit", "/admin/pages", "/admin/categories",
                 "/admin/tags", "/admin/menu", "/admin/users", "/admin/audit", "/admin/settings"]:  # fmt: skip
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            too_wide[path] = overflow
    context.close()
    assert too_wide == {}
