"""Guessing is slowed down per client address and per account, with a 429 page saying when."""

from __future__ import annotations

import os
import re

import pyotp

from app.config import build_config
from app.extensions import db
from tests.conftest import login, post_form
from tests.factories import make_user

WRONG = "not the password at all"


def _from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_one_account_is_protected_against_many_addresses(app_factory):
    app = app_factory(LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    with app.app_context():
        make_user(email="target@example.org")
        make_user(email="bystander@example.org")
    statuses = [
        login(_from(app.test_client(), f"10.0.0.{n}"), "target@example.org", WRONG).status_code
        for n in range(1, 4)
    ]
    assert statuses == [200, 200, 429]
    # Even the right password waits now, but other accounts are unaffected.
    assert login(_from(app.test_client(), "10.0.0.9"), "TARGET@example.org").status_code == 429
    assert login(_from(app.test_client(), "10.0.0.9"), "bystander@example.org").status_code == 302


def test_one_address_trying_many_accounts_is_slowed_down(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="2 per minute")
    client = _from(app.test_client(), "10.0.0.1")
    statuses = [login(client, f"guess{n}@example.org", WRONG).status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert (
        login(_from(app.test_client(), "10.0.0.2"), "guess9@example.org", WRONG).status_code == 200
    )


def test_throttled_page_says_when_to_try_again(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    login(client, "a@example.org", WRONG)
    page = login(client, "a@example.org", WRONG)
    assert page.status_code == 429
    match = re.search(r"Please wait (\d+) seconds? before trying again", page.text)
    assert match and 1 <= int(match.group(1)) <= 60
    assert int(page.headers["Retry-After"]) <= 60


def test_password_reset_requests_are_limited_per_account(app_factory):
    app = app_factory(RESET_ACCOUNT_RATE_LIMIT="2 per hour")
    with app.app_context():
        make_user(email="maryam@example.org")
    statuses = [
        post_form(
            _from(app.test_client(), f"10.0.1.{n}"),
            "/password/forgot",
            {"email": "maryam@example.org"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_password_reset_requests_are_limited_per_address(app_factory):
    app = app_factory(RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [
        post_form(client, "/password/forgot", {"email": f"x{n}@example.org"}).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_two_factor_codes_are_limited_per_account(app_factory):
    app = app_factory(TWO_FACTOR_ACCOUNT_RATE_LIMIT="2 per minute")
    with app.app_context():
        user = make_user(email="editor@example.org", role="editor")
        user.totp_secret = pyotp.random_base32()
        user.two_factor_enabled = True
        db.session.commit()
        secret = user.totp_secret
    statuses = []
    for n in range(2):
        client = _from(app.test_client(), f"10.0.2.{n}")
        login(client, "editor@example.org")
        statuses.append(post_form(client, "/login/two-factor", {"code": "000000"}).status_code)
    client = _from(app.test_client(), "10.0.2.9")
    login(client, "editor@example.org")
    right_code = pyotp.TOTP(secret).now()
    statuses.append(post_form(client, "/login/two-factor", {"code": right_code}).status_code)
    assert statuses == [200, 200, 429]
    assert client.get("/admin/").status_code == 302


def _shipped_limits(monkeypatch, tmp_path) -> dict:
    """The rate limits a site gets when its operator sets none (conftest loosens them all)."""
    for name in list(os.environ):
        if name.endswith("_RATE_LIMIT"):
            monkeypatch.delenv(name)
    config = build_config(tmp_path / "defaults", "development")
    return {name: value for name, value in config.items() if name.endswith("_RATE_LIMIT")}


def test_shipped_login_limits_stop_guessing(app_factory, monkeypatch, tmp_path):
    """With the configured defaults, a sixth wrong password for one account within a minute
    (from six addresses) and an eleventh wrong login from one address are refused."""
    limits = _shipped_limits(monkeypatch, tmp_path)
    assert set(limits) >= {"LOGIN_RATE_LIMIT", "LOGIN_ACCOUNT_RATE_LIMIT"}
    app = app_factory(**limits)
    with app.app_context():
        make_user(email="target@example.org")
    per_account = [
        login(_from(app.test_client(), f"10.0.3.{n}"), "target@example.org", WRONG).status_code
        for n in range(6)
    ]
    assert per_account == [200] * 5 + [429]
    client = _from(app.test_client(), "10.0.4.1")
    per_address = [login(client, f"guess{n}@example.org", WRONG).status_code for n in range(11)]
    assert per_address == [200] * 10 + [429]
