"""Per-screen permission checks for the staff area (the blueprint already requires staff)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from app.content.permissions import can


def permission_required(action: str):
    """403 unless the current user may ``action``; the rule itself lives in ``can()``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
