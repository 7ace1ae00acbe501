"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote

from flask import Flask, current_app, has_request_context, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import load_only

from app.caching.fragments import per_site_state, per_value
from app.content.archives import archive_years
from app.content.dates import format_day, format_long_date, to_site_time
from app.content.languages import language_name, text_direction
from app.content.listing import PostLink
from app.content.menu import menu_items, menu_label
from app.content.pages import page_path
from app.content.permissions import can
from app.content.settings import all_settings, get_setting
from app.content.visibility import page_is_public, post_is_public
from app.extensions import db
from app.models import Category, MediaItem, Page, Post, Tag, User

# What werkzeug's default converter leaves as it is in a path segment (``UnicodeConverter.to_url``).
SEGMENT_SAFE = "!$&'()*+,/:;=@"


@lru_cache(maxsize=1024)  # quoting costs ~1.5 µs (ASCII) to ~4 µs; most links repeat
def _segment(value: str) -> str:
    return quote(value, safe=SEGMENT_SAFE)


def _script_root() -> str | None:
    """The request's script root, or None outside a request (``url_for`` decides there).

    Permalinks are built by the hundred on a list page: ``url_for`` costs ~19 µs a link, an
    attribute read through a context proxy ~2.5 µs, formatting the path ~1 µs. The fast paths
    below write the paths of the ``public`` routes as werkzeug builds them (tests compare them
    with ``url_for``); any keyword argument (``_external``, ``_anchor``, a query) goes to
    ``url_for``."""
    if not has_request_context():
        return None
    return request._get_current_object().script_root


def post_url(post: Post, **kwargs) -> str:
    """The WordPress-style permalink ``/yyyy/mm/dd/slug/`` in the site's timezone."""
    moment = post.published_at or post.created_at
    local = to_site_time(moment, get_setting("site_timezone"))
    root = None if kwargs else _script_root()
    if root is not None and isinstance(post.slug, str):
        return f"{root}/{local.year}/{local.month:02d}/{local.day:02d}/{_segment(post.slug)}/"
    return url_for(
        "public.post_detail",
        year=local.year,
        month=f"{local.month:02d}",
        day=f"{local.day:02d}",
        slug=post.slug,
        **kwargs,
    )


# Dates default to the language of the staff screens and site chrome; public templates pass the
# language of the post they are about (``post.published_at|long_date(post.language)``).
INTERFACE_LANGUAGE = "en"


def long_date(moment: datetime | None, language: str = INTERFACE_LANGUAGE) -> str:
    """The day of ``moment`` in the site's timezone, written as in ``language``."""
    if moment is None:
        return ""
    return format_long_date(moment, get_setting("site_timezone"), language)


