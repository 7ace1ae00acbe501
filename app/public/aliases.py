"""Addresses visitors and old links use that are not pages of their own: WordPress's
``/page/2/`` pager and the browser's ``/favicon.ico``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, redirect, url_for

from app.public.routes import ARCHIVE_ENDPOINTS, bp

FAVICON_MAX_AGE = 7 * 24 * 3600


def _to_query_page(endpoint: str, number: int, **view_args):
    """301 to the canonical ``?page=N`` form (page 1 is the list itself)."""
    if number > 1:
        view_args["page"] = number
    return redirect(url_for(endpoint, **view_args), code=301)


@bp.route("/page/<int:number>/")
def home_paged(number: int):
    return _to_query_page("public.home", number)


@bp.route("/<any(category, tag, author):kind>/<slug>/page/<int:number>/")
def archive_paged(kind: str, slug: str, number: int):
    return _to_query_page(ARCHIVE_ENDPOINTS[kind], number, slug=slug)


@bp.route("/<int:year>/page/<int:number>/")
def year_paged(year: int, number: int):
    return _to_query_page("public.year_archive", number, year=year)


@bp.route("/<int:year>/<int:month>/page/<int:number>/")
def month_paged(year: int, month: int, number: int):
    return _to_query_page("public.month_archive", number, year=year, month=month)


@lru_cache(maxsize=1)
def _favicon_bytes(folder: str) -> bytes:
    return (Path(folder) / "favicon.ico").read_bytes()


@bp.route("/favicon.ico")
def favicon():
    # Served from memory: no file handle is left open when a browser drops the connection.
    response = Response(
        _favicon_bytes(current_app.static_folder), mimetype="image/vnd.microsoft.icon"
    )
    response.cache_control.public = True
    response.cache_control.max_age = FAVICON_MAX_AGE
    return response
