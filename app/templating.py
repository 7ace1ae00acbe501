"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import load_only

from app.caching.fragments import per_site_state
from app.content.archives import archive_years
from app.content.dates import format_day, format_long_date, to_site_time
from app.content.languages import language_name, text_direction
from app.content.menu import menu_items, menu_label
from app.content.pages import page_path
from app.content.permissions import can
from app.content.settings import get_setting
from app.content.visibility import page_is_public, post_is_public
from app.extensions import db
from app.models import Category, Page, Post, Tag, User


def post_url(post: Post, **kwargs) -> str:
    """The WordPress-style permalink ``/yyyy/mm/dd/slug/`` in the site's timezone."""
    moment = post.published_at or post.created_at
    local = to_site_time(moment, get_setting("site_timezone"))
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


def category_url(category: Category, **kwargs) -> str:
    return url_for("public.category_archive", slug=category.slug, **kwargs)


def tag_url(tag: Tag, **kwargs) -> str:
    return url_for("public.tag_archive", slug=tag.slug, **kwargs)


def author_url(user: User, **kwargs) -> str:
    return url_for("public.author_archive", slug=user.slug, **kwargs)


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


def month_url(moment: datetime) -> str:
    """The month archive ``/yyyy/mm/`` holding ``moment`` in the site's calendar."""
    local = to_site_time(moment, get_setting("site_timezone"))
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
        }
