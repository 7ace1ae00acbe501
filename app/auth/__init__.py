"""Signing staff in and out."""

from __future__ import annotations

from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Accept a session only if its version still matches the account's.

    Bumping ``session_version`` (password change, role change, deactivation) ends every existing
    session; the person who made the change in this browser is signed in again with the new one.
    """
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
