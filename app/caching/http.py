"""HTTP caching for public pages: ETag, Last-Modified, 304 Not Modified and Cache-Control.

Every GET/HEAD answered by the ``public`` blueprint to an anonymous visitor gets

- ``ETag: W/"<build>-<site state>"`` and ``Last-Modified`` (the last change a visitor could
  see): both change with the site generation (app/caching/generation.py), so they are
  correct for every page without hashing its body;
- ``Cache-Control: public, max-age=PUBLIC_CACHE_MAX_AGE, stale-while-revalidate=...``.

A conditional request (``If-None-Match`` / ``If-Modified-Since``) that still matches is
answered ``304`` *before* the view runs: one small query, no rendering. Routes of the public
blueprint that must not be shared (health checks, anything personal) are marked with
``@not_public_cacheable``. New public routes (feeds, sitemaps...) get all this for free.

Logged-in staff never get these headers (the hardening layer marks their responses
``private, no-store``); responses that set a cookie are never marked public.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from werkzeug.http import http_date, is_resource_modified

from app.caching.generation import SiteState, current_state

F = TypeVar("F", bound=Callable)
CACHEABLE_MARK = "broadside.page_cacheable"
STATE_KEY = "broadside.site_state"


def not_public_cacheable(view: F) -> F:
    """Keep a public route out of shared caches and the page cache."""
    view._broadside_not_cacheable = True  # type: ignore[attr-defined]
    return view


def build_id(root: Path | None = None) -> str:
    """Short fingerprint of the code, templates and static files, so a deploy changes ETags."""
    root = root or Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".html", ".css", ".js", ".txt", ".svg"}:
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:10]


def etag_for(state: SiteState) -> str:
    return f"{current_app.config['BUILD_ID']}-{state.tag}"


def cache_control_value(config) -> str:
    max_age = int(config["PUBLIC_CACHE_MAX_AGE"])
    stale = int(config["PUBLIC_CACHE_STALE_WHILE_REVALIDATE"])
    return f"public, max-age={max_age}, stale-while-revalidate={stale}"


def _applies() -> bool:
    """A GET/HEAD for a public route of the public blueprint, with no staff session."""
    if request.method not in {"GET", "HEAD"} or request.blueprint != "public":
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "_broadside_not_cacheable", False):
        return False
    return not current_user.is_authenticated


# Blueprints whose pages show the site chrome kept per site state (app.caching.fragments).
_CHROME_BLUEPRINTS = frozenset({"public", "auth", "admin"})


def _answer_conditional_request():
    """Read the site state before anything else touches the database, then answer 304 before
    the view runs when the visitor's copy is still current.

    Reading the state first matters on SQLite, where a transaction reads one snapshot from its
    first query on: a state read later could be newer than the data the page is built from,
    and the page (its ETag, the chrome kept per state) would be labelled with the newer state."""
    if request.method in {"GET", "HEAD"} and request.blueprint in _CHROME_BLUEPRINTS:
        view = current_app.view_functions.get(request.endpoint or "")
        # Not for views that answer on their own terms (/healthz must report an unreachable
        # database as JSON, not fail here first).
        if not getattr(view, "_broadside_not_cacheable", False):
            current_state()
    if not ("If-None-Match" in request.headers or "If-Modified-Since" in request.headers):
        return None
    if not _applies():
        return None
    state = current_state()
    if is_resource_modified(
        request.environ, etag=etag_for(state), last_modified=state.last_modified
    ):
        return None
    response = Response(status=304)
    _set_validators(response, state)
    g.broadside_not_modified = True
    return response


def _set_validators(response: Response, state: SiteState) -> None:
    response.set_etag(etag_for(state), weak=True)
    response.headers["Last-Modified"] = http_date(state.last_modified)
    response.headers["Cache-Control"] = cache_control_value(current_app.config)


def _mark_public(response: Response) -> Response:
    if g.get("broadside_not_modified"):
        return response
    if response.status_code != 200 or not _applies():
        return response
    if session.modified or "Set-Cookie" in response.headers:
        return response  # personal: it carries this visitor's cookie
    if "Cache-Control" in response.headers:
        return response  # the view decided for itself
    _set_validators(response, current_state())
    request.environ[CACHEABLE_MARK] = True
    return response


def init_http_caching(app: Flask) -> None:
    app.config.setdefault("BUILD_ID", build_id())
    app.before_request(_answer_conditional_request)
    app.after_request(_mark_public)
