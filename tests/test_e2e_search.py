"""End to end in headless Chromium: a visitor searches from the header and opens a result."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_post, make_user

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect


def test_a_visitor_types_in_the_header_search_lands_on_results_and_opens_one(live_server, page):
    app, base = live_server
    with app.app_context():
        writer = make_user(name="Ada Writer")
        make_post(writer, title="Eine fragwürdige Entscheidung", body="Über die Fischerei.",
                  language="de")  # fmt: skip
        make_post(writer, title="Unrelated news", body="Nothing about fish.")

    page.goto(f"{base}/")
    box = page.get_by_role("searchbox", name="Search this site")
    box.fill("fragwurdige")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=fragwurdige$"))
    results = page.locator(".search-results")
    result = results.get_by_role("link", name="Eine fragwürdige Entscheidung")
    expect(result).to_be_visible()
    expect(results.get_by_role("link", name="Unrelated news")).to_have_count(0)
    expect(results.locator("mark")).to_have_text(["fragwürdige"])
    result.click()
    page.wait_for_url(re.compile(r"/\d{4}/\d{2}/\d{2}/eine-fragw"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Eine fragwürdige Entscheidung")
