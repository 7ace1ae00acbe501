"""Answering old addresses from the redirect table (request side of app.content.redirects)."""

from __future__ import annotations

from flask import Flask, redirect, render_template, request
from werkzeug.exceptions import Gone

from app.content import redirects

GONE_MESSAGE = "This content has been removed."


def redirect_response():
    """The 301 (or 410) for the current request if the table has one, else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    found = redirects.find(request.path, request.args)
    if found is None:
        return None
    if found.status_code == redirects.GONE:
        return render_template("errors/error.html", error=Gone(GONE_MESSAGE)), 410
    return redirect(found.target, code=301)


def init_old_addresses(app: Flask) -> None:
    @app.before_request
    def wordpress_query_links():
        # /?p=123 is answered by the home page route, so it is checked before routing.
        if request.path == "/" and any(k in request.args for k in redirects.WORDPRESS_QUERY_KEYS):
            return redirect_response()
        return None
