"""Request-side helpers shared by the auth and admin views: who is acting, signing in, links."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user, login_user

from app.accounts.staff import record_sign_in
from app.content.audit import Actor
from app.extensions import db
from app.inputs import parse_int
from app.models import User


def current_actor() -> Actor:
    """The signed-in user (if any) and the client address, for the audit log."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user=user, ip=request.remote_addr or "")


def sign_in(user: User, *, remember: bool, method: str) -> None:
    """Start a session for ``user`` after every check passed, and record it."""
    login_user(user, remember=remember)
    record_sign_in(user, current_actor(), method)


def keep_signed_in(user: User) -> None:
    """Re-issue this browser's session after ``user``'s session version was bumped.

    The person who changed their own password or role stays in; their other sessions end.
    """
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered, fresh=True)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail or for the admin to pass on.

    ``SITE_URL`` wins over the request's host, which a visitor could forge.
    """
    site_url = current_app.config.get("SITE_URL")
    if site_url:
        return site_url + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def load_user(user_id: str) -> User | None:
    """Accept a session only if its version still matches the account's.

    Bumping ``session_version`` (password change, role change, deactivation) ends every existing
    session; the person who made the change in this browser is signed in again with the new one.
    """
    ident, _, version = user_id.partition(":")
    user_id_number, version_number = parse_int(ident), parse_int(version)
    if user_id_number is None or version_number is None:
        return None
    user = db.session.get(User, user_id_number)
    if user is None or not user.active or user.session_version != version_number:
        return None
    return user
