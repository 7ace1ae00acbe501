"""Settings read from the environment, with defaults that are safe for a single-machine install."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_PATH = PROJECT_ROOT / "instance"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _widths(name: str, default: str) -> list[int]:
    raw = os.environ.get(name) or default
    widths = sorted({int(part) for part in raw.replace(" ", "").split(",") if part})
    if not widths or widths[0] < 16:
        raise ConfigError(f"{name} needs comma-separated widths in pixels, e.g. {default}.")
    return widths


def _sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'broadside.sqlite3'}"


def load_or_create_secret_key(instance_path: Path) -> str:
    """Return the key stored in ``instance/secret_key``, creating it on first use.

    A generated, persisted key keeps sessions valid across restarts without a secret in the repo.
    """
    key_file = instance_path / SECRET_KEY_FILE
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return key


class ConfigError(RuntimeError):
    """Raised when a configuration would be unsafe to run with."""


def build_config(instance_path: Path, environment: str | None = None) -> dict:
    """Assemble the configuration mapping from environment variables."""
    environment = environment or os.environ.get("BROADSIDE_ENV", "development")
    redis_url = os.environ.get("REDIS_URL", "")
    config: dict = {
        "ENV_NAME": environment,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or _sqlite_url(instance_path),
        "SITE_TITLE": os.environ.get("SITE_TITLE", "Broadside"),
        "SITE_TAGLINE": os.environ.get("SITE_TAGLINE", "News, letters and reports"),
        "SITE_TIMEZONE": os.environ.get("SITE_TIMEZONE", "UTC"),
        "SITE_LANGUAGE": os.environ.get("SITE_LANGUAGE", "en"),
        "POSTS_PER_PAGE": _int("POSTS_PER_PAGE", 10),
        "ADMIN_POSTS_PER_PAGE": _int("ADMIN_POSTS_PER_PAGE", 25),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
        # 0 (the default) trusts none, so a client cannot fake its address to dodge throttling.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Full-page cache for anonymous visitors (app/caching/): in-process, or Redis when
        # REDIS_URL is set. Entries are keyed on the site generation, so they never go stale.
        "PAGE_CACHE": _bool("PAGE_CACHE", True),
        # PostgreSQL: each worker keeps the site state in memory and hears of changes by
        # LISTEN/NOTIFY instead of asking on every request; at most this many seconds old.
        "SITE_STATE_LISTEN": _bool("SITE_STATE_LISTEN", True),
        "SITE_STATE_MAX_AGE": _float("SITE_STATE_MAX_AGE", 1.0),
        # PostgreSQL: prepared statements use generic plans (app/read_transactions.py).
        "POSTGRES_GENERIC_PLANS": _bool("POSTGRES_GENERIC_PLANS", True),
        # PostgreSQL: safe requests outside the staff screens read in autocommit (no BEGIN,
        # no COMMIT); a closed connection is found by looking at its socket, not by a query
        # on every checkout (true: the query, for networks that drop idle connections
        # silently). Both in app/read_transactions.py.
        "POSTGRES_READ_AUTOCOMMIT": _bool("POSTGRES_READ_AUTOCOMMIT", True),
        "POSTGRES_PRE_PING": _bool("POSTGRES_PRE_PING", False),
        # Post cards and headline rows rendered once per worker for each distinct content
        # (app.templating ``post_card``); off only to measure what rendering them costs.
        "CARD_MEMO": _bool("CARD_MEMO", True),
        # Off in gunicorn workers (gunicorn.conf.py): they never run ``flask db``.
        "MIGRATIONS_CLI": _bool("MIGRATIONS_CLI", True),
        # Prefixes of this site's keys in Redis, so several sites (or runs) can share one.
        "CACHE_KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "broadside:"),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", ""),
        "PAGE_CACHE_TIMEOUT": _int("PAGE_CACHE_TIMEOUT", 3600),
        "PAGE_CACHE_MAX_ENTRIES": _int("PAGE_CACHE_MAX_ENTRIES", 500),
        # What browsers, nginx or a CDN may reuse without asking (seconds).
        "PUBLIC_CACHE_MAX_AGE": _int("PUBLIC_CACHE_MAX_AGE", 60),
        "PUBLIC_CACHE_STALE_WHILE_REVALIDATE": _int("PUBLIC_CACHE_STALE_WHILE_REVALIDATE", 30),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_ACCOUNT_RATE_LIMIT": os.environ.get(
            "LOGIN_ACCOUNT_RATE_LIMIT", "5 per minute;30 per hour"
        ),
        "RESET_RATE_LIMIT": os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        "RESET_ACCOUNT_RATE_LIMIT": os.environ.get("RESET_ACCOUNT_RATE_LIMIT", "3 per hour"),
        "TWO_FACTOR_RATE_LIMIT": os.environ.get("TWO_FACTOR_RATE_LIMIT", "10 per minute"),
        "TWO_FACTOR_ACCOUNT_RATE_LIMIT": os.environ.get(
            "TWO_FACTOR_ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour"
        ),
        # Guesses at a password-protected post's password, per client address.
        "POST_PASSWORD_RATE_LIMIT": os.environ.get(
            "POST_PASSWORD_RATE_LIMIT", "10 per minute;50 per hour"
        ),
        # Password and code checks inside a session (email, password, two-factor changes).
        "PASSWORD_CHECK_RATE_LIMIT": os.environ.get(
            "PASSWORD_CHECK_RATE_LIMIT", "5 per minute;30 per hour"
        ),
        "AUDIT_EVENTS_PER_PAGE": _int("AUDIT_EVENTS_PER_PAGE", 50),
        "SITE_URL": os.environ.get("SITE_URL", "").rstrip("/"),
        # Host names the site answers to (Flask refuses others with 400); an alternative to
        # SITE_URL for keeping forged Host headers out of links.
        "TRUSTED_HOSTS": [
            host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()
        ]
        or None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "broadside@localhost"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # Media library (app/media/): where files live and how big an upload may be.
        "MEDIA_STORAGE": os.environ.get("MEDIA_STORAGE", "local"),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or str(instance_path / "media"),
        "MEDIA_URL": os.environ.get("MEDIA_URL", "/media").rstrip("/"),
        "MEDIA_MAX_UPLOAD_MB": _int("MEDIA_MAX_UPLOAD_MB", 20),
        "MEDIA_MAX_PIXELS": _int("MEDIA_MAX_PIXELS", 50_000_000),
        "MEDIA_WIDTHS": _widths("MEDIA_WIDTHS", "320,640,960,1280,1920"),
        "MEDIA_PER_PAGE": _int("MEDIA_PER_PAGE", 40),
        "MEDIA_S3_BUCKET": os.environ.get("MEDIA_S3_BUCKET", ""),
        "MEDIA_S3_ENDPOINT_URL": os.environ.get("MEDIA_S3_ENDPOINT_URL", ""),
        "MEDIA_S3_REGION": os.environ.get("MEDIA_S3_REGION", "us-east-1"),
        "MEDIA_S3_ACCESS_KEY_ID": os.environ.get("MEDIA_S3_ACCESS_KEY_ID", ""),
        "MEDIA_S3_SECRET_ACCESS_KEY": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY", ""),
        "MEDIA_S3_PREFIX": os.environ.get("MEDIA_S3_PREFIX", ""),
    }
    if os.environ.get("REQUEST_LOG"):
        # One JSON line per request on stderr; on by default except in tests.
        config["REQUEST_LOG"] = _bool("REQUEST_LOG", True)
    secret = os.environ.get("SECRET_KEY")
    if environment == "production":
        if not secret or len(secret) < 32:
            raise ConfigError(
                "Production needs SECRET_KEY set to a random value of at least 32 characters."
            )
        config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )
    config["SECRET_KEY"] = secret or load_or_create_secret_key(instance_path)
    return config


# Room for the form's other fields next to a file of the maximum size.
FORM_OVERHEAD_BYTES = 64 * 1024


def upload_limit_bytes(megabytes: int) -> int:
    """Flask's ``MAX_CONTENT_LENGTH`` for uploads of ``megabytes``: larger requests get a 413
    before their body is read."""
    return megabytes * 1024 * 1024 + FORM_OVERHEAD_BYTES


def check_config(config) -> None:
    """Refuse settings that are unsafe in any mode (called on the final, merged config)."""
    if config.get("MAIL_SERVER") and not (config.get("SITE_URL") or config.get("TRUSTED_HOSTS")):
        # Links in mail would otherwise be built from the request's Host header, which a
        # visitor asking for a password reset controls.
        raise ConfigError(
            "MAIL_SERVER needs SITE_URL (e.g. https://example.org) or TRUSTED_HOSTS, so links "
            "in mail cannot follow a forged Host header."
        )
    site_url = config.get("SITE_URL") or ""
    if site_url and not (site_url.startswith(("http://", "https://")) and "//" in site_url):
        raise ConfigError("SITE_URL must be an absolute http(s) address, e.g. https://example.org.")
