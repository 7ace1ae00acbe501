"""Signing staff in and out."""

from __future__ import annotations

from app.extensions import db, login_manager
from app.inputs import parse_int
from app.models import User


@login_manager.user_loader
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
