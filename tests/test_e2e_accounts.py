"""End to end in headless Chromium: an admin invites an author, who joins and turns on 2FA."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.factories import make_user

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

PASSWORD = "lanterns over the harbour"


def test_invited_author_joins_enables_two_factor_and_logs_in_with_a_code(
    live_server, page, chromium
):
    app, base = live_server
    with app.app_context():
        make_user("admin", email="ada@example.org", name="Ada Admin", password="admin password 123")

    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password").fill("admin password 123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/")
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill("samir@example.org")
    page.get_by_label("Name").fill("Samir Nasser")
    page.get_by_label("Role").select_option("author")
    page.get_by_role("button", name="Send invitation").click()
    link = page.locator("#access-link").input_value()
    assert link.startswith(f"{base}/invitation/")

    context = chromium.new_context()
    author = context.new_page()
    author.set_default_timeout(10_000)
    author.goto(link)
    expect(author.get_by_label("Your name")).to_have_value("Samir Nasser")
    author.get_by_label("New password").fill(PASSWORD)
    author.get_by_label("Repeat the password").fill(PASSWORD)
    author.get_by_role("button", name="Create my account").click()
    author.wait_for_url(f"{base}/admin/")
    expect(author.get_by_text("Welcome, Samir Nasser!")).to_be_visible()

    author.get_by_role("link", name="Profile").click()
    author.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(author.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = author.locator("#totp-secret").inner_text()
    author.get_by_label("Your password").fill(PASSWORD)
    author.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    author.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(author.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(author.locator(".recovery-codes li")).to_have_count(10)

    author.get_by_role("button", name="Log out").click()
    author.wait_for_url(f"{base}/")
    author.goto(f"{base}/login")
    author.get_by_label("Email").fill("samir@example.org")
    author.get_by_label("Password").fill(PASSWORD)
    author.get_by_role("button", name="Log in").click()
    author.wait_for_url(f"{base}/login/two-factor")
    # The next 30-second step's code: the one used to enable 2FA may not be used again.
    author.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    author.get_by_role("button", name="Verify").click()
    author.wait_for_url(f"{base}/admin/")
    expect(author.get_by_role("link", name="Profile")).to_be_visible()
    expect(author.get_by_role("link", name="Users")).to_have_count(0)
    context.close()

    page.goto(f"{base}/admin/audit")
    table = page.locator(".audit-table")
    for action in ("Invitation sent", "Invitation accepted", "Two-factor sign-in turned on"):
        expect(table.get_by_text(action).first).to_be_visible()
