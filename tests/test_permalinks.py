"""Permalinks written without ``url_for`` (app.templating's fast paths) are the very addresses
werkzeug builds: same quoting of any slug, same script root, same site-time date. No database:
settings are handed to the request directly."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask import Flask, g, url_for
from werkzeug.routing import BuildError

from app import create_app
from app.content.dates import to_site_time
from app.templating import author_url, category_url, month_url, post_url, tag_url

SLUGS = [
    "plain-words",
    "grüße-aus-köln",
    "straße",
    "café-crème-à-la-française",
    "سلام-دنیا",
    "گزارش-۱۴۰۳",
    "with space",
    "100%-sure",
    "%41-already-encoded",
    "what?",
    "a#b",
    "a&b=c;d",
    "it's-(new)!",
    "$@+*,:",
    "~tilde_under.dot-",
    'quote"lt<gt>',
    "back\\slash",
    "[brackets]{}|^`",
    "emoji-🎉",
    "tab\tnew\nline",
    "",
]
ROOTS = ["", "/blog", "/news/fr"]
MOMENTS = [
    datetime(2024, 3, 31, 22, 30, tzinfo=UTC),  # April 1st in Tehran, still March in UTC
    datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),  # still 2025 in Los Angeles
]
ZONES = ["UTC", "Asia/Tehran", "America/Los_Angeles"]


@pytest.fixture(scope="module", params=["", "https://example.org"], ids=["", "SITE_URL"])
def bare_app(request, tmp_path_factory) -> Flask:
    """An app that never opens its database here."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "INSTANCE_PATH": tmp_path_factory.mktemp("instance"),
            "PAGE_CACHE": False,
            "SITE_URL": request.param,
        }
    )


def _in_request(app: Flask, root: str, zone: str = "UTC"):
    context = app.test_request_context("/", base_url=f"http://localhost{root}/")
    context.push()
    g.site_settings = {"site_timezone": zone}
    return context


@pytest.mark.parametrize("root", ROOTS)
@pytest.mark.parametrize("slug", SLUGS)
def test_archive_links_match_url_for(bare_app, root, slug):
    term = SimpleNamespace(slug=slug)
    context = _in_request(bare_app, root)
    try:
        assert category_url(term) == url_for("public.category_archive", slug=slug)
        assert tag_url(term) == url_for("public.tag_archive", slug=slug)
        assert author_url(term) == url_for("public.author_archive", slug=slug)
        assert category_url(term).startswith(f"{root}/category/")
    finally:
        context.pop()


@pytest.mark.parametrize("root", ROOTS)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("slug", SLUGS)
def test_post_and_month_links_match_url_for(bare_app, root, zone, slug):
    context = _in_request(bare_app, root, zone)
    try:
        for moment in MOMENTS:
            local = to_site_time(moment, zone)
            for post in (
                SimpleNamespace(slug=slug, published_at=moment, created_at=None),
                SimpleNamespace(slug=slug, published_at=None, created_at=moment),  # a draft
            ):
                assert post_url(post) == url_for(
                    "public.post_detail",
                    year=local.year,
                    month=f"{local.month:02d}",
                    day=f"{local.day:02d}",
                    slug=slug,
                )
            assert month_url(moment) == url_for(
                "public.month_archive", year=local.year, month=local.month
            )
    finally:
        context.pop()


def test_the_site_timezone_decides_the_day_in_the_link(bare_app):
    post = SimpleNamespace(slug="late", published_at=MOMENTS[0], created_at=None)
    for zone, path, month in (
        ("UTC", "/2024/03/31/late/", "/2024/3/"),
        ("Asia/Tehran", "/2024/04/01/late/", "/2024/4/"),
    ):
        context = _in_request(bare_app, "/blog", zone)
        try:
            assert post_url(post) == "/blog" + path
            assert month_url(post.published_at) == "/blog" + month
        finally:
            context.pop()


def test_arguments_still_go_to_url_for(bare_app):
    post = SimpleNamespace(slug="grüße", published_at=MOMENTS[0], created_at=None)
    term = SimpleNamespace(slug="a b")
    context = _in_request(bare_app, "/blog")
    try:
        host = bare_app.config["SITE_URL"] or "http://localhost"
        assert post_url(post, _external=True) == f"{host}/blog/2024/03/31/gr%C3%BC%C3%9Fe/"
        assert post_url(post, _anchor="comments").endswith("/gr%C3%BC%C3%9Fe/#comments")
        assert category_url(term, page=2) == "/blog/category/a%20b/?page=2"
        assert tag_url(term, _external=True) == f"{host}/blog/tag/a%20b/"
    finally:
        context.pop()


def test_an_author_without_an_address_still_fails_loudly(bare_app):
    """A missing slug is a bug to report, not a link to ``/author/None/``."""
    context = _in_request(bare_app, "")
    try:
        with pytest.raises(BuildError):
            author_url(SimpleNamespace(slug=None))
    finally:
        context.pop()


def test_the_chrome_links_follow_each_host_and_script_root(bare_app):
    """Kept per worker, the head and header links are still those of the request that asks:
    another host (without SITE_URL) or script root never gets the first one's."""
    from app.templating import CHROME_LINKS, chrome_links

    for host in ["a.example", "b.example", "a.example"]:
        for root in ROOTS:
            base = f"http://{host}{root}/"
            with bare_app.test_request_context("/", base_url=base):
                built = {name: url_for(endpoint, **values)
                         for name, (endpoint, values) in CHROME_LINKS.items()}  # fmt: skip
                assert chrome_links() == built
                origin = bare_app.config["SITE_URL"] or f"http://{host}"
                assert built["feed"] == f"{origin}{root}/feed/"
                assert built["home"] == f"{root}/"


def test_forged_hosts_do_not_grow_the_kept_links_without_bound(bare_app):
    from app.templating import MAX_CHROME_KEYS, chrome_links

    for n in range(MAX_CHROME_KEYS * 3):
        with bare_app.test_request_context("/", base_url=f"http://forged-{n}.example/"):
            chrome_links()
    assert len(bare_app.extensions["broadside.chrome_links"]) <= MAX_CHROME_KEYS
