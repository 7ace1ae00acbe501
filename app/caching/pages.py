"""Full-page cache for anonymous visitors, in front of Flask as WSGI middleware.

A hit costs the site state (app/caching/generation.py: one small query on SQLite; on PostgreSQL
none between changes, which workers hear of by NOTIFY) and one cache lookup:
no routing, no session, no templates. Entries are keyed on the site state, so a save on any
server, or a scheduled post's minute arriving, makes every older entry unreachable at once.

What is stored is decided by Flask: only 200 answers that app/caching/http.py marked public
(public blueprint, anonymous visitor, no cookie set). Requests that carry a session or
remember-me cookie, or any method but GET/HEAD, go straight to the app.

The store is Flask-Caching: in-process (``SimpleCache``) by default, Redis when ``REDIS_URL``
is set so that every worker and server shares one cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date, is_resource_modified, parse_cookie

from app.caching.generation import read_state
from app.caching.http import CACHEABLE_MARK, STATE_KEY

# /media/ files are immutable and carry their own caching headers: no site-state query for them.
_SKIP_PREFIXES = ("/static/", "/media/", "/admin", "/login", "/logout", "/healthz")


class PageCache:
    def __init__(
        self,
        wsgi_app: Callable,
        store: Any,
        engine: Engine,
        *,
        build: str,
        timeout: int,
        cookie_names: Iterable[str],
        cache_control: str,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.store = store
        self.engine = engine
        self.build = build
        self.timeout = timeout
        self.cookie_names = frozenset(cookie_names)
        self.cache_control = cache_control

    def _bypass(self, environ: dict) -> bool:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return True
        if environ.get("PATH_INFO", "").startswith(_SKIP_PREFIXES):
            return True
        if "HTTP_AUTHORIZATION" in environ:
            return True
        cookies = environ.get("HTTP_COOKIE")
        return bool(cookies) and not self.cookie_names.isdisjoint(parse_cookie(cookies))

    def _key(self, environ: dict, tag: str) -> str:
        query = environ.get("QUERY_STRING", "")
        return (
            f"page:{self.build}:{tag}:{environ.get('wsgi.url_scheme')}://"
            f"{environ.get('HTTP_HOST', '')}{environ.get('SCRIPT_NAME', '')}"
            f"{environ.get('PATH_INFO', '')}?{query}"
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self._bypass(environ):
            return self.wsgi_app(environ, start_response)
        try:
            state = read_state(self.engine)
        except SQLAlchemyError:
            return self.wsgi_app(environ, start_response)  # the app shows its error page
        environ[STATE_KEY] = state
        key = self._key(environ, state.tag)
        entry = self.store.get(key)
        if entry is not None:
            return self._serve(environ, start_response, entry)
        if environ["REQUEST_METHOD"] != "GET":
            return self.wsgi_app(environ, start_response)
        return self._render_and_store(environ, start_response, key)

    def _serve(self, environ: dict, start_response: Callable, entry: tuple) -> Iterable[bytes]:
        status, headers, body, etag, last_modified = entry
        if not is_resource_modified(environ, etag=etag, last_modified=last_modified):
            start_response(
                "304 Not Modified",
                [
                    ("ETag", f'W/"{etag}"'),
                    ("Last-Modified", http_date(last_modified)),
                    ("Cache-Control", self.cache_control),
                ],
            )
            return []
        start_response(status, [*headers, ("X-Page-Cache", "hit")])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _render_and_store(
        self, environ: dict, start_response: Callable, key: str
    ) -> Iterable[bytes]:
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if not environ.get(CACHEABLE_MARK):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = captured
        state = environ[STATE_KEY]
        etag = next(
            (v.removeprefix("W/").strip('"') for k, v in headers if k.lower() == "etag"), None
        )
        if etag is not None:
            entry = (status, headers, body, etag, state.last_modified)
            self.store.set(key, entry, timeout=self.timeout)
        return [body]
