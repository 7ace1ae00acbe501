"""Template filters and globals shared by every blueprint."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from flask_login import current_user

from app.content.dates import format_long_date, to_site_time
from app.content.permissions import can
from app.content.settings import get_setting
from app.models import Post


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


def long_date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_long_date(moment, get_setting("site_timezone"))


def iso_datetime(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def site_datetime_local(moment: datetime | None) -> str:
    """Value for an ``<input type=datetime-local>`` in site time."""
    if moment is None:
        return ""
    return to_site_time(moment, get_setting("site_timezone")).strftime("%Y-%m-%dT%H:%M")


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        long_date=long_date, iso_datetime=iso_datetime, datetime_local=site_datetime_local
    )
    app.jinja_env.globals.update(post_url=post_url)

    @app.context_processor
    def site_context() -> dict:
        return {
            "site_title": get_setting("site_title"),
            "site_tagline": get_setting("site_tagline"),
            "site_language": get_setting("site_language"),
            "can": lambda action, obj=None: can(current_user, action, obj),
        }
