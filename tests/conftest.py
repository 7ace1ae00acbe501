"""Fixtures: one app per database backend, a client, logging in, counting queries.

Every test that takes ``app`` runs once on SQLite and once on PostgreSQL. The PostgreSQL half
needs ``TEST_DATABASE_URL``; without it, or when the server does not answer, it is skipped with
the reason shown in the summary (``.ci/run`` sets ``REQUIRE_POSTGRES=1`` so it fails instead).
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from werkzeug.datastructures import MultiDict

from app import create_app
from app.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_TESTDATA = PROJECT_ROOT.parent / "shared" / "testdata"
FAST_HASH = "scrypt:1024:8:1"  # the real cost is for production; tests only need the format


def _postgres_status() -> tuple[str | None, str]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        return None, "TEST_DATABASE_URL is not set"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect means "not available here"
        return None, f"PostgreSQL at TEST_DATABASE_URL did not answer ({type(error).__name__})"
    return url, "running"


POSTGRES_URL, POSTGRES_STATUS = _postgres_status()
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def pytest_report_header(config) -> list[str]:
    from tests.browser import BROWSER_STATUS

    return [
        "database suites: SQLite running; PostgreSQL "
        + ("running" if POSTGRES_URL else f"SKIPPED: {POSTGRES_STATUS}"),
        f"browser suite: {BROWSER_STATUS}",
    ]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    from tests.browser import BROWSER_STATUS

    terminalreporter.section("suites")
    terminalreporter.write_line("SQLite: ran")
    terminalreporter.write_line(
        "PostgreSQL: " + ("ran" if POSTGRES_URL else f"SKIPPED ({POSTGRES_STATUS})")
    )
    terminalreporter.write_line(
        "Redis: "
        + ("ran" if os.environ.get("TEST_REDIS_URL") else "SKIPPED (TEST_REDIS_URL is not set)")
    )
    terminalreporter.write_line(f"Browser (Chromium): {BROWSER_STATUS}")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, ``g`` and database session.

    Tests hold an app context open for their factories; without this, requests would share
    its ``g`` and session and hide bugs that only show when each request starts afresh, as in
    production.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def base_config(tmp_path: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": tmp_path / "instance",
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "RESET_RATE_LIMIT": "1000 per minute",
        "RESET_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "TWO_FACTOR_RATE_LIMIT": "1000 per minute",
        "TWO_FACTOR_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "PASSWORD_CHECK_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SITE_TIMEZONE": "UTC",
        # One listening thread and connection per app would pile up over a thousand tests;
        # tests/test_site_state_watch.py turns it on.
        "SITE_STATE_LISTEN": False,
    }


def _reset_postgres_schema(app: Flask) -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()


_postgres_schema_ready = False
_database_numbers = itertools.count(1)


def make_app(backend: str, tmp_path: Path, **overrides) -> Flask:
    """Build an app on an empty database of the given backend."""
    global _postgres_schema_ready
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'test-{next(_database_numbers)}.sqlite3'}"  # one per app
    else:
        if POSTGRES_URL is None:
            if REQUIRE_POSTGRES:
                pytest.fail(f"REQUIRE_POSTGRES=1 but {POSTGRES_STATUS}")
            pytest.skip(f"PostgreSQL suite skipped: {POSTGRES_STATUS}")
        url = POSTGRES_URL
    app = create_app({**base_config(tmp_path, url), **overrides})
    app.test_client_class = IsolatedClient
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
        elif not _postgres_schema_ready:
            db.drop_all()
            db.create_all()
            _postgres_schema_ready = True
        else:
            tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
    return app


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app(backend: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(backend, tmp_path)
    with app.app_context():
        yield app
    _dispose(app)


@pytest.fixture
def app_factory(backend: str, tmp_path: Path):
    """For tests that need non-default settings (e.g. a tight login limit)."""
    created: list[Flask] = []

    def factory(**overrides) -> Flask:
        app = make_app(backend, tmp_path, **overrides)
        created.append(app)
        return app

    yield factory
    for app in created:
        _dispose(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = "a long enough password"):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)},
    )


def post_form(client: FlaskClient, url: str, data: dict, form_page: str | None = None):
    """Submit a form the way a browser does: load the page for its CSRF token, then POST."""
    page = client.get(form_page or url)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(page.text)})


CARD_TITLE_PATTERN = re.compile(r'class="post-card__title"><a href="[^"]+">([^<]+)</a>')


# Modules that read the clock for what visitors may see (the site state, the lists).
CLOCK_READERS = (
    "app.caching.generation",
    "app.content.archives",
    "app.content.frontpage",
    "app.content.visibility",
)


def move_clock(monkeypatch, when) -> None:
    """Make ``when`` the time every public list and the site state see from now on."""
    for module in CLOCK_READERS:
        monkeypatch.setattr(f"{module}.utcnow", lambda: when)


def card_titles(html: str) -> list[str]:
    """Titles of the post cards on a list page, in order (not headlines or menus)."""
    import html as html_module

    return [html_module.unescape(title) for title in CARD_TITLE_PATTERN.findall(html)]


class _OptionReader(HTMLParser):
    """The option values of one ``<select>``, found by its id, in document order."""

    def __init__(self, select_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.select_id = select_id
        self.values: list[str] = []
        self.found = False
        self._inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select" and a.get("id") == self.select_id:
            self._inside = self.found = True
        elif tag == "option" and self._inside:
            self.values.append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._inside = False


def select_options(html: str, select_id: str) -> list[str]:
    """The values a ``<select id=select_id>`` on the page offers (parsed, not split)."""
    reader = _OptionReader(select_id)
    reader.feed(html)
    reader.close()
    assert reader.found, f"no <select id={select_id!r}> on the page"
    return reader.values


class _FormReader(HTMLParser):
    """Collects what a browser would submit for each ``<form method=post>`` on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.fields = []
            self.forms.append(self.fields)
        if not self._in_form or ("name" not in a and tag in {"input", "select", "textarea"}):
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, re.sub(r"^\r?\n", "", "".join(self._text))))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False


