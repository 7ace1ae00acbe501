"""Site settings: defaults from the app config, overridden by what admins saved in the database.

All settings are read in one query and kept for the rest of the request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from app.caching.fragments import per_site_state
from app.extensions import db
from app.models import SiteSetting

# setting key -> config key that supplies its default
CONFIG_DEFAULTS = {
    "site_title": "SITE_TITLE",
    "site_tagline": "SITE_TAGLINE",
    "site_timezone": "SITE_TIMEZONE",
    "site_language": "SITE_LANGUAGE",
    "posts_per_page": "POSTS_PER_PAGE",
}
# Keys named by the code that reads them.
REQUIRE_TWO_FACTOR = "require_two_factor_for_editors"  # app.content.permissions
KEEP_MEDIA_METADATA = "media_keep_metadata"  # app.media.library

# Every other setting, with its default: the one registry (nothing registers a setting on import).
PLAIN_DEFAULTS: dict[str, Any] = {
    "featured_categories": [],  # category ids, in the order their blocks appear
    # Post addresses keep non-Latin words readable (percent-encoded), as WordPress does; admins
    # can switch to transliterated ASCII slugs.
    "unicode_slugs": True,
    "revisions_to_keep": 0,  # 0 keeps every revision; N keeps the newest N of each post or page
    KEEP_MEDIA_METADATA: False,  # strip camera and location data from uploads unless switched on
    REQUIRE_TWO_FACTOR: False,  # editors and admins must set up two-factor sign-in
}


def _defaults() -> dict[str, Any]:
    values = {key: current_app.config[cfg] for key, cfg in CONFIG_DEFAULTS.items()}
    values.update(PLAIN_DEFAULTS)
    return values


def all_settings() -> dict[str, Any]:
    """Every setting. During a request they are read once per site state and worker (settings
    are public data: saving one bumps the state), unless this request changed them."""
    in_request = has_request_context()
    if in_request:
        # ``g`` itself, not its proxy: an attribute read through the proxy costs ~3 µs, and a
        # list page asks for a setting with every date and link.
        values = g._get_current_object().get("site_settings")
        if values is not None:
            return values
    try:
        if in_request and not g.get("settings_changed"):
            values = dict(per_site_state("settings", _read_settings))
        else:
            values = _read_settings()
    except SQLAlchemyError:
        # Error pages must still render when the database is down: fall back to the defaults.
        db.session.rollback()
        return _defaults()
    if in_request:
        g.site_settings = values
    return values


def _read_settings() -> dict[str, Any]:
    values = _defaults()
    values.update({row.key: row.value for row in db.session.scalars(db.select(SiteSetting))})
    return values


def get_setting(key: str) -> Any:
    return all_settings()[key]


def save_settings(changes: dict[str, Any]) -> None:
    """Store ``changes`` (the caller commits) and forget the per-request copy."""
    known = _defaults()
    for key, value in changes.items():
        if key not in known:
            raise KeyError(f"unknown setting {key!r}")
        row = db.session.get(SiteSetting, key)
        if row is None:
            db.session.add(SiteSetting(key=key, value=value))
        else:
            row.value = value
    if has_request_context():
        g.pop("site_settings", None)
        g.settings_changed = True  # read them from this transaction for the rest of the request
