"""``/sitemap.xml`` (a sitemap index), its child sitemaps and ``/robots.txt``.

Child sitemaps are streamed row by row (app.content.sitemaps reads in batches), so a year of a
million-post site costs constant memory. They carry their own ``Cache-Control`` and so stay out
of the full-page cache, which would hold a whole body in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response, abort, url_for
from sqlalchemy import Connection

from app.content import sitemaps
from app.content.dates import to_site_time
from app.content.pages import page_path
from app.content.settings import get_setting
from app.extensions import db
from app.models import Page
from app.public.routes import bp

XML_TYPE = "application/xml; charset=utf-8"
CACHE = "public, max-age=3600"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
URLSET = (
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    ' xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)


def _root() -> str:
    return url_for("public.home", _external=True).rstrip("/")


def _w3c(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00") if moment else ""


def _url(loc: str, lastmod: datetime | None = None, alternates: Iterable = ()) -> str:
    out = f"<url><loc>{escape(loc)}</loc>"
    if lastmod:
        out += f"<lastmod>{_w3c(lastmod)}</lastmod>"
    for language, href in alternates:
        out += f'<xhtml:link rel="alternate" hreflang="{escape(language)}" href="{escape(href)}"/>'
    return out + "</url>\n"


def _stream(lines: Callable[[Connection], Iterator[str]]) -> Response:
    """Stream what ``lines(connection)`` yields, on a database connection of its own that
    lives as long as the body is being sent (the view has returned by then)."""
    engine = db.engine

    def body() -> Iterator[str]:
        with engine.connect() as connection:
            yield from lines(connection)

    response = Response(body(), content_type=XML_TYPE)
    response.headers["Cache-Control"] = CACHE
    return response


@bp.route("/sitemap.xml")
def sitemap_index():
    root = _root()
    slices = sitemaps.post_slices()
    lines = [HEAD, '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n']
    for piece in slices:
        name = f"posts-{piece.year}" + (f"-{piece.part}" if piece.part > 1 else "")
        lines.append(
            f"<sitemap><loc>{root}/sitemap-{name}.xml</loc>"
            f"<lastmod>{_w3c(piece.lastmod)}</lastmod></sitemap>\n"
        )
    for name in ("pages", "categories", "tags", "authors"):
        lines.append(f"<sitemap><loc>{root}/sitemap-{name}.xml</loc></sitemap>\n")
    lines.append("</sitemapindex>\n")
    response = Response("".join(lines), content_type=XML_TYPE)
    response.headers["Cache-Control"] = CACHE
    return response


def _post_path(slug: str, published_at: datetime, timezone: str) -> str:
    local = to_site_time(published_at, timezone)
    return f"/{local:%Y/%m/%d}/{quote(slug, safe='')}/"


@bp.route("/sitemap-posts-<int:year>.xml")
def sitemap_posts(year: int):
    return _posts(year, 1)


@bp.route("/sitemap-posts-<int:year>-<int:part>.xml")
def sitemap_posts_part(year: int, part: int):
    if part < 2:
        abort(404)
    return _posts(year, part)


def _posts(year: int, part: int):
    if not any(s.year == year and s.part == part for s in sitemaps.post_slices()):
        abort(404)
    root = _root()
    timezone = get_setting("site_timezone")

    def lines(connection: Connection) -> Iterator[str]:
        yield HEAD + URLSET
        for entry in sitemaps.posts_of_year(connection, year, part):
            alternates = [
                (language, root + _post_path(slug, when, timezone))
                for language, slug, when in entry.translations
            ]
            loc = root + _post_path(entry.slug, entry.published_at, timezone)
            yield _url(loc, max(entry.updated_at, entry.published_at), alternates)
        yield "</urlset>\n"

    return _stream(lines)


@bp.route("/sitemap-pages.xml")
def sitemap_pages():
    root = _root()
    pages = sitemaps.public_pages()
    by_id: dict[int, Page] = {p.id: p for p in pages}

    def lines(connection: Connection) -> Iterator[str]:
        yield HEAD + URLSET
        for page in pages:
            if page.noindex or (page.parent_id is not None and page.parent_id not in by_id):
                continue  # hidden from search engines, or under an unpublished page
            yield _url(root + page_path(page, by_id), page.updated_at)
        yield "</urlset>\n"

    return _stream(lines)


@bp.route("/sitemap-categories.xml")
def sitemap_categories():
    slugs = [c.slug for c in sitemaps.categories_with_posts()]
    return _archive_sitemap("category", lambda connection: slugs)


@bp.route("/sitemap-tags.xml")
def sitemap_tags():
    return _archive_sitemap("tag", sitemaps.tags_with_posts)  # streamed: sites have many tags


@bp.route("/sitemap-authors.xml")
def sitemap_authors():
    slugs = [u.slug or "" for u in sitemaps.authors_with_posts()]
    return _archive_sitemap("author", lambda connection: slugs)


def _archive_sitemap(kind: str, slugs: Callable[[Connection], Iterable[str]]) -> Response:
    """The archive addresses of one kind (``/<kind>/<slug>/``), one per slug."""
    root = _root()

    def lines(connection: Connection) -> Iterator[str]:
        yield HEAD + URLSET
        for slug in slugs(connection):
            yield _url(f"{root}/{kind}/{quote(slug, safe='')}/")
        yield "</urlset>\n"

    return _stream(lines)


@bp.route("/robots.txt")
def robots_txt():
    body = (
        "User-agent: *\n"
        "Disallow: /admin/\n"
        "Disallow: /login\n"
        "Disallow: /search\n"
        f"\nSitemap: {_root()}/sitemap.xml\n"
    )
    response = Response(body, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
