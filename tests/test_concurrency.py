"""Races against a real multi-worker server (gunicorn): one-time secrets, the last admin.

Each test fires the same request from several threads released at one moment against several
gunicorn worker processes, on both databases, and checks that what must happen once happened
once. Check-then-write code passes single-threaded tests and fails these.
"""

from __future__ import annotations

import time

import pyotp
import pytest

from app.accounts import two_factor
from app.extensions import db
from app.models import RecoveryCode, Role, User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.multiworker import Browser, gunicorn_server, race

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PARALLEL = 6


@pytest.fixture
def server(app, tmp_path):
    """gunicorn with several workers on this test's database (built by the ``app`` fixture)."""
    db.session.commit()
    url = db.engine.url.render_as_string(hide_password=False)
    return lambda: gunicorn_server(url, tmp_path)


def _two_factor_user() -> tuple[User, str]:
    user = make_user(Role.EDITOR, email="editor@example.org")
    user.totp_secret = pyotp.random_base32()
    user.two_factor_enabled = True
    db.session.commit()
    return user, user.totp_secret


def _pending_second_step(base: str) -> tuple[Browser, str]:
    """A browser that passed the password step; returns it and the two-factor form's token."""
    browser = Browser(base)
    status, _, headers = browser.post(
        "/login", {"email": "editor@example.org", "password": DEFAULT_PASSWORD}
    )
    assert status == 302 and headers["Location"].endswith("/login/two-factor"), status
    return browser, browser.csrf("/login/two-factor")


def _signed_in(results) -> int:
    return sum(
        1
        for result in results
        if not isinstance(result, Exception)
        and result[0] == 302
        and result[2]["Location"].endswith("/admin/")
    )


def test_one_totp_code_signs_in_once_however_many_race(app, server):
    _user, secret = _two_factor_user()
    with server() as base:
        browser, token = _pending_second_step(base)
        code = pyotp.TOTP(secret).at(time.time() + 30)  # next step: valid, never used
        copies = [browser.copy() for _ in range(PARALLEL)]
        results = race(
            [
                lambda c=c: c.request(
                    "POST", "/login/two-factor", {"code": code, "csrf_token": token}
                )
                for c in copies
            ]
        )
    assert not [r for r in results if isinstance(r, Exception) or r[0] >= 500], results
    assert _signed_in(results) == 1


def test_one_recovery_code_signs_in_once_however_many_race(app, server):
    user, _ = _two_factor_user()
    codes = two_factor._new_recovery_codes(user)
    db.session.commit()
    with server() as base:
        browser, token = _pending_second_step(base)
        copies = [browser.copy() for _ in range(PARALLEL)]
        results = race(
            [
                lambda c=c: c.request(
                    "POST", "/login/two-factor", {"code": codes[0], "csrf_token": token}
                )
                for c in copies
            ]
        )
    assert not [r for r in results if isinstance(r, Exception) or r[0] >= 500], results
    assert _signed_in(results) == 1
    db.session.expire_all()
    used = db.session.scalars(db.select(RecoveryCode).where(RecoveryCode.used_at.is_not(None)))
    assert len(used.all()) == 1


def _active_admins() -> int:
    db.session.expire_all()
    return db.session.scalar(
        db.select(db.func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.active.is_(True)
        )
    )


@pytest.mark.parametrize("change", ["deactivate", "role"])
def test_two_admins_removing_each_other_leave_one_admin(app, server, change):
    first = make_user(Role.ADMIN, email="first@example.org")
    second = make_user(Role.ADMIN, email="second@example.org")
    with server() as base:
        for _round in range(4):
            for account in (first, second):
                account.active, account.role = True, Role.ADMIN.value
            db.session.commit()
            browsers = {}
            for account in (first, second):
                browser = Browser(base)
                status, _, _ = browser.post(
                    "/login", {"email": account.email, "password": DEFAULT_PASSWORD}
                )
                assert status == 302
                browsers[account.id] = (browser, browser.csrf(f"/admin/users/{account.id}"))

            def remove(actor: User, target: User, browsers=browsers):
                browser, token = browsers[actor.id]
                if change == "deactivate":
                    return browser.request(
                        "POST", f"/admin/users/{target.id}/deactivate", {"csrf_token": token}
                    )
                return browser.request(
                    "POST",
                    f"/admin/users/{target.id}/role",
                    {"role": Role.EDITOR.value, "csrf_token": token},
                )

            results = race([lambda: remove(first, second), lambda: remove(second, first)])
            assert not [r for r in results if isinstance(r, Exception) or r[0] >= 500], results
            assert _active_admins() >= 1


def test_one_reset_link_changes_the_password_once(app, server):
    from app.accounts.passwords import verify_password
    from app.accounts.tokens import issue_token
    from app.models import TokenPurpose

    user = make_user(Role.AUTHOR, email="author@example.org")
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    link, path = f"/password/reset/{raw}", "/password/choose"
    with server() as base:
        browsers = [Browser(base) for _ in range(PARALLEL)]
        assert all(browser.request("GET", link)[0] == 303 for browser in browsers)
        tokens = [browser.csrf(path) for browser in browsers]
        passwords = [f"racing new password number {n}" for n in range(PARALLEL)]
        results = race(
            [
                lambda b=b, t=t, p=p: b.request(
                    "POST", path, {"password": p, "confirm": p, "csrf_token": t}
                )
                for b, t, p in zip(browsers, tokens, passwords, strict=True)
            ]
        )
    assert not [r for r in results if isinstance(r, Exception) or r[0] >= 500], results
    winners = [i for i, r in enumerate(results) if r[0] == 302]
    assert len(winners) == 1, [r[0] for r in results]
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, passwords[winners[0]])


def test_concurrent_writers_all_save_without_database_is_locked(app, server):
    """Several workers saving at once (SQLite: WAL, busy timeout, short write transactions)."""
    from app.models import Post

    authors = [make_user(Role.AUTHOR, email=f"writer{n}@example.org") for n in range(PARALLEL)]
    with server() as base:
        browsers = []
        for author in authors:
            browser = Browser(base)
            status, _, _ = browser.post(
                "/login", {"email": author.email, "password": DEFAULT_PASSWORD}
            )
            assert status == 302
            browsers.append((browser, browser.csrf("/admin/posts/new")))

        def write(browser, token, n):
            return browser.request(
                "POST",
                "/admin/posts/new",
                {
                    "title": f"Written at once {n}",
                    "body": "Saved while others save. " * 200,
                    "status": "published",
                    "language": "en",
                    "csrf_token": token,
                },
            )

        results = race([lambda b=b, t=t, n=n: write(b, t, n) for n, (b, t) in enumerate(browsers)])
    statuses = [r if isinstance(r, Exception) else r[0] for r in results]
    assert statuses == [302] * PARALLEL, statuses
    assert not any("database is locked" in r[1] for r in results if not isinstance(r, Exception))
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Post.id))) == PARALLEL