def iso_datetime(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def site_datetime(moment: datetime | None) -> str:
    """``2026-11-27 18:22:05 CET``: a moment on the site's clock, with the zone's abbreviation."""
    if moment is None:
        return ""
    return to_site_time(moment, get_setting("site_timezone")).strftime("%Y-%m-%d %H:%M:%S %Z")


def site_datetime_local(moment: datetime | None) -> str:
    """Value for an ``<input type=datetime-local>`` in site time."""
    if moment is None:
        return ""
    return to_site_time(moment, get_setting("site_timezone")).strftime("%Y-%m-%dT%H:%M")


def page_url(page: Page, **kwargs) -> str:
    return url_for("public.page_detail", page_path=page_path(page).strip("/"), **kwargs)


def _archive_url(prefix: str, endpoint: str, slug: str | None, kwargs: dict) -> str:
    root = None if kwargs else _script_root()
    if root is not None and isinstance(slug, str):
        return f"{root}/{prefix}/{_segment(slug)}/"
    return url_for(endpoint, slug=slug, **kwargs)


def category_url(category: Category, **kwargs) -> str:
    return _archive_url("category", "public.category_archive", category.slug, kwargs)


def tag_url(tag: Tag, **kwargs) -> str:
    return _archive_url("tag", "public.tag_archive", tag.slug, kwargs)


def author_url(user: User, **kwargs) -> str:
    return _archive_url("author", "public.author_archive", user.slug, kwargs)


# The links of every page's head, header and footer (base.html), by name.
CHROME_LINKS = {
    "feed": ("public.site_feed", {"_external": True}),
    "feed_atom": ("public.site_feed_atom", {"_external": True}),
    "favicon": ("public.favicon", {}),
    "stylesheet": ("static", {"filename": "site.css"}),
    "home": ("public.home", {}),
    "search": ("public.search", {}),
    "login": ("auth.login", {}),
    "dashboard": ("admin.posts", {}),
    "logout": ("auth.logout", {}),
}
# Distinct hosts and script roots kept (a forged Host header is a new key: bounded).
MAX_CHROME_KEYS = 64


def chrome_links() -> dict[str, str]:
    """The links every page's chrome carries, built once per worker for each host and script
    root they depend on (seven ``url_for`` calls a page view were ~5 % of a home page), afresh
    while templates reload (debug: the stylesheet's hashed name follows edits)."""
    app = current_app._get_current_object()
    if app.jinja_env.auto_reload:
        return _chrome_links()
    kept: dict = app.extensions.setdefault("broadside.chrome_links", {})
    key = request._get_current_object().url_root  # scheme, host and script root
    links = kept.get(key)
    if links is None:
        if len(kept) >= MAX_CHROME_KEYS:
            kept.clear()
        links = kept[key] = _chrome_links()
    return links


def _chrome_links() -> dict[str, str]:
    return {name: url_for(endpoint, **values) for name, (endpoint, values) in CHROME_LINKS.items()}


def header_menu() -> list[tuple[str, str]]:
    """(label, url) pairs of the header menu, in the admins' order: two queries once per site
    state and worker (app.caching.fragments), none on most page views."""
    return per_site_state("header_menu", _header_menu, request.script_root)


def _header_menu() -> list[tuple[str, str]]:
    items = menu_items()
    if not items:
        return []
    # Only what a path needs: page bodies can be large and this runs on every page view.
    outline = select(Page).options(load_only(Page.id, Page.slug, Page.parent_id, Page.status))
    pages_by_id = {p.id: p for p in db.session.scalars(outline)}
    entries = []
    for item in items:
        if item.page is not None and page_is_public(item.page):
            path = page_path(item.page, pages_by_id).strip("/")
            entries.append((menu_label(item), url_for("public.page_detail", page_path=path)))
        elif item.category is not None:
            entries.append((menu_label(item), category_url(item.category)))
    return entries


def site_fragment(template: str) -> Markup:
    """A template that is the same on every public page (the archive list in the footer),
    rendered once per site state and worker. Its links depend only on the script root."""

    def render() -> Markup:
        # The output of an autoescaping template: already safe HTML.
        return Markup(render_template(template))  # noqa: S704

    return per_site_state("fragment", render, template, request.script_root)


CARD_TEMPLATE = "_partials/_post_card.html"
HEADLINE_TEMPLATE = "_partials/_headline.html"


def _media_key(item: MediaItem | None) -> tuple | None:
    """What ``media_picture`` reads of a card's picture (None: the card shows none). The
    renditions' keys name their width, format and content hash; ``updated_at`` moves on every
    save of the item besides."""
    if not (item and item.width):
        return None
    return (
        item.id,
        item.updated_at,
        item.mime_type,
        item.storage_key,
        item.width,
        item.height,
        item.alt,
        item.decorative,
        tuple((entry["w"], entry["mime"], entry["key"]) for entry in item.renditions or ()),
    )


def post_card(post: Post, heading_level: int = 2, sizes: str | None = None) -> Markup:
    """The card of ``post`` in lists (``_partials/_post_card.html``), rendered once per worker
    for each distinct set of values it shows. The key holds the values themselves, so an edited
    post, a renamed author, a new picture or another timezone is a new key, never a stale card,
    and saving one post leaves the other cards' renders in place."""
    settings = all_settings()
    context = {
        "post": post,
        "heading_level": heading_level,
        "site_language": settings["site_language"],
        "site_dir": text_direction(settings["site_language"]),
    }
    if sizes is not None:
        context["card_image_sizes"] = sizes
    if not _memo_on():
        return _render(CARD_TEMPLATE, context)
    # Read as the template reads them: the author only without a byline name, the excerpt
    # only without a password (cards never load what they do not show).
    author = None if post.byline_name else post.author
    protected = bool(post.password)
    published = post.published_at
    key = (
        "card",
        post.id,
        post.slug,
        post.title,
        None if protected else post.excerpt,
        protected,
        post.language,
        published,
        # Equal moments in other zones are equal keys, but ``iso_datetime`` shows the offset.
        published.utcoffset() if published else None,
        post.created_at,
        post.byline_name,
        None if author is None else (author.id, author.display_name, author.slug),
        _media_key(post.featured_media),
        heading_level,
        sizes,
        settings["site_timezone"],
        settings["site_language"],
        _script_root(),
    )
    return per_value(key, lambda: _render(CARD_TEMPLATE, context))


def headline_item(post: PostLink) -> Markup:
    """A row of the home page's headline strip (``_partials/_headline.html``), rendered once per
    worker for each distinct row: the row is a plain tuple of what it shows."""
    context = {"post": post}
    if not _memo_on():
        return _render(HEADLINE_TEMPLATE, context)
    key = ("headline", post, get_setting("site_timezone"), _script_root())
    return per_value(key, lambda: _render(HEADLINE_TEMPLATE, context))


def _memo_on() -> bool:
    """``CARD_MEMO``, unless templates reload when edited (debug): a kept card would hide the
    edit."""
    app = current_app._get_current_object()  # one proxy lookup, not one per attribute
    return app.config["CARD_MEMO"] and not app.jinja_env.auto_reload


def _render(template: str, context: dict) -> Markup:
    # The output of an autoescaping template: already safe HTML.
    return Markup(current_app.jinja_env.get_template(template).render(context))  # noqa: S704


def month_url(moment: datetime) -> str:
    """The month archive ``/yyyy/mm/`` holding ``moment`` in the site's calendar."""
    local = to_site_time(moment, get_setting("site_timezone"))
    root = _script_root()
    if root is not None:
        return f"{root}/{local.year}/{local.month}/"
    return url_for("public.month_archive", year=local.year, month=local.month)


def long_date_of_day(day: date | None, language: str = INTERFACE_LANGUAGE) -> str:
    return format_day(day, language) if day else ""


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        long_date=long_date,
        iso_datetime=iso_datetime,
        datetime_local=site_datetime_local,
        site_datetime=site_datetime,
        day_date=long_date_of_day,
        language_name=language_name,
        text_direction=text_direction,
    )
    app.jinja_env.globals.update(
        post_url=post_url,
        post_card=post_card,
        headline_item=headline_item,
        page_url=page_url,
        category_url=category_url,
        tag_url=tag_url,
        author_url=author_url,
        header_menu=header_menu,
        site_fragment=site_fragment,
        month_url=month_url,
        archive_years=archive_years,
        post_is_public=post_is_public,
        page_is_public=page_is_public,
    )

    @app.context_processor
    def site_context() -> dict:
        return {
            "site_title": get_setting("site_title"),
            "site_tagline": get_setting("site_tagline"),
            "site_language": get_setting("site_language"),
            "site_dir": text_direction(get_setting("site_language")),
            "can": lambda action, obj=None: can(current_user, action, obj),
            "site_links": chrome_links() if has_request_context() else {},
        }
