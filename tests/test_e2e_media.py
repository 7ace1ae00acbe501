"""End to end in headless Chromium: upload a photo, feature it, insert it, publish, and a
visitor on a phone gets a small rendition instead of the original."""

from __future__ import annotations

import re

import pytest

from tests import media_samples as samples
from tests.factories import make_user

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

RENDITION = re.compile(r"/media/[0-9a-f]{2}/harbour-(\d+)w\.[0-9a-f]{16}\.(webp|jpg)$")


def test_upload_feature_insert_publish_and_a_phone_gets_a_rendition(live_server, page, chromium):
    app, base = live_server
    with app.app_context():
        make_user("author", email="jonas@example.org", password="long password 123")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("jonas@example.org")
    page.get_by_label("Password").fill("long password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")

    # Upload with the JavaScript uploader (progress bar, then the grid reloads).
    page.goto(f"{base}/admin/media")
    page.locator("summary").click()
    page.get_by_label("Alt text").fill("Boats in the harbour at dawn")
    page.get_by_label("Credit").fill("Photo: Jonas Weber")
    page.get_by_label("Upload files").set_input_files(
        files=[
            {"name": "harbour.jpg", "mimeType": "image/jpeg", "buffer": samples.photo((2400, 1600))}
        ]
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator(".media-card", has_text="harbour")).to_be_visible(timeout=30_000)

    # Write a post: feature the photo and insert it into the body from the picker.
    page.goto(f"{base}/admin/posts/new")
    page.get_by_label("Title", exact=True).fill("Morning at the harbour")
    body = page.get_by_label("Body (Markdown)")
    body.fill("The boats came back at dawn.")
    page.get_by_role("button", name="Insert image").click()
    picker = page.get_by_role("dialog")
    picker.get_by_role("button", name="Use as featured image").click()
    picker.get_by_role("button", name=re.compile("harbour")).click()
    expect(body).to_have_value(re.compile(r"!\[Boats in the harbour at dawn\]\(/media/.+\.jpg\)"))
    expect(page.get_by_label("Featured image")).to_have_value(re.compile(r"^\d+$"))
    page.get_by_label("Status").select_option("published")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Post created.")).to_be_visible()
    post_url = page.get_by_role("link", name="View post").get_attribute("href")

    # A visitor on a phone.
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    visitor = phone.new_page()
    visitor.goto(base + post_url)
    hero = visitor.locator(".featured-image img")
    expect(hero).to_have_attribute("alt", "Boats in the harbour at dawn")
    visitor.wait_for_function("document.querySelector('.featured-image img').complete")
    current = hero.evaluate("img => img.currentSrc")
    match = RENDITION.search(current)
    assert match, f"the phone loaded {current}, not a rendition"
    assert int(match.group(1)) <= 640 and match.group(2) == "webp"
    loaded = visitor.evaluate(
        "url => performance.getEntriesByName(url)[0].encodedBodySize", current
    )
    with app.app_context():
        from app.extensions import db
        from app.models import MediaItem

        original = db.session.scalar(db.select(MediaItem.file_size))
    assert 0 < loaded < original / 5, (loaded, original)
    expect(visitor.locator(".featured-image figcaption")).to_contain_text("Photo: Jonas Weber")
    in_body = visitor.locator(".post__body img")
    expect(in_body).to_have_attribute("srcset", re.compile(r" 320w"))
    in_body.scroll_into_view_if_needed()
    visitor.wait_for_function("document.querySelector('.post__body img').complete")
    assert RENDITION.search(in_body.evaluate("img => img.currentSrc"))
    phone.close()
