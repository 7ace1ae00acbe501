"""Caching: the site generation, HTTP validators for public pages, the full-page cache, and
static files under content-hashed names.

``init_caching(app)`` wires all three; see the modules for how each works.
"""

from __future__ import annotations

from flask import Flask

from app.caching.generation import install_listeners, watch_state
from app.caching.http import cache_control_value, init_http_caching
from app.caching.pages import PageCache
from app.caching.static import init_static_files
from app.extensions import cache, db


def _cache_config(app: Flask) -> dict:
    """Flask-Caching settings: Redis when REDIS_URL is set, else an in-process cache."""
    config = app.config
    cache_type = config.get("CACHE_TYPE") or (
        "RedisCache" if config.get("REDIS_URL") else "SimpleCache"
    )
    settings = {
        "CACHE_TYPE": cache_type,
        "CACHE_DEFAULT_TIMEOUT": config["PAGE_CACHE_TIMEOUT"],
        "CACHE_KEY_PREFIX": config["CACHE_KEY_PREFIX"],
        "CACHE_THRESHOLD": config["PAGE_CACHE_MAX_ENTRIES"],
    }
    if cache_type == "RedisCache":
        settings["CACHE_REDIS_URL"] = config.get("CACHE_REDIS_URL") or config["REDIS_URL"]
    return settings


def init_caching(app: Flask) -> None:
    install_listeners()
    init_http_caching(app)
    init_static_files(app)
    with app.app_context():
        engine = db.engine
    watch_state(
        engine, enabled=app.config["SITE_STATE_LISTEN"], max_age=app.config["SITE_STATE_MAX_AGE"]
    )
    if not app.config["PAGE_CACHE"]:
        return
    cache.init_app(app, config=_cache_config(app))
    app.wsgi_app = PageCache(
        app.wsgi_app,
        app.extensions["cache"][cache],
        engine,
        build=app.config["BUILD_ID"],
        timeout=app.config["PAGE_CACHE_TIMEOUT"],
        cookie_names=(
            app.config["SESSION_COOKIE_NAME"],
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        ),
        cache_control=cache_control_value(app.config),
    )
