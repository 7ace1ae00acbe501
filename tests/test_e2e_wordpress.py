"""End to end in headless Chromium: an admin reads the import report and edits a redirect, and a
visitor following an old WordPress address lands on the post."""

from __future__ import annotations

import pytest

from app.importers.wordpress.importer import import_wordpress
from tests.factories import make_user
from tests.wxr_builder import WxrPost, write, wxr

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_admin_reads_import_report_edits_redirect_and_visitor_follows_old_link(
    live_server, page, tmp_path
):
    app, base = live_server
    posts = [
        WxrPost(
            7,
            "Open letter to the minister",
            "Dear Minister,\n\nwe write to you…",
            slug="open-letter",
            date="2019-06-01 10:00:00",
            link="https://old.example.org/archives/7",
        ),
        WxrPost(8, "Binned draft", "x", slug="binned", status="trash"),
    ]
    export = write(tmp_path / "ngo-export.xml", wxr(posts))
    with app.app_context():
        import_wordpress(export)
        make_user("admin", email="admin@example.org", password="long password 123")

    # A visitor with an old link (and a tracking parameter) lands on the post.
    page.goto(f"{base}/archives/7?utm_source=newsletter")
    page.wait_for_url(f"{base}/2019/06/01/open-letter/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open letter to the minister")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("long password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")

    staff_nav = page.get_by_role("navigation", name="Staff area")
    staff_nav.get_by_role("link", name="Imports").click()
    page.get_by_role("link", name="UTC").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of ngo-export.xml")
    posts_row = page.get_by_role("row", name="Posts")
    expect(posts_row.get_by_role("cell").nth(0)).to_have_text("2")  # found
    expect(posts_row.get_by_role("cell").nth(1)).to_have_text("1")  # imported
    expect(page.get_by_role("cell", name="in the trash")).to_be_visible()

    staff_nav.get_by_role("link", name="Redirects").click()
    page.get_by_label("Search old or new address").fill("archives")
    page.get_by_role("button", name="Search").click()
    row = page.get_by_role("row", name="/archives/7")
    expect(row.get_by_role("cell").nth(3)).to_have_text("1")  # the visitor's hit
    row.get_by_role("link", name="Edit").click()
    page.get_by_label("New address").fill("/2019/06/01/open-letter/?from=archive")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Redirect saved.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    page.goto(f"{base}/archives/7/")
    expect(page).to_have_url(f"{base}/2019/06/01/open-letter/?from=archive")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open letter to the minister")
