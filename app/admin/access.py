"""The one way staff views check permissions (the blueprint already requires staff).

``@permission_required("action")`` for a screen, ``check_permission("action", obj)`` once the
object is loaded (``db.get_or_404`` first). The rules themselves live in ``can()``
(app/content/permissions.py), and domain functions enforce them again for every other caller.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from app.content.permissions import can


def check_permission(action: str, obj=None) -> None:
    """403 unless the current user may ``action`` (on ``obj`` where it applies)."""
    if not can(current_user, action, obj):
        abort(403)


def permission_required(action: str):
    """Decorate a view: 403 unless the current user may ``action``."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            check_permission(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator
