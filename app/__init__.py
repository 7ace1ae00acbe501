"""Broadside: a server-rendered publishing platform."""

from __future__ import annotations

import contextlib
import os
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, render_template, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import DEFAULT_INSTANCE_PATH, build_config, check_config
from app.extensions import csrf, db, limiter, login_manager
from app.inputs import AsciiIntConverter, has_control_characters
from app.read_transactions import SAFE_METHODS, init_read_transactions
from app.request_log import init_request_log
from app.security_headers import init_security_headers


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI, error pages."""
    config = dict(config or {})
    instance_path = Path(
        config.pop("INSTANCE_PATH", None)
        or os.environ.get("BROADSIDE_INSTANCE_PATH")
        or DEFAULT_INSTANCE_PATH
    )
    app = Broadside(__name__, instance_path=str(instance_path), instance_relative_config=True)
    app.config.update(build_config(instance_path, config.get("ENV_NAME")))
    app.config.update(config)
    check_config(app.config)

    register_input_guards(app)
    init_security_headers(app)  # first, so its after_request runs last and has the final word
    init_request_log(app)
    register_extensions(app)
    init_read_transactions(app)  # after Flask-SQLAlchemy, so its teardown runs first
    register_model_hooks()
    register_media(app)
    register_caching(app)
    register_proxy_headers(app)  # outermost, so the page cache sees the client's host and scheme
    register_blueprints(app)
    register_template_helpers(app)
    register_old_addresses(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per key set rather
    than on every request (Flask builds one to open each request's session, cookie or not: ~20
    µs, a tenth of the app's fixed cost a request). A rotated ``SECRET_KEY`` or new fallbacks
    make a new one."""

    def __init__(self) -> None:
        self._kept: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


class Broadside(Flask):
    """Flask, with every absolute URL built from ``SITE_URL`` when it is set, and each hook's
    sync check made once.

    Mail links, canonical and hreflang links then never follow the request's ``Host`` or
    ``X-Forwarded-Host`` header, which a visitor controls. Routing still uses the request as
    it came (only the building half of the URL adapter is pointed at ``SITE_URL``).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict = {}
        self.session_interface = SessionCookies()  # one per app: it keeps the app's keys

    def ensure_sync(self, func):
        """Flask's, remembered per function: it asked ``inspect`` whether the function is a
        coroutine function on every call, some fifteen times a request (every hook)."""
        try:
            return self._sync_functions[func]
        except KeyError:
            made = super().ensure_sync(func)
            if len(self._sync_functions) < 4096:  # hooks, views, error handlers: a fixed set
                self._sync_functions[func] = made
            return made
        except TypeError:  # not hashable
            return super().ensure_sync(func)

    def create_url_adapter(self, request):
        adapter = super().create_url_adapter(request)
        site_url = self.config.get("SITE_URL")
        if adapter is not None and request is not None and site_url:
            parts = urlsplit(site_url)
            adapter.url_scheme = parts.scheme
            adapter.server_name = parts.netloc
            adapter.subdomain = ""
        return adapter


def register_proxy_headers(app: Flask) -> None:
    """Behind a reverse proxy, take the client address and scheme from its headers.

    Throttling and the audit log key on the client address, so only as many proxies as the
    operator declares in ``TRUSTED_PROXIES`` are believed.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=0
        )


class ControlCharactersInInput(BadRequest):
    user_message = (
        "What you sent contains invisible control characters (such as NUL), which cannot be "
        "stored. Go back, remove them (retyping the text usually does) and send it again."
    )


def register_input_guards(app: Flask) -> None:
    """Judge every URL number and every text input in one place, before any view runs.

    ``<int:...>`` takes only ASCII digits within the id range (else 404); a path, query string
    or form with control characters is refused (404 for a path, 400 otherwise), so no view,
    query or mail header ever sees a NUL.
    """
    app.url_map.converters["int"] = AsciiIntConverter

    @app.before_request
    def refuse_control_characters():
        if has_control_characters(request.path):
            abort(404)
        view = app.view_functions.get(request.endpoint or "")
        if request.method == "GET" and getattr(view, "_broadside_strips_control_characters", 0):
            return  # the search box: whatever is pasted into it is cleaned by the search
        for key, value in request.args.items(multi=True):
            if has_control_characters(key) or has_control_characters(value):
                raise ControlCharactersInInput()
        if request.method in {"POST", "PUT", "PATCH"}:
            for key, value in request.form.items(multi=True):
                if has_control_characters(key) or has_control_characters(value, multiline=True):
                    raise ControlCharactersInInput()


def register_extensions(app: Flask) -> None:
    engine_options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options.setdefault("connect_args", {}).setdefault("timeout", 15)
    elif app.config["POSTGRES_PRE_PING"]:
        # After a database restart the pool holds dead connections: test each one with a
        # query as it is checked out. By default a cheaper check of the connection's socket
        # does this (app/read_transactions.py).
        engine_options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    if app.config["MIGRATIONS_CLI"]:
        # ``flask db ...``. Alembic and Mako take 11 MB, so gunicorn workers, which never
        # migrate, leave them out (gunicorn.conf.py sets MIGRATIONS_CLI=0).
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)
    _check_only_on_writes(app)

    from app.auth.sessions import load_user

    login_manager.user_loader(load_user)