def submit_form(client: FlaskClient, url: str, changes: dict, button: str | None = None):
    """Load ``url``, keep every value its form already has, apply ``changes``, and POST it.

    A value of ``None`` in ``changes`` removes the field (an unticked checkbox); a list gives
    several values (ticked checkboxes of one group). ``button`` names the submit button pressed.
    """
    reader = _FormReader()
    reader.feed(client.get(url).text)
    assert reader.forms, f"no POST form on {url}"
    main_form = max(reader.forms, key=len)  # not the header's logout button
    data: dict[str, list[str]] = {}
    for name, value in main_form:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if button:
        data[button] = [button]
    return client.post(url, data=MultiDict([(k, v) for k, vs in data.items() for v in vs]))


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def live_server(backend: str, tmp_path: Path):
    """Serve a fresh app on a free loopback port in a background thread; yield its base URL."""
    import threading

    from werkzeug.serving import make_server

    app = make_app(backend, tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        _dispose(app)


@pytest.fixture(scope="session")
def chromium():
    from tests.browser import (
        BROWSER_AVAILABLE,
        BROWSER_STATUS,
        CHROMIUM_ARGS,
        CHROMIUM_PATH,
        REQUIRE_BROWSER,
    )

    if not BROWSER_AVAILABLE:
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but browser suite {BROWSER_STATUS}")
        pytest.skip(f"Browser suite {BROWSER_STATUS}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; yields (host, port, received messages)."""
    import socket
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received: list = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, received
    finally:
        controller.stop()


def wait_for_mail(received: list, count: int, timeout: float = 10.0) -> list:
    """Messages are sent off the request path, so wait (briefly) until ``count`` arrived."""
    import time

    deadline = time.monotonic() + timeout
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(received) >= count, f"expected {count} message(s), got {len(received)}"
    return received


def mail_config(smtp_server) -> dict:
    host, port, _ = smtp_server
    return {
        "MAIL_SERVER": host,
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_FROM": "Broadside <news@example.org>",
        "SITE_URL": "https://news.example.org",
    }


LINK_PATTERN = re.compile(r"(https?://\S+/(?:invitation|password/reset)/[A-Za-z0-9_-]+)")


def link_from(text: str) -> str:
    """The one-time link on an admin page or in a mail body, as a path."""
    match = LINK_PATTERN.search(text)
    assert match, "no one-time link found"
    from urllib.parse import urlsplit

    return urlsplit(match.group(1)).path
