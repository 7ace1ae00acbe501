"""Automated accessibility check (axe-core, in headless Chromium) of the demo site's public pages
and the staff screens. Any violation axe reports fails the test with its rule and elements."""

from __future__ import annotations

import pytest

from app.demo import load_demo_content
from tests.factories import make_user

pytestmark = pytest.mark.browser
axe_module = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed"
)

PUBLIC_PAGES = [
    "/",
    "/?page=2",
    "/category/campaigns/",
    "/tag/families/",
    "/author/maryam-rahimi/",
    "/2019/",
    "/about-us/our-team/",
    "/login",
    "/password/forgot",
    "/no-such-page/",
]
STAFF_PAGES = [
    "/admin/",
    "/admin/posts/new",
    "/admin/pages",
    "/admin/categories",
    "/admin/tags",
    "/admin/menu",
    "/admin/users",
    "/admin/users/invite",
    "/admin/audit",
    "/admin/settings",
    "/admin/profile",
]


def _violations(page, axe, url: str) -> list[str]:
    page.goto(url)
    results = axe.run(page)
    return [
        f"{url}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
    ]


def test_public_and_staff_pages_have_no_accessibility_violations(live_server, page):
    app, base = live_server
    with app.app_context():
        load_demo_content()
        make_user("admin", email="admin@example.org", password="long password 123")
    axe = axe_module.Axe()
    found: list[str] = []
    posts = [f"{base}{path}" for path in PUBLIC_PAGES]
    page.goto(f"{base}/")
    posts.append(page.locator(".post-card__title a").first.get_attribute("href"))
    rtl_post = page.locator('.post-card[lang="fa"] .post-card__title a').first
    if rtl_post.count():
        posts.append(rtl_post.get_attribute("href"))
    for url in posts:
        found += _violations(page, axe, url if url.startswith("http") else f"{base}{url}")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("admin@example.org")
    page.get_by_label("Password").fill("long password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")
    for path in STAFF_PAGES:
        found += _violations(page, axe, f"{base}{path}")
    assert found == []