def _check_only_on_writes(app: Flask) -> None:
    """The rate limiter's and Flask-WTF's checks before each request run only for the methods
    they can apply to: every limit guards a form post (app/extensions.py), and a CSRF token is
    checked on ``WTF_CSRF_METHODS`` only. On a GET each worked out that it had nothing to do,
    the limiter in 25-40 µs, a tenth of what the app adds to every request. Views with a limit
    of their own still check it in their decorator. The limiter's after-request hook (its
    ``X-RateLimit-*`` headers) and its clean-up likewise: no limit applies to a read."""
    hooks = app.before_request_funcs.setdefault(None, [])
    after = app.after_request_funcs.setdefault(None, [])
    teardown = app.teardown_request_funcs.setdefault(None, [])
    check_limits = limiter._check_request_limit
    add_limit_headers = next(
        hook for hook in after if isinstance(hook, partial) and hook.args == (limiter,)
    )
    release_limits = limiter._Limiter__release_context
    check_csrf = next(
        hook for hook in hooks if getattr(hook, "__qualname__", "").startswith("CSRFProtect.")
    )
    csrf_methods = frozenset(app.config["WTF_CSRF_METHODS"])

    def check_limits_on_writes() -> None:
        if request.method not in SAFE_METHODS:
            check_limits()

    def check_csrf_on_writes() -> None:
        if request.method in csrf_methods:
            check_csrf()

    def add_limit_headers_on_writes(response):
        return response if request.method in SAFE_METHODS else add_limit_headers(response)

    def release_limits_on_writes(error: BaseException | None = None) -> None:
        if request.method not in SAFE_METHODS:
            release_limits(error)

    hooks[hooks.index(check_limits)] = check_limits_on_writes
    hooks[hooks.index(check_csrf)] = check_csrf_on_writes
    after[after.index(add_limit_headers)] = add_limit_headers_on_writes
    teardown[teardown.index(release_limits)] = release_limits_on_writes


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """WAL lets readers and a writer work at once; foreign keys are off by default in SQLite."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_model_hooks() -> None:
    """Every save-time and connection hook of the app, installed here and nowhere else.

    No module installs a hook by being imported, so none can be missing because an import did
    not happen first (a script that only imports app.content.publishing still gets redirects,
    media usages and revision clean-up). Idempotent. The page cache's own hooks are installed
    by ``init_caching``.
    """
    from app.content import (
        archive_counts,
        archives,
        pages,
        redirects,
        revisions,
        search,
        slugs,
        term_links,
    )
    from app.media import usage

    archives.install_listeners()
    pages.install_listeners()
    archive_counts.install_listeners()
    search.install_listeners()
    term_links.install_listeners()
    slugs.install_listeners()
    usage.install_listeners()
    redirects.install_listeners()
    revisions.install_listeners()


def register_caching(app: Flask) -> None:
    from app.caching import init_caching

    init_caching(app)


def register_media(app: Flask) -> None:
    from app.media import init_media

    init_media(app)


def register_blueprints(app: Flask) -> None:
    from app.admin import register_admin
    from app.auth.routes import bp as auth_bp
    from app.media.views import bp as media_bp
    from app.public.routes import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(media_bp)
    register_admin(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import init_templating

    init_templating(app)


def register_old_addresses(app: Flask) -> None:
    """Old addresses and moved content: the redirect table answers what nothing else does.

    (Leaving a redirect behind when a published address changes is a save-time hook:
    ``register_model_hooks``.)
    """
    from app.public.old_addresses import init_old_addresses

    init_old_addresses(app)


def register_errorhandlers(app: Flask) -> None:
    from app.public.old_addresses import redirect_response

    def render_error(error: HTTPException):
        if error.code == 404:
            moved = redirect_response()
            if moved is not None:
                return moved
        retry_after = _retry_after_text() if error.code == 429 else None
        return render_template("errors/error.html", error=error, retry_after=retry_after), (
            error.code
        )

    for code in (400, 403, 404, 405, 410, 429):
        app.register_error_handler(code, render_error)

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # Raised before routing (TRUSTED_HOSTS): no URL can be built, so no site template.
        return (
            "400 Bad Request: this site does not answer to that host name.\n",
            400,
            {"Content-Type": "text/plain; charset=utf-8"},
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """The database is down or restarting: a 503 that says so, never a traceback or 500."""
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        db.session.remove()
        app.logger.error("Database unavailable: %s", type(error.orig or error).__name__)
        return render_template("errors/503.html"), 503, {"Retry-After": "30"}

    @app.errorhandler(500)
    def internal_error(error):
        db.session.rollback()
        return render_template("errors/500.html"), 500


def _retry_after_text() -> str:
    """When the limit that was hit lets the visitor try again, in words."""
    current = limiter.current_limit
    if current is None:
        return "a minute"
    seconds = max(1, int(current.reset_at - time.time()))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"about {minutes} minutes"


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
